/* out.h - forwarding: destinations with their own cursors in the archive, a disk spool,
 * retry with back-off, and per-destination lag (docs/FORWARDING.md).
 *
 * A pass over a destination has two steps, each its own archive transaction:
 *   fill:    read events (seq > cursor) or new alerts, filter, redact, format, append to
 *            the destination's spool and move its cursor - together or not at all;
 *   deliver: send the oldest spooled messages in order; the peer confirms a prefix;
 *            remove exactly that prefix and count it.
 * So a message is spooled exactly once, and removed only after the peer confirmed it:
 * delivery is at-least-once, and re-sends happen only for messages that were not
 * confirmed (see docs/FORWARDING.md for what "confirmed" means for each type).
 * Not thread-safe: one forwarder per thread and store handle. */
#ifndef XA_OUT_OUT_H
#define XA_OUT_OUT_H

#include "core/config.h"
#include "core/rc.h"
#include "out/format.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xa_out_type { XA_OUT_SYSLOG = 0, XA_OUT_HEC, XA_OUT_ES, XA_OUT_WEBHOOK, XA_OUT_SMTP };
enum xa_out_fmt { XA_OUTF_RFC5424 = 0, XA_OUTF_CEF, XA_OUTF_LEEF, XA_OUTF_JSON };
enum xa_out_what { XA_OUTW_ALERTS = 0, XA_OUTW_EVENTS, XA_OUTW_SEARCH };

#define XA_OUT_MAX_DESTS 32
#define XA_OUT_MAX_RCPT 16

/* One destination's settings (forward.destinations.<name>.*). Strings are owned by the
 * struct (xa_out_dests_free). */
struct xa_out_dest_cfg {
    char *name;
    enum xa_out_type type;
    enum xa_out_fmt format;      /* syslog payload */
    enum xa_out_what what;
    char *filter_text;           /* what: search - search options, parsed by the caller */
    const struct xa_query *filter; /* set by the caller for what: search (borrowed) */
    bool start_now;              /* start: now - a new destination skips existing events */
    struct xa_out_redact redact; /* fields point into redact_buf */
    char *redact_buf;
    /* syslog */
    char *address;
    int port;
    bool tls;
    bool tls_verify;             /* default true */
    char *ca_file, *cert_file, *key_file, *server_name;
    int facility;                /* default 13 (log audit) */
    char *hostname;              /* HOSTNAME field; default gethostname() */
    /* http */
    char *url;
    char *token_file;            /* never logged */
    char *index;                 /* elasticsearch index, splunk index */
    char *sourcetype;            /* splunk */
    /* smtp */
    char *smtp_from;
    char *smtp_to[XA_OUT_MAX_RCPT];
    size_t n_to;
    char *username;
    char *password_file;         /* never logged */
    bool starttls;               /* require STARTTLS on smtp:// (default true unless loopback) */
    /* delivery */
    size_t batch;                /* messages per send */
    size_t spool_max;            /* fill stops when this many wait */
    int64_t backoff_min_us, backoff_max_us;
    int timeout_ms;
};

/* Read every forward.destinations.<name>.* of cfg. *out is an array of *n (possibly 0). */
xa_rc xa_out_dests_load(const struct xa_config *cfg, struct xa_out_dest_cfg **out, size_t *n,
                        struct xa_diag *diag);
void xa_out_dests_free(struct xa_out_dest_cfg *d, size_t n);

const char *xa_out_type_name(enum xa_out_type t);
const char *xa_out_what_name(enum xa_out_what w);
const char *xa_out_fmt_name(enum xa_out_fmt f);

/* Back-off before try number failures + 1: min * 2^(failures-1), capped at max, with
 * "equal jitter" (half fixed, half from rnd). failures <= 0 gives 0. */
int64_t xa_out_backoff(int64_t failures, int64_t min_us, int64_t max_us, uint32_t rnd);

/* Does ev match q (the filters of struct xa_query except since/until paging, cursor,
 * limit and order; text is a case-insensitive substring test over the human fields)? */
bool xa_out_match(const struct xa_query *q, const struct xa_event *ev);

/* Format one item for a destination into out (the spool payload). a: scratch for
 * redaction. */
xa_rc xa_out_format_item(const struct xa_out_dest_cfg *c, const struct xa_out_item *it,
                         struct xa_arena *a, struct xa_buf *out);

/* One message handed to a destination. */
struct xa_out_msg {
    const char *key;
    const char *data;
    size_t len;
};

/* A destination type: a const table of operations. */
struct xa_out_dest_ops {
    const char *type;
    /* Check settings and read secrets (no network). */
    xa_rc (*open)(const struct xa_out_dest_cfg *cfg, void **conn, struct xa_diag *diag);
    /* Deliver msgs[0..n) in order. *confirmed (always set) is the number of leading
     * messages the peer confirmed; an error with *confirmed < n means the rest must be
     * sent again. */
    xa_rc (*send)(void *conn, const struct xa_out_msg *msgs, size_t n, size_t *confirmed,
                  struct xa_diag *diag);
    void (*close)(void *conn);
};

extern const struct xa_out_dest_ops xa_out_syslog_ops;
extern const struct xa_out_dest_ops xa_out_http_ops; /* hec, elasticsearch, webhook */
extern const struct xa_out_dest_ops xa_out_smtp_ops;

struct xa_forwarder;

/* What one pass did for one destination. */
struct xa_out_pass {
    size_t spooled, sent;
    bool failed;      /* a send failed: the destination waits for its back-off */
    bool idle;        /* nothing was waiting */
};

/* cfgs (borrowed, must outlive the forwarder) and an open, writable store. */
xa_rc xa_forwarder_new(struct xa_store *st, const struct xa_out_dest_cfg *cfgs, size_t n,
                       struct xa_forwarder **out, struct xa_diag *diag);
void xa_forwarder_free(struct xa_forwarder *fw);
/* One pass over destination i: when due (or force), fill and deliver until the spool is
 * empty or a send fails. Errors of the destination itself are recorded in its state and
 * logged, not returned; the return value reports archive errors. */
xa_rc xa_forwarder_pass(struct xa_forwarder *fw, size_t i, bool force, struct xa_out_pass *res,
                        struct xa_diag *diag);
/* When destination i is next due (us, wall clock; 0 = now). */
int64_t xa_forwarder_due(const struct xa_forwarder *fw, size_t i);

#endif
