/* store_bench.c - insert rate, size and search latency of the archive store on
 * synthetic, realistic audit records (deterministic: same arguments, same data).
 *
 * Not built by CMake. Build against a Release build of the library:
 *   cmake -S . -B build/h-store-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build/h-store-rel --target xa -j2
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Isrc bench/store_bench.c build/h-store-rel/libxa.a \
 *      $(pkg-config --libs sqlite3 libzstd libcjson yaml-0.1 zlib libcrypto) -lpthread -lm \
 *      -o build/h-store-rel/store_bench
 * Run: store_bench [records=1000000] [archive=/tmp/xa-bench.db] [searches=101] [batch=5000]
 * Prints: input JSON bytes, insert records/s (store only, batches of 5000 in one
 * transaction), archive bytes per record and ratio to the JSON, search latencies. */
#include "core/xtime.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}
static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}
/* skewed pick: a few values are very common (like real users and operations) */
static unsigned skew(unsigned n)
{
    double u = (double)(rnd() >> 11) / 9007199254740992.0;
    return (unsigned)(n * u * u * u) % n;
}

static void guid(char out[37])
{
    uint64_t a = rnd(), b = rnd();
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)(b >> 48) & 0xffff, (unsigned long long)(b & 0xffffffffffffull));
}

static const char *const first[] = {"john", "mary", "peter", "anna", "li", "omar", "sofia", "max",
                                    "nina", "raj", "lucas", "emma", "yuki", "ali", "eva", "tom"};
static const char *const last[] = {"smith", "jones", "garcia", "muller", "rossi", "wang", "kim",
                                   "patel", "silva", "novak", "dubois", "berg", "cohen", "ito"};
static const char *const subjects[] = {
    "Quarterly results draft", "RE: invoice 2291 payment", "Meeting notes", "FW: contract review",
    "Team lunch on Friday", "Password expiry notice", "RE: RE: project timeline", "Budget 2025",
    "Your order has shipped", "Weekly status report", "Security alert", "Holiday schedule"};
static const char *const folders[] = {"\\\\Inbox", "\\\\Sent Items", "\\\\Deleted Items", "\\\\Archive",
                                      "\\\\Inbox\\\\Projects", "\\\\Drafts", "\\\\Inbox\\\\Finance"};
static const char *const clients[] = {
    "Client=OWA;Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36;",
    "Client=MSExchangeRPC", "Client=REST;Client=RESTSystem;;",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "Client=ActiveSync;UserAgent=Apple-iPhone15C2/2102.55;"};
static const char *const cmdlets[] = {"Set-Mailbox", "Add-MailboxPermission", "New-InboxRule",
                                      "Set-InboxRule", "Add-RecipientPermission", "Set-CASMailbox",
                                      "New-TransportRule", "Remove-MailboxPermission"};
static const char *const paramnames[] = {"Identity", "User", "AccessRights", "ForwardingSmtpAddress",
                                         "DeliverToMailboxAndForward", "InheritanceType", "Name",
                                         "SubjectOrBodyContainsWords", "MoveToFolder", "Force"};

#define N_USERS 3000
#define N_IPS 20000

struct rec {
    char json[4096];
    size_t len;
    char id[37], actor[96], mailbox[96], ip[48], object[256], item[128], folder[64];
    const char *op, *workload, *client;
    int rtype;
    struct xa_kv params[6];
    char pv[6][96];
    size_t np;
    struct xa_event ev;
};

static void user(unsigned u, char *out, size_t cap)
{
    snprintf(out, cap, "%s.%s%u@contoso.com", first[u % 16], last[(u / 16) % 14], u / 224);
}

