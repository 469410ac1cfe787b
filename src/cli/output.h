/* output.h - rendering events as an aligned table, JSON Lines or CSV. */
#ifndef XA_CLI_OUTPUT_H
#define XA_CLI_OUTPUT_H

#include "cli/common.h"
#include "event/event.h"

#include <stdio.h>

struct xa_out;

struct xa_out *xa_out_new(enum xa_out_format fmt, FILE *fp);
/* xa_event_cb-compatible: ud is the struct xa_out. */
xa_rc xa_out_event_cb(void *ud, const struct xa_event *ev);
size_t xa_out_rows(const struct xa_out *o);
/* Flush pending rows and free o. */
void xa_out_finish(struct xa_out *o);
/* Print one event for a person: who / what / when / where, parameters, raw record. */
void xa_out_event_text(const struct xa_event *ev, FILE *fp);

#endif
