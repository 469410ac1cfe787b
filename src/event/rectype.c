/* rectype.c - RecordType number <-> name (placeholder table; the full pinned table of
 * the reference, section 2.3, replaces it). */
#include "event/event.h"

#include <strings.h>

static const struct {
    int type;
    const char *name;
} types[] = {
    {1, "ExchangeAdmin"}, {2, "ExchangeItem"}, {3, "ExchangeItemGroup"}, {8, "AzureActiveDirectory"},
    {15, "AzureActiveDirectoryStsLogon"}, {50, "ExchangeItemAggregated"},
};

const char *xa_record_type_name(int type)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i].type == type)
            return types[i].name;
    return NULL;
}

int xa_record_type_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(types[i].name, name) == 0)
            return types[i].type;
    return -1;
}