static void make(struct rec *r, int64_t at, const char *tenant)
{
    char ts[32], sess[37], key[37], fid[80], msgid[80];
    xa_time_format(at, ts);
    ts[19] = '\0';
    guid(r->id);
    guid(sess);
    guid(key);
    unsigned u = skew(N_USERS);
    user(u, r->actor, sizeof(r->actor));
    unsigned ipn = skew(N_IPS);
    snprintf(r->ip, sizeof(r->ip), "%u.%u.%u.%u", 20 + ipn % 180, (ipn / 7) % 256, ipn % 256,
             1 + ipn % 250);
    r->client = clients[rn(5)];
    r->np = 0;
    r->item[0] = r->folder[0] = r->object[0] = '\0';
    snprintf(fid, sizeof(fid), "LgAAAAAdhAMRqmYRzZvIAKoAL8RaDQAB%016llxAAAAAAEMAAAB",
             (unsigned long long)rnd());
    snprintf(msgid, sizeof(msgid), "<%016llx@%s.prod.outlook.com>", (unsigned long long)rnd(),
             "AM6PR01MB4535");
    unsigned kind = rn(100);
    char *j = r->json;
    size_t cap = sizeof(r->json);
    int n;
    if (kind < 55) { /* MailItemsAccessed */
        r->op = "MailItemsAccessed";
        r->workload = "Exchange";
        r->rtype = 50;
        strcpy(r->mailbox, r->actor);
        if (rn(10) == 0)
            user(skew(N_USERS), r->mailbox, sizeof(r->mailbox));
        const char *f = folders[rn(7)];
        snprintf(r->folder, sizeof(r->folder), "%s", f);
        n = snprintf(j, cap,
                     "{\"CreationTime\":\"%s\",\"Id\":\"%s\",\"Operation\":\"MailItemsAccessed\","
                     "\"OrganizationId\":\"%s\",\"RecordType\":50,\"ResultStatus\":\"Succeeded\","
                     "\"UserKey\":\"10032000%08X\",\"UserType\":0,\"Version\":1,\"Workload\":\"Exchange\","
                     "\"ClientIP\":\"%s\",\"UserId\":\"%s\",\"AppId\":\"00000002-0000-0ff1-ce00-000000000000\","
                     "\"ClientAppId\":\"\",\"ClientIPAddress\":\"%s\",\"ClientInfoString\":\"%s\","
                     "\"ExternalAccess\":false,\"InternalLogonType\":0,\"LogonType\":0,"
                     "\"LogonUserSid\":\"S-1-5-21-1234567890-987654321-111111111-%u\","
                     "\"MailboxGuid\":\"%s\",\"MailboxOwnerSid\":\"S-1-5-21-1234567890-987654321-111111111-%u\","
                     "\"MailboxOwnerUPN\":\"%s\",\"OperationProperties\":[{\"Name\":\"MailAccessType\","
                     "\"Value\":\"Bind\"},{\"Name\":\"IsThrottled\",\"Value\":\"False\"}],"
                     "\"OrganizationName\":\"contoso.onmicrosoft.com\",\"OriginatingServer\":"
                     "\"AM6PR01MB4535 (15.20.7452.018)\",\"SessionId\":\"%s\",\"Folders\":[{\"FolderItems\":"
                     "[{\"InternetMessageId\":\"%s\",\"SizeInBytes\":%u}],\"Id\":\"%s\",\"Path\":\"%s\"}],"
                     "\"OperationCount\":%u}",
                     ts, r->id, tenant, (unsigned)(u * 2654435761u), r->ip, r->actor, r->ip, r->client,
                     1000 + u, key, 1000 + u, r->mailbox, sess, msgid, 2000 + rn(90000), fid, f,
                     1 + rn(4));
    } else if (kind < 75) { /* item operations */
        static const char *const ops[] = {"Send", "Update", "MoveToDeletedItems", "SoftDelete",
                                          "Create", "HardDelete"};
        r->op = ops[skew(6)];
        r->workload = "Exchange";
        r->rtype = 2;
        strcpy(r->mailbox, r->actor);
        snprintf(r->item, sizeof(r->item), "%s", subjects[rn(12)]);
        const char *f = folders[rn(7)];
        snprintf(r->folder, sizeof(r->folder), "%s", f);
        n = snprintf(j, cap,
                     "{\"CreationTime\":\"%s\",\"Id\":\"%s\",\"Operation\":\"%s\",\"OrganizationId\":\"%s\","
                     "\"RecordType\":2,\"ResultStatus\":\"Succeeded\",\"UserKey\":\"10032000%08X\","
                     "\"UserType\":0,\"Version\":1,\"Workload\":\"Exchange\",\"ClientIP\":\"%s\","
                     "\"UserId\":\"%s\",\"AppId\":\"00000002-0000-0ff1-ce00-000000000000\",\"ClientAppId\":\"\","
                     "\"ClientIPAddress\":\"%s\",\"ClientInfoString\":\"%s\",\"ExternalAccess\":false,"
                     "\"InternalLogonType\":0,\"LogonType\":0,\"LogonUserSid\":\"S-1-5-21-1234567890-987654321-111111111-%u\","
                     "\"MailboxGuid\":\"%s\",\"MailboxOwnerSid\":\"S-1-5-21-1234567890-987654321-111111111-%u\","
                     "\"MailboxOwnerUPN\":\"%s\",\"OrganizationName\":\"contoso.onmicrosoft.com\","
                     "\"OriginatingServer\":\"AM6PR01MB4535 (15.20.7452.018)\",\"SessionId\":\"%s\","
                     "\"Item\":{\"Id\":\"RgAAAAAdhAMRqmYRzZvIAKoAL8RaBwA%016llxAAAAAAEJAAA\","
                     "\"InternetMessageId\":\"%s\",\"ParentFolder\":{\"Id\":\"%s\",\"Path\":\"%s\"},"
                     "\"SizeInBytes\":%u,\"Subject\":\"%s\"}}",
                     ts, r->id, r->op, tenant, (unsigned)(u * 2654435761u), r->ip, r->actor, r->ip,
                     r->client, 1000 + u, key, 1000 + u, r->mailbox, sess,
                     (unsigned long long)rnd(), msgid, fid, f, 2000 + rn(90000), r->item);
    } else if (kind < 85) { /* admin cmdlets */
        r->op = cmdlets[skew(8)];
        r->workload = "Exchange";
        r->rtype = 1;
        user(skew(N_USERS), r->mailbox, sizeof(r->mailbox));
        snprintf(r->object, sizeof(r->object), "%s", r->mailbox);
        r->np = 2 + rn(4);
        char pj[1024];
        size_t pl = 0;
        for (size_t i = 0; i < r->np; i++) {
            const char *nm = i == 0 ? "Identity" : paramnames[1 + rn(9)];
            if (i == 0)
                snprintf(r->pv[i], sizeof(r->pv[i]), "%s", r->mailbox);
            else if (rn(2))
                user(skew(N_USERS), r->pv[i], sizeof(r->pv[i]));
            else
                snprintf(r->pv[i], sizeof(r->pv[i]), "%s", rn(2) ? "True" : "FullAccess");
            r->params[i].name = nm;
            r->params[i].value = r->pv[i];
            pl += (size_t)snprintf(pj + pl, sizeof(pj) - pl, "%s{\"Name\":\"%s\",\"Value\":\"%s\"}",
                                   i ? "," : "", nm, r->pv[i]);
        }
        n = snprintf(j, cap,
                     "{\"CreationTime\":\"%s\",\"Id\":\"%s\",\"Operation\":\"%s\",\"OrganizationId\":\"%s\","
                     "\"RecordType\":1,\"ResultStatus\":\"True\",\"UserKey\":\"10032000%08X\",\"UserType\":2,"
                     "\"Version\":1,\"Workload\":\"Exchange\",\"ClientIP\":\"%s:%u\",\"ObjectId\":\"%s\","
                     "\"UserId\":\"%s\",\"AppId\":\"fb78d390-0c51-40cd-8e17-fdbfab77341b\",\"ClientAppId\":\"\","
                     "\"ExternalAccess\":false,\"OrganizationName\":\"contoso.onmicrosoft.com\","
                     "\"OriginatingServer\":\"DB9PR01MB1234 (15.20.7452.018)\",\"Parameters\":[%s],"
                     "\"SessionId\":\"%s\",\"RequestId\":\"%s\"}",
                     ts, r->id, r->op, tenant, (unsigned)(u * 2654435761u), r->ip, 40000 + rn(20000),
                     r->object, r->actor, pj, sess, key);
    } else if (kind < 95) { /* sign-in */
        r->op = "UserLoggedIn";
        r->workload = "AzureActiveDirectory";
        r->rtype = 15;
        r->mailbox[0] = '\0';
        snprintf(r->object, sizeof(r->object), "00000003-0000-0000-c000-000000000000");
        n = snprintf(j, cap,
                     "{\"CreationTime\":\"%s\",\"Id\":\"%s\",\"Operation\":\"UserLoggedIn\","
                     "\"OrganizationId\":\"%s\",\"RecordType\":15,\"ResultStatus\":\"Success\","
                     "\"UserKey\":\"%s\",\"UserType\":0,\"Version\":1,\"Workload\":\"AzureActiveDirectory\","
                     "\"ClientIP\":\"%s\",\"ObjectId\":\"%s\",\"UserId\":\"%s\",\"AzureActiveDirectoryEventType\":1,"
                     "\"ExtendedProperties\":[{\"Name\":\"ResultStatusDetail\",\"Value\":\"Redirect\"},"
                     "{\"Name\":\"UserAgent\",\"Value\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                     "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0\"},"
                     "{\"Name\":\"RequestType\",\"Value\":\"OAuth2:Authorize\"}],\"ModifiedProperties\":[],"
                     "\"Actor\":[{\"ID\":\"%s\",\"Type\":0},{\"ID\":\"%s\",\"Type\":5}],"
                     "\"ActorContextId\":\"%s\",\"ActorIpAddress\":\"%s\",\"InterSystemsId\":\"%s\","
                     "\"IntraSystemId\":\"%s\",\"SupportTicketId\":\"\",\"Target\":[{\"ID\":\"%s\",\"Type\":0}],"
                     "\"TargetContextId\":\"%s\",\"ApplicationId\":\"4765445b-32c6-49b0-83e6-1d93765276ca\","
                     "\"DeviceProperties\":[{\"Name\":\"OS\",\"Value\":\"Windows10\"},{\"Name\":\"BrowserType\","
                     "\"Value\":\"Edge\"},{\"Name\":\"IsCompliantAndManaged\",\"Value\":\"False\"}],"
                     "\"ErrorNumber\":\"0\"}",
                     ts, r->id, tenant, key, r->ip, r->object, r->actor, key, r->actor, tenant, r->ip,
                     sess, fid, r->object, tenant);
    } else { /* SharePoint / OneDrive file access */
        static const char *const fops[] = {"FileAccessed", "FileModified", "FileDownloaded",
                                           "FilePreviewed"};
        r->op = fops[skew(4)];
        r->workload = "SharePoint";
        r->rtype = 6;
        r->mailbox[0] = '\0';
        snprintf(r->object, sizeof(r->object),
                 "https://contoso.sharepoint.com/sites/team%u/Shared Documents/%s %u.docx", skew(40),
                 subjects[rn(12)], rn(1000));
        n = snprintf(j, cap,
                     "{\"CreationTime\":\"%s\",\"Id\":\"%s\",\"Operation\":\"%s\",\"OrganizationId\":\"%s\","
                     "\"RecordType\":6,\"UserKey\":\"i:0h.f|membership|10032000%08x@live.com\",\"UserType\":0,"
                     "\"Version\":1,\"Workload\":\"SharePoint\",\"ClientIP\":\"%s\",\"ObjectId\":\"%s\","
                     "\"UserId\":\"%s\",\"CorrelationId\":\"%s\",\"EventSource\":\"SharePoint\","
                     "\"ItemType\":\"File\",\"ListId\":\"%s\",\"ListItemUniqueId\":\"%s\",\"Site\":\"%s\","
                     "\"UserAgent\":\"%s\",\"WebId\":\"%s\",\"SourceFileExtension\":\"docx\","
                     "\"SiteUrl\":\"https://contoso.sharepoint.com/sites/team/\",\"SourceFileName\":\"doc.docx\","
                     "\"SourceRelativeUrl\":\"Shared Documents\"}",
                     ts, r->id, r->op, tenant, (unsigned)(u * 2654435761u), r->ip, r->object, r->actor,
                     sess, key, fid, tenant, r->client, sess);
    }
    r->len = (size_t)n < cap ? (size_t)n : cap - 1;

    struct xa_event *ev = &r->ev;
    xa_event_init(ev);
    ev->tenant_id = tenant;
    ev->record_id = r->id;
    ev->record_type = r->rtype;
    ev->workload = r->workload;
    ev->source = XA_SRC_JSON;
    ev->occurred_at = at;
    ev->collected_at = 1735689600000000LL;
    ev->actor = r->actor;
    ev->actor_type = r->rtype == 1 ? "Admin" : "Regular";
    ev->operation = r->op;
    ev->category = r->rtype == 50 ? XA_CAT_MAILBOX_ACCESS : r->rtype == 1 ? XA_CAT_ADMIN_OP : XA_CAT_OTHER;
    ev->result = XA_RESULT_SUCCESS;
    ev->logon_type = r->rtype == 50 || r->rtype == 2 ? XA_LOGON_OWNER : XA_LOGON_NONE;
    ev->mailbox = r->mailbox[0] ? r->mailbox : NULL;
    ev->object = r->object[0] ? r->object : NULL;
    ev->item = r->item[0] ? r->item : NULL;
    ev->folder = r->folder[0] ? r->folder : NULL;
    ev->client_ip = r->ip;
    ev->client_info = r->client;
    ev->originating_server = "AM6PR01MB4535 (15.20.7452.018)";
    ev->external_access = 0;
    ev->params = r->np ? r->params : NULL;
    ev->n_params = r->np;
    ev->raw = r->json;
    ev->raw_len = r->len;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static size_t hits;
static xa_rc count_cb(void *ud, const struct xa_event *ev)
{
    (void)ud;
    (void)ev;
    hits++;
    return XA_OK;
}

static double search_ms(struct xa_store *s, struct xa_query *q, size_t *n)
{
    struct xa_diag d;
    xa_diag_clear(&d);
    char cur[XA_CURSOR_MAX];
    hits = 0;
    int64_t t0 = xa_time_mono();
    xa_rc rc = s->ops->search(s->ctx, q, count_cb, NULL, cur, &d);
    double ms = (double)(xa_time_mono() - t0) / 1000.0;
    if (rc)
        fprintf(stderr, "search: %s\n", d.msg);
    *n = hits;
    return ms;
}

int main(int argc, char **argv)
{
    size_t total = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const char *path = argc > 2 ? argv[2] : "/tmp/xa-bench.db";
    size_t nsearch = argc > 3 ? strtoull(argv[3], NULL, 10) : 101;
    size_t batch = argc > 4 ? strtoull(argv[4], NULL, 10) : 5000;
    const char *tenant = "b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    char tmp[4200];
    unlink(path);
    snprintf(tmp, sizeof(tmp), "%s-wal", path);
    unlink(tmp);
    snprintf(tmp, sizeof(tmp), "%s-shm", path);
    unlink(tmp);

    struct xa_store_cfg cfg = {.location = path};
    struct xa_store s;
    struct xa_diag d;
    xa_diag_clear(&d);
    if (xa_store_open(&cfg, &s, &d)) {
        fprintf(stderr, "open: %s\n", d.msg);
        return 1;
    }
    /* records span 180 days */
    int64_t start = 1735689600000000LL, span = 180LL * 86400 * 1000000;
    struct rec *r = malloc(sizeof(*r));
    uint64_t json_bytes = 0;
    double gen_us = 0;
    int64_t t0 = xa_time_mono();
    for (size_t i = 0; i < total;) {
        if (s.ops->begin(s.ctx, &d)) {
            fprintf(stderr, "begin: %s\n", d.msg);
            return 1;
        }
        for (size_t k = 0; k < batch && i < total; k++, i++) {
            int64_t g0 = xa_time_mono();
            make(r, start + (int64_t)((double)span * (double)i / (double)total), tenant);
            gen_us += (double)(xa_time_mono() - g0);
            json_bytes += r->len + 1;
            enum xa_put_status st;
            if (s.ops->put(s.ctx, &r->ev, &st, &d)) {
                fprintf(stderr, "put: %s\n", d.msg);
                return 1;
            }
        }
        if (s.ops->commit(s.ctx, &d)) {
            fprintf(stderr, "commit: %s\n", d.msg);
            return 1;
        }
    }
    double secs = (double)(xa_time_mono() - t0) / 1e6 - gen_us / 1e6;
    xa_store_close(&s);
    struct stat sb;
    stat(path, &sb);
    printf("records %zu, input JSON %.1f MB (%.0f B/record)\n", total, (double)json_bytes / 1e6,
           (double)json_bytes / (double)total);
    printf("insert (store only): %.2f s, %.0f records/s (generator time %.2f s excluded)\n", secs,
           (double)total / secs, gen_us / 1e6);
    printf("archive: %.1f MB, %.0f B/record, %.3f x input\n", (double)sb.st_size / 1e6,
           (double)sb.st_size / (double)total, (double)sb.st_size / (double)json_bytes);

    cfg.readonly = true;
    if (xa_store_open(&cfg, &s, &d)) {
        fprintf(stderr, "open ro: %s\n", d.msg);
        return 1;
    }
    double *t = calloc(nsearch, sizeof(double));
    const char *ops[] = {"MailItemsAccessed", "Send", "Set-Mailbox", "UserLoggedIn", "FileAccessed"};
    const char *names[] = {"operation + actor + 30 days, limit 50",
                           "text word + 30 days, limit 50",
                           "actor wildcard + operation, limit 50",
                           "param name=value, limit 50",
                           "ip CIDR /16, limit 50"};
    for (int kind = 0; kind < 5; kind++) {
        size_t nh = 0, totalh = 0;
        for (size_t i = 0; i < nsearch; i++) {
            char actor[96], pat[96], ip[48];
            user(skew(N_USERS), actor, sizeof(actor));
            struct xa_query q;
            xa_query_init(&q);
            q.limit = 50;
            const char *op1[1] = {ops[rn(5)]};
            const char *act1[1] = {actor};
            int64_t until = start + (int64_t)(rnd() % (uint64_t)span);
            struct xa_param_filter pf = {"ForwardingSmtpAddress", "*contoso*"};
            if (kind == 0) {
                q.operations = op1;
                q.n_operations = 1;
                q.actors = act1;
                q.n_actors = 1;
                q.since = until - 30LL * 86400 * 1000000;
                q.until = until;
            } else if (kind == 1) {
                q.text = i % 2 ? "invoice" : "john.smith0";
                q.since = until - 30LL * 86400 * 1000000;
                q.until = until;
            } else if (kind == 2) {
                snprintf(pat, sizeof(pat), "%s.*", first[rn(16)]);
                act1[0] = pat;
                q.actors = act1;
                q.n_actors = 1;
                q.operations = op1;
                q.n_operations = 1;
            } else if (kind == 3) {
                q.params = &pf;
                q.n_params = 1;
            } else {
                snprintf(ip, sizeof(ip), "%u.%u.0.0/16", 20 + rn(180), rn(256));
                act1[0] = ip;
                q.ips = act1;
                q.n_ips = 1;
            }
            t[i] = search_ms(&s, &q, &nh);
            totalh += nh;
        }
        qsort(t, nsearch, sizeof(double), cmp_d);
        printf("search %-40s median %.2f ms, p90 %.2f ms, max %.2f ms (avg %.1f hits)\n", names[kind],
               t[nsearch / 2], t[nsearch * 9 / 10], t[nsearch - 1], (double)totalh / (double)nsearch);
    }
    struct xa_store_stats st;
    int64_t s0 = xa_time_mono();
    s.ops->stats(s.ctx, &st, &d);
    printf("stats: %lld events, %.1f ms\n", (long long)st.events,
           (double)(xa_time_mono() - s0) / 1000.0);
    xa_store_close(&s);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.0f MB\n", (double)ru.ru_maxrss / 1024.0);
    free(t);
    free(r);
    return 0;
}
