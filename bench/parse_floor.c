/* parse_floor.c - the parse-only floor of the import benchmark: split a JSON Lines or
 * blob file into records (the import splitter) and parse every record with cJSON (through
 * the xa_json wrapper), nothing else. Built by bench/run.sh against libxa.a. */
#include "parse/input.h"
#include "parse/json.h"
#include "parse/jsonstream.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: parse_floor FILE\n");
        return 2;
    }
    struct xa_input *in;
    struct xa_jstream *js;
    struct xa_diag d;
    if (xa_input_open(argv[1], &in, &d) || xa_jstream_new(in, 4u << 20, &js, &d)) {
        fprintf(stderr, "%s\n", d.msg);
        return 1;
    }
    struct xa_jrec r;
    unsigned long long n = 0, bad = 0;
    while (xa_jstream_next(js, &r, &d) == XA_OK) {
        struct xa_json *root;
        if (r.status == XA_JREC_OK && xa_json_parse(r.data, r.len, &root, &d) == XA_OK) {
            n++;
            xa_json_free(root);
        } else {
            bad++;
        }
    }
    printf("%llu records parsed, %llu bad\n", n, bad);
    xa_jstream_free(js);
    xa_input_close(in);
    return 0;
}
