/* gen.c - deterministic generator of realistic Office 365 tenant audit activity.
 *
 * Design
 * ------
 * - One seeded PRNG (splitmix64 -> xoshiro256**) drives every choice, in one fixed order, so the
 *   same options give byte-identical output. Stable per-entity values (folder store ids, session
 *   ids, site GUIDs) are derived by hashing (seed, entity) so they need no state.
 * - The tenant (users, shared mailboxes, delegates, admins, IPs) is built up front; its size
 *   depends on N (24..400 generated users) but never grows while writing: memory is constant.
 * - Background records get stratified, diurnally weighted times: record i of B maps
 *   u = (i + jitter) / B through the inverse CDF of an hourly weight table (business hours heavy,
 *   weekends light), so times come out non-decreasing without sorting.
 * - Planted incidents have fixed times (fractions of the span, unit = span / 7200 = 6 minutes
 *   with the default 30 days) and are merged into the background stream in time order.
 * - Records are written as text into one struct xa_buf and flushed to the FILE * every 1 MiB.
 *
 * Planted incidents (always present; when N is smaller than their 13 records the first N by
 * priority are kept, so N >= 4 still holds the key record of each incident). Times are
 * start + span * k / 7200; "dD HH:MM" is that time with the default span, as days after start
 * (d12 09:12 = 2026-10-13T09:12:00 with the default start).
 *
 *  prio k     day/time     actor                 record
 *  1    2972  d12 09:12    it.admin (UserType 2) Add-MailboxPermission -Identity ceo -User ryan.cooper
 *                                                -AccessRights FullAccess -InheritanceType All
 *  10   2973  d12 09:18    it.admin              Add-RecipientPermission -Identity ceo -Trustee
 *                                                ryan.cooper -AccessRights SendAs
 *  9    2975  d12 09:30    ryan.cooper (0)       FolderBind on ceo \Inbox, LogonType 2
 *  5    2976  d12 09:36    ryan.cooper           MailItemsAccessed Bind on ceo, LogonType 2, 3 msgs
 *  12   2980  d12 10:00    ryan.cooper           MailItemsAccessed Bind on ceo \Inbox\Board, 2 msgs
 *  6    2982  d12 10:12    ryan.cooper           SendAs as ceo (LogonType 2)
 *  7    3032  d12 15:12    it.admin              Remove-MailboxPermission (same grant)
 *  11   3033  d12 15:18    it.admin              Remove-RecipientPermission (same grant)
 *  13   4463  d18 14:18    nina.patel (0)        UserLoggedIn from 192.0.2.213 (unfamiliar)
 *  2    4464  d18 14:24    nina.patel (0, OWA)   New-InboxRule Name "." ForwardTo
 *                                                ap-invoices@example.org (+ MarkAsRead, RSS Feeds)
 *  8    4671  d19 11:06    helpdesk (2)          Set-Mailbox -Identity finance -ForwardingSmtpAddress
 *                                                smtp:finance-reports@example.org
 *  3    5303  d22 02:18    it.admin (2)          Set-MailboxAuditBypassAssociation -Identity
 *                                                svc.backup -AuditBypassEnabled $true
 *  4    6168  d25 16:48    helpdesk (2)          Set-Mailbox -Identity cfo -AuditEnabled $false
 *
 * docs/GENERATOR.md describes the tenant, the mix and the incidents in full. */
#include "gen/gen.h"

#include "core/buf.h"
#include "core/xtime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_AT ((size_t)1 << 20)
#define INC_UNITS 7200
#define DUP_RATE 0.004 /* probability that a background record is re-sent right after itself */

/* ------------------------------------------------------------------------------------------ */
/* PRNG and hashing                                                                            */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t mix(uint64_t x)
{
    return splitmix(&x);
}

static uint64_t mix2(uint64_t a, uint64_t b)
{
    return mix(a ^ mix(b + 0x632be59bd9b4e019ULL));
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix(&x);
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

/* Uniform in [0, n), n > 0 (multiply-shift; the bias is far below anything observable). */
static uint32_t rbelow(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double runit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static bool rchance(struct rng *r, double p)
{
    return runit(r) < p;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define RPICK(r, a) ((a)[rbelow((r), (uint32_t)NELEM(a))])

/* ------------------------------------------------------------------------------------------ */
/* Output buffer with a sticky error                                                           */

struct gw {
    struct xa_buf b;
    xa_rc err;
};

static void put(struct gw *w, const char *s, size_t n)
{
    if (w->b.cap - w->b.len <= n) {
        if (w->err)
            return;
        xa_rc rc = xa_buf_reserve(&w->b, n);
        if (rc) {
            w->err = rc;
            return;
        }
    }
    memcpy(w->b.data + w->b.len, s, n);
    w->b.len += n;
}

#define PUTL(w, lit) put((w), "" lit, sizeof(lit) - 1)

static void putz(struct gw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void putch(struct gw *w, char c)
{
    put(w, &c, 1);
}

static void put_u64(struct gw *w, uint64_t v)
{
    char t[24];
    size_t i = sizeof(t);
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, t + i, sizeof(t) - i);
}

/* Quoted JSON string; escapes quote, backslash and control characters (content is ASCII). */
static void put_js(struct gw *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    putch(w, '"');
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        put(w, run, (size_t)(s - run));
        run = s + 1;
        if (c == '"')
            PUTL(w, "\\\"");
        else if (c == '\\')
            PUTL(w, "\\\\");
        else if (c == '\n')
            PUTL(w, "\\n");
        else if (c == '\r')
            PUTL(w, "\\r");
        else if (c == '\t')
            PUTL(w, "\\t");
        else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, e, 6);
        }
    }
    put(w, run, (size_t)(s - run));
    putch(w, '"');
}

/* ------------------------------------------------------------------------------------------ */
/* Text helpers: GUIDs, times, store ids                                                       */

static void fmt_guid(char out[37], uint64_t a, uint64_t b)
{
    static const char hex[] = "0123456789abcdef";
    a = (a & ~0xF000ULL) | 0x4000ULL; /* version 4 */
    b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; /* RFC 4122 variant */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 8 || i == 12)
            out[o++] = '-';
        out[o++] = hex[(a >> (60 - 4 * i)) & 15];
    }
    for (int i = 0; i < 16; i++) {
        if (i == 0 || i == 4)
            out[o++] = '-';
        out[o++] = hex[(b >> (60 - 4 * i)) & 15];
    }
    out[o] = '\0';
}

static void guid_h(char out[37], uint64_t h)
{
    fmt_guid(out, mix(h), mix(h ^ 0x5bd1e9955bd1e995ULL));
}

static void put_guid_r(struct gw *w, struct rng *r)
{
    char g[37];
    uint64_t a = rng_next(r);
    fmt_guid(g, a, rng_next(r));
    putch(w, '"');
    put(w, g, 36);
    putch(w, '"');
}

static void put_guid_h(struct gw *w, uint64_t h)
{
    char g[37];
    guid_h(g, h);
    putch(w, '"');
    put(w, g, 36);
    putch(w, '"');
}

static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void d2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDTHH:MM:SS" for a second count >= 0 (years 1970..9999, validated by the caller). */
static void fmt_time(char out[20], int64_t sec)
{
    int64_t days = sec / 86400;
    unsigned sod = (unsigned)(sec - days * 86400);
    int64_t y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    d2(out, (unsigned)(y / 100));
    d2(out + 2, (unsigned)(y % 100));
    out[4] = '-';
    d2(out + 5, m);
    out[7] = '-';
    d2(out + 8, d);
    out[10] = 'T';
    d2(out + 11, sod / 3600);
    out[13] = ':';
    d2(out + 14, sod / 60 % 60);
    out[16] = ':';
    d2(out + 17, sod % 60);
    out[19] = '\0';
}

/* n base64-alphabet characters derived from h (Exchange store ids are base64 blobs). */
static void put_b64h(struct gw *w, uint64_t h, int n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char t[64];
    uint64_t x = h;
    for (int i = 0; i < n && i < 64; i++) {
        if (i % 10 == 0)
            x = mix(x + (uint64_t)i);
        t[i] = al[x & 63];
        x >>= 6;
    }
    put(w, t, (size_t)(n < 64 ? n : 64));
}

static void put_hexu(struct gw *w, uint64_t v, int digits)
{
    static const char hex[] = "0123456789ABCDEF";
    char t[16];
    for (int i = 0; i < digits && i < 16; i++)
        t[i] = hex[(v >> (4 * (digits - 1 - i))) & 15];
    put(w, t, (size_t)digits);
}

/* ------------------------------------------------------------------------------------------ */
/* Static vocabulary                                                                           */

static const char *const first_names[32] = {
    "olivia", "liam",  "emma",   "noah",   "ava",   "lucas", "sophia", "mason",
    "mia",    "ethan", "amelia", "oliver", "harper", "elijah", "ella", "james",
    "chloe",  "aiden", "grace",  "henry",  "zoe",   "jack",  "lily",  "owen",
    "hannah", "leo",   "sara",   "david",  "maria", "adam",  "julia", "tom"};
static const char *const last_names[32] = {
    "smith",  "jones",  "taylor", "brown",  "wilson", "evans",  "thomas", "johnson",
    "roberts", "walker", "wright", "robinson", "thompson", "white", "hughes", "edwards",
    "green",  "hall",   "wood",   "harris", "lewis",  "martin", "jackson", "clarke",
    "clark",  "turner", "hill",   "scott",  "moore",  "baker",  "king",   "ward"};

struct folder {
    const char *path;
    const char *name;
    const char *code;
};

enum { F_INBOX, F_SENT, F_DRAFTS, F_DELETED, F_CAL, F_CONTACTS, F_ARCHIVE, F_JUNK, F_RECOV,
       F_PROJECTS, F_BOARD, F_COUNT };

static const struct folder folders[F_COUNT] = {
    {"\\Inbox", "Inbox", "DA"},
    {"\\Sent Items", "Sent Items", "CQ"},
    {"\\Drafts", "Drafts", "Dw"},
    {"\\Deleted Items", "Deleted Items", "Cg"},
    {"\\Calendar", "Calendar", "DQ"},
    {"\\Contacts", "Contacts", "Dg"},
    {"\\Archive", "Archive", "Ew"},
    {"\\Junk Email", "Junk Email", "Gw"},
    {"\\Recoverable Items\\Deletions", "Deletions", "HA"},
    {"\\Inbox\\Projects", "Projects", "cQ"},
    {"\\Inbox\\Board", "Board", "eA"},
};

static const char *const subjects[] = {
    "Q3 figures",           "Re: Q3 figures",          "Weekly status report",
    "Invoice 4471 overdue", "Re: Contract renewal",    "Board pack",
    "Updated bank details", "Team offsite agenda",     "FW: Customer escalation",
    "Expense claim approved", "Re: Hiring plan FY27",  "Security alert: new sign-in",
    "Project Falcon kickoff", "Re: Budget review",     "Payroll run confirmation",
    "Your order has shipped", "Meeting notes",         "Re: Re: Pricing proposal",
    "Holiday rota",         "Quarterly tax filing",    "Re: Supplier onboarding",
    "Lunch on Friday?",     "Draft press release",     "Re: Audit findings",
    "Travel itinerary",     "Performance review schedule", "New starter checklist",
    "Re: Server maintenance window", "Signed NDA",     "Re: Marketing plan",
    "Invitation: 1:1",      "Purchase order PO-88213"};

static const char *const mod_props[] = {"IsRead", "FlagStatus", "Categories", "RecipientCollection",
                                        "Body", "Importance", "ItemClass"};

static const char *const files[] = {
    "FY27 budget.xlsx",   "Board deck.pptx",     "Sales pipeline.xlsx", "Contract draft.docx",
    "Onboarding guide.pdf", "Team roster.xlsx",  "Roadmap.pptx",        "Meeting notes.docx",
    "Invoice 4471.pdf",   "Payroll Oct.xlsx",    "Policy handbook.pdf", "Architecture.vsdx",
    "Pricing model.xlsx", "Press release.docx",  "Customer list.csv",   "Q3 report.pdf"};

static const char *const sites[] = {"Finance", "HR", "Marketing", "Sales", "Engineering", "Legal",
                                    "Operations", "Projects"};

static const char *const servers[] = {"AM6PR01MB4535", "DB9PR01MB1234",  "HE1PR0102MB3228",
                                      "VI1PR02MB5871", "PA4PR03MB7023",  "AS8PR04MB8450",
                                      "DU0PR05MB9112", "GV1PR06MB8899"};
static const char *const builds[] = {"15.20.7452.018", "15.20.7472.016", "15.20.7495.012"};

static const char *const user_agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148",
    "Microsoft Office Word/16.0.17328.20184 (Windows/10.0; Desktop x64; en-GB; Desktop app; "
    "Dell Inc./Latitude 7440)"};

struct app {
    const char *id;
    const char *name;
};
static const struct app apps[] = {
    {"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
    {"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
    {"1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"},
    {"d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"},
    {"4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"},
    {"27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"},
    {"c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"}};

#define APPID_EXO "00000002-0000-0ff1-ce00-000000000000"
#define DISCOVERY_MBX "DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}"
#define NT_SYSTEM "NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)"
#define MS_ADMIN "Administrator@eurprd03.prod.outlook.com"

/* Mailbox client profiles. */
enum { C_OWA, C_RPC, C_MOBILE, C_REST, C_IMAP, C_COUNT };

/* ------------------------------------------------------------------------------------------ */
/* Tenant model                                                                                */

enum ukind { K_USER, K_ADMIN, K_SHARED, K_SERVICE };

struct user {
    char alias[40];
    char upn[200];
    char display[48];
    char puid[17];
    char mbx[37];  /* Exchange mailbox GUID */
    char oid[37];  /* Entra object id */
    char sid[64];
    char ip_office[16];
    char ip_home[16];
    char ip_v6[40];
    char machine[16];
    uint64_t h;    /* identity hash for derived ids */
    const char *server;
    const char *build;
    enum ukind kind;
    int client;    /* preferred client profile */
};

/* Fixed accounts (always at these indices, whatever the seed). */
enum { U_CEO, U_CFO, U_ITADMIN, U_HELPDESK, U_ASSIST, U_RYAN, U_NINA, U_SVC, U_FIN, U_HR,
       U_FIXED };

struct fixed_acct {
    const char *alias;
    const char *display;
    enum ukind kind;
};
static const struct fixed_acct fixed_accts[U_FIXED] = {
    {"ceo", "Morgan Reyes", K_USER},
    {"cfo", "Dana Whitfield", K_USER},
    {"it.admin", "IT Admin", K_ADMIN},
    {"helpdesk", "Helpdesk", K_ADMIN},
    {"exec.assistant", "Jamie Lowell", K_USER},
    {"ryan.cooper", "Ryan Cooper", K_USER},
    {"nina.patel", "Nina Patel", K_USER},
    {"svc.backup", "Backup Service", K_SERVICE},
    {"finance", "Finance", K_SHARED},
    {"hr", "Human Resources", K_SHARED},
};

#define MAX_MEMBERS 6

struct gen {
    const struct xa_gen_opts *o;
    struct rng r;
    struct gw w;
    uint64_t hs; /* seed hash for derived values */
    char tid[37];
    char domain[128];
    char org[160];   /* contoso.onmicrosoft.com */
    char spo[128];   /* https://contoso.sharepoint.com */
    char spo_my[128];/* https://contoso-my.sharepoint.com */
    char sidp[48];   /* S-1-5-21-a-b-c */
    struct user *u;
    size_t nu;
    size_t *hum; /* indices of people who do everyday work */
    size_t nhum;
    size_t fin[MAX_MEMBERS], hr[MAX_MEMBERS / 2 + 1];
    size_t nfin, nhr;
    /* time mapping */
    int64_t start, span; /* us */
    double *cum;
    size_t nbins, bin;
    int64_t bin_us;
    int64_t last_us;
    uint32_t bg_total; /* sum of bg_weight */
    /* record framing */
    bool first;
    size_t rec_off, rec_end;
};

static void add_user(struct gen *g, size_t i, const char *alias, const char *display,
                     enum ukind kind)
{
    struct user *u = &g->u[i];
    struct rng *r = &g->r;
    memset(u, 0, sizeof(*u));
    snprintf(u->alias, sizeof(u->alias), "%s", alias);
    snprintf(u->upn, sizeof(u->upn), "%s@%s", alias, g->domain);
    snprintf(u->display, sizeof(u->display), "%s", display);
    u->kind = kind;
    u->h = mix2(g->hs, i + 1);
    snprintf(u->puid, sizeof(u->puid), "10032000%08X", (unsigned)(rng_next(r) >> 32));
    uint64_t a = rng_next(r);
    fmt_guid(u->mbx, a, rng_next(r));
    a = rng_next(r);
    fmt_guid(u->oid, a, rng_next(r));
    snprintf(u->sid, sizeof(u->sid), "%s-%u", g->sidp, (unsigned)(1100 + i * 7 + rbelow(r, 7)));
    snprintf(u->ip_office, sizeof(u->ip_office), "198.51.100.%u", 10 + rbelow(r, 12));
    if (rchance(r, 0.5))
        snprintf(u->ip_home, sizeof(u->ip_home), "203.0.113.%u", 1 + rbelow(r, 190));
    else
        snprintf(u->ip_home, sizeof(u->ip_home), "192.0.2.%u", 1 + rbelow(r, 190));
    snprintf(u->ip_v6, sizeof(u->ip_v6), "2001:db8:%x:%x::%x", 0x10 + rbelow(r, 0xef),
             rbelow(r, 0xffff), 1 + rbelow(r, 0xfffe));
    static const char mc[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    char m[6];
    for (int k = 0; k < 5; k++)
        m[k] = mc[rbelow(r, 32)];
    m[5] = '\0';
    snprintf(u->machine, sizeof(u->machine), "LAPTOP-%s", m);
    u->server = RPICK(r, servers);
    u->build = RPICK(r, builds);
    uint32_t c = rbelow(r, 10);
    u->client = c < 6 ? C_RPC : c < 8 ? C_OWA : C_MOBILE;
}

static bool valid_domain(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > 100 || d[0] == '.' || d[0] == '-' || !strchr(d, '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            return false;
    }
    return true;
}

static bool valid_guid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

static xa_rc build_tenant(struct gen *g, struct xa_diag *diag)
{
    const struct xa_gen_opts *o = g->o;
    struct rng *r = &g->r;
    const char *dom = o->domain ? o->domain : "contoso.com";
    if (!valid_domain(dom))
        return xa_diag_set(diag, XA_ERR_INVALID, "generate: invalid domain '%s'", dom);
    snprintf(g->domain, sizeof(g->domain), "%s", dom);
    for (char *p = g->domain; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    size_t lab = strcspn(g->domain, ".");
    snprintf(g->org, sizeof(g->org), "%.*s.onmicrosoft.com", (int)lab, g->domain);
    snprintf(g->spo, sizeof(g->spo), "https://%.*s.sharepoint.com", (int)lab, g->domain);
    snprintf(g->spo_my, sizeof(g->spo_my), "https://%.*s-my.sharepoint.com", (int)lab, g->domain);

    uint64_t a = rng_next(r);
    fmt_guid(g->tid, a, rng_next(r));
    if (o->tenant_id) {
        if (!valid_guid(o->tenant_id))
            return xa_diag_set(diag, XA_ERR_INVALID, "generate: tenant id '%s' is not a GUID",
                               o->tenant_id);
        snprintf(g->tid, sizeof(g->tid), "%s", o->tenant_id);
        for (char *p = g->tid; *p; p++)
            if (*p >= 'A' && *p <= 'F')
                *p = (char)(*p - 'A' + 'a');
    }
    snprintf(g->sidp, sizeof(g->sidp), "S-1-5-21-%u-%u-%u", 1000000000u + rbelow(r, 999999999u),
             1000000000u + rbelow(r, 999999999u), 1000000000u + rbelow(r, 999999999u));

    uint64_t ngen = o->records / 2500;
    if (ngen < 24)
        ngen = 24;
    if (ngen > 400)
        ngen = 400;
    g->nu = U_FIXED + (size_t)ngen;
    g->u = calloc(g->nu, sizeof(*g->u));
    g->hum = calloc(g->nu, sizeof(*g->hum));
    if (!g->u || !g->hum)
        return xa_diag_set(diag, XA_ERR_NOMEM, "generate: out of memory");
    for (size_t i = 0; i < U_FIXED; i++)
        add_user(g, i, fixed_accts[i].alias, fixed_accts[i].display, fixed_accts[i].kind);
    /* Generated names: a bijection of i over the 32 x 32 name grid (odd multiplier mod 1024). */
    uint32_t off = rbelow(r, 1024);
    for (size_t i = 0; i < ngen; i++) {
        uint32_t k = (uint32_t)((i * 389u + off) & 1023u);
        const char *fn = first_names[k & 31], *ln = last_names[k >> 5];
        char alias[40], disp[48];
        snprintf(alias, sizeof(alias), "%s.%s", fn, ln);
        snprintf(disp, sizeof(disp), "%c%s %c%s", fn[0] - 32, fn + 1, ln[0] - 32, ln + 1);
        add_user(g, U_FIXED + i, alias, disp, K_USER);
    }
    for (size_t i = 0; i < g->nu; i++)
        if (g->u[i].kind == K_USER || g->u[i].kind == K_ADMIN)
            g->hum[g->nhum++] = i;
    for (size_t i = g->nhum - 1; i > 0; i--) { /* who is busy is random, not the fixed accounts */
        size_t j = rbelow(r, (uint32_t)(i + 1)), t = g->hum[i];
        g->hum[i] = g->hum[j];
        g->hum[j] = t;
    }
    /* Shared mailbox members (FullAccess + SendAs): generated users picked at random. */
    g->nfin = 4 + rbelow(r, 3);
    for (size_t i = 0; i < g->nfin; i++)
        g->fin[i] = U_FIXED + rbelow(r, (uint32_t)ngen);
    g->fin[0] = U_CFO;
    g->nhr = 3;
    for (size_t i = 0; i < g->nhr; i++)
        g->hr[i] = U_FIXED + rbelow(r, (uint32_t)ngen);
    return XA_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Time mapping                                                                                */

static const double hour_w[24] = {1, 1, 1, 1, 1, 1.2, 2, 5, 10, 10, 10, 10,
                                  8, 10, 10, 10, 10, 7, 4, 3, 3, 3, 2.5, 1.5};

static xa_rc build_bins(struct gen *g, struct xa_diag *diag)
{
    int64_t hour = 3600LL * 1000000;
    g->bin_us = hour;
    if (g->span / 100000 > hour)
        g->bin_us = g->span / 100000 + 1;
    g->nbins = (size_t)((g->span + g->bin_us - 1) / g->bin_us);
    g->cum = calloc(g->nbins + 1, sizeof(double));
    if (!g->cum)
        return xa_diag_set(diag, XA_ERR_NOMEM, "generate: out of memory");
    double acc = 0;
    for (size_t b = 0; b < g->nbins; b++) {
        int64_t t0 = g->start + (int64_t)b * g->bin_us;
        int64_t len = g->bin_us;
        if (t0 + len > g->start + g->span)
            len = g->start + g->span - t0;
        int64_t sec = t0 / 1000000;
        int64_t days = sec / 86400;
        int hr = (int)((sec % 86400) / 3600);
        int dow = (int)((days + 4) % 7); /* 0 = Sunday */
        double wgt = hour_w[hr] * ((dow == 0 || dow == 6) ? 0.25 : 1.0);
        acc += wgt * (double)len / (double)hour;
        g->cum[b + 1] = acc;
    }
    for (size_t b = 1; b <= g->nbins; b++)
        g->cum[b] /= acc;
    g->cum[g->nbins] = 1.0;
    return XA_OK;
}

/* Time (us) of background record i of n: stratified and non-decreasing in i. */
static int64_t bg_time(struct gen *g, uint64_t i, uint64_t n)
{
    double u = ((double)i + runit(&g->r)) / (double)n;
    while (g->bin + 1 < g->nbins && g->cum[g->bin + 1] <= u)
        g->bin++;
    double lo = g->cum[g->bin], hi = g->cum[g->bin + 1];
    int64_t t0 = g->start + (int64_t)g->bin * g->bin_us;
    int64_t len = g->bin_us;
    if (t0 + len > g->start + g->span)
        len = g->start + g->span - t0;
    double f = hi > lo ? (u - lo) / (hi - lo) : 0;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    int64_t t = t0 + (int64_t)(f * (double)len);
    if (t >= g->start + g->span)
        t = g->start + g->span - 1;
    if (t < g->last_us)
        t = g->last_us;
    g->last_us = t;
    return t;
}

/* ------------------------------------------------------------------------------------------ */
/* Picking actors and addresses                                                                */

static const struct user *pick_human(struct gen *g)
{
    double u = runit(&g->r);
    size_t i = (size_t)((double)g->nhum * u * u); /* a few heavy users, a long tail */
    if (i >= g->nhum)
        i = g->nhum - 1;
    return &g->u[g->hum[i]];
}

static const struct user *pick_other(struct gen *g, const struct user *not)
{
    for (;;) {
        const struct user *o = &g->u[g->hum[rbelow(&g->r, (uint32_t)g->nhum)]];
        if (o != not)
            return o;
    }
}

/* One of the user's usual addresses. */
static const char *user_ip(struct gen *g, const struct user *u)
{
    uint32_t c = rbelow(&g->r, 10);
    return c < 6 ? u->ip_office : c < 9 ? u->ip_home : u->ip_v6;
}

/* ClientIP as it appears on the wire: mostly plain, a low rate of the sloppy forms of 2.1,
 * always a port for admin records half the time. */
static void put_clientip(struct gen *g, const char *ip, double port_rate)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    bool v6 = strchr(ip, ':') != NULL;
    uint32_t s = rbelow(r, 1000);
    char t[80];
    if (rchance(r, port_rate))
        s = 0;
    else if (s < 980)
        s = 999;
    if (s == 999)
        snprintf(t, sizeof(t), "%s", ip);
    else if (v6)
        snprintf(t, sizeof(t), s % 2 ? "[%s]" : "[%s]:%u", ip, 1024 + rbelow(r, 60000));
    else if (s % 3 == 0)
        snprintf(t, sizeof(t), "%s:%u", ip, 1024 + rbelow(r, 60000));
    else if (s % 3 == 1)
        snprintf(t, sizeof(t), "[%s]:%u", ip, 1024 + rbelow(r, 60000));
    else
        snprintf(t, sizeof(t), "::ffff:%s", ip);
    put_js(w, t);
}

static void put_msgid(struct gen *g, const struct user *u)
{
    struct gw *w = &g->w;
    uint32_t k = rbelow(&g->r, 10);
    if (k < 7) {
        PUTL(w, "\"<");
        putz(w, u->server);
        put_hexu(w, rng_next(&g->r), 16);
        putch(w, '@');
        putz(w, u->server);
        PUTL(w, ".eurprd01.prod.exchangelabs.com>\"");
    } else if (k < 9) {
        char gd[37];
        uint64_t a = rng_next(&g->r);
        fmt_guid(gd, a, rng_next(&g->r));
        PUTL(w, "\"<");
        put(w, gd, 36);
        PUTL(w, "@az.westeurope.production.microsoft.com>\"");
    } else {
        PUTL(w, "\"<CA");
        put_b64h(w, rng_next(&g->r), 40);
        PUTL(w, "@mail.gmail.com>\"");
    }
}

static void put_folder_id(struct gw *w, const struct user *o, int f)
{
    PUTL(w, "\"LgAAAAC");
    put_b64h(w, o->h, 22);
    PUTL(w, "AQB");
    put_b64h(w, o->h ^ 0x77, 22);
    PUTL(w, "AAAAAE");
    putz(w, folders[f].code);
    PUTL(w, "AAAB\"");
}

static void put_item_id(struct gen *g, const struct user *o, int f)
{
    struct gw *w = &g->w;
    PUTL(w, "\"RgAAAAC");
    put_b64h(w, o->h, 22);
    PUTL(w, "BwB");
    put_b64h(w, o->h ^ 0x77, 22);
    PUTL(w, "AAAAAE");
    putz(w, folders[f].code);
    PUTL(w, "AAB");
    put_b64h(w, o->h ^ 0x77, 22);
    put_b64h(w, rng_next(&g->r), 6);
    PUTL(w, "AAAA\"");
}

/* {"Id":"..","Path":".."} */
static void put_folder(struct gen *g, const struct user *o, int f)
{
    struct gw *w = &g->w;
    PUTL(w, "{\"Id\":");
    put_folder_id(w, o, f);
    PUTL(w, ",\"Path\":");
    put_js(w, folders[f].path);
    putch(w, '}');
}

/* ------------------------------------------------------------------------------------------ */
/* Record framing                                                                              */

static void rec_open(struct gen *g)
{
    struct gw *w = &g->w;
    if (g->o->format == XA_GEN_BLOB)
        putch(w, g->first ? '[' : ',');
    g->first = false;
    g->rec_off = w->b.len;
}

static void rec_close(struct gen *g)
{
    struct gw *w = &g->w;
    putch(w, '}');
    g->rec_end = w->b.len;
    if (g->o->format == XA_GEN_JSONL)
        putch(w, '\n');
}

/* Re-send the record just written, byte for byte (same Id), as the service sometimes does. */
static void rec_dup(struct gen *g)
{
    struct gw *w = &g->w;
    size_t off = g->rec_off, n = g->rec_end - g->rec_off;
    rec_open(g);
    if (w->b.cap - w->b.len <= n) {
        if (w->err)
            return;
        xa_rc rc = xa_buf_reserve(&w->b, n);
        if (rc) {
            w->err = rc;
            return;
        }
    }
    memmove(w->b.data + w->b.len, w->b.data + off, n);
    w->b.len += n;
    g->rec_end = w->b.len;
    if (g->o->format == XA_GEN_JSONL)
        putch(w, '\n');
}

/* Common schema up to and including UserId. ip may be NULL (no ClientIP written). */
static void rec_begin(struct gen *g, int64_t sec, const char *op, int rt, const char *status,
                      const char *ukey, int utype, const char *workload, const char *ip,
                      double port_rate, const char *userid)
{
    struct gw *w = &g->w;
    char ts[20];
    fmt_time(ts, sec);
    rec_open(g);
    PUTL(w, "{\"CreationTime\":\"");
    put(w, ts, 19);
    PUTL(w, "\",\"Id\":");
    put_guid_r(w, &g->r);
    PUTL(w, ",\"Operation\":");
    put_js(w, op);
    PUTL(w, ",\"OrganizationId\":\"");
    put(w, g->tid, 36);
    PUTL(w, "\",\"RecordType\":");
    put_u64(w, (uint64_t)rt);
    PUTL(w, ",\"ResultStatus\":");
    put_js(w, status);
    PUTL(w, ",\"UserKey\":");
    put_js(w, ukey);
    PUTL(w, ",\"UserType\":");
    put_u64(w, (uint64_t)utype);
    PUTL(w, ",\"Version\":1,\"Workload\":");
    put_js(w, workload);
    if (ip) {
        PUTL(w, ",\"ClientIP\":");
        put_clientip(g, ip, port_rate);
    }
    PUTL(w, ",\"UserId\":");
    put_js(w, userid);
}

static void put_origin(struct gen *g, const char *server, const char *build, bool mailbox)
{
    struct gw *w = &g->w;
    PUTL(w, ",\"OriginatingServer\":\"");
    putz(w, server);
    PUTL(w, " (");
    putz(w, build);
    putch(w, ')');
    /* mailbox records nearly always end in \r\n, admin records rarely */
    if (rchance(&g->r, mailbox ? 0.9 : 0.02))
        PUTL(w, "\\r\\n");
    putch(w, '"');
}

/* ------------------------------------------------------------------------------------------ */
/* Exchange admin records (RecordType 1)                                                       */

struct nv {
    const char *name;
    const char *value;
};

struct modp {
    const char *name;
    const char *newv;
    const char *oldv;
};

struct adm {
    const char *op;
    const struct user *actor; /* NULL: a Microsoft service account */
    const char *sys_id;       /* UserId/UserKey when actor is NULL */
    int utype;
    const char *ip;           /* NULL: no ClientIP */
    const char *object;
    const char *resolved;     /* ModifiedObjectResolvedName or NULL */
    const struct nv *p;
    size_t np;
    const struct modp *m;
    size_t nm;
    const char *appid;
    bool external;
    bool no_sloppy;           /* planted incidents always carry the Parameters array */
};

static void admin_record(struct gen *g, int64_t sec, const struct adm *a)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    const char *uid = a->actor ? a->actor->upn : a->sys_id;
    const char *ukey = a->actor ? a->actor->puid : a->sys_id;
    rec_begin(g, sec, a->op, 1, "True", ukey, a->utype, "Exchange", a->ip, 0.5, uid);
    PUTL(w, ",\"ObjectId\":");
    put_js(w, a->object);
    PUTL(w, ",\"AppId\":");
    put_js(w, a->appid ? a->appid : "");
    PUTL(w, ",\"ClientAppId\":\"\",\"ExternalAccess\":");
    if (a->external)
        PUTL(w, "true");
    else
        PUTL(w, "false");
    PUTL(w, ",\"OrganizationName\":");
    put_js(w, g->org);
    put_origin(g, a->actor ? a->actor->server : RPICK(r, servers),
               a->actor ? a->actor->build : RPICK(r, builds), false);
    if (a->resolved) {
        PUTL(w, ",\"ModifiedObjectResolvedName\":");
        put_js(w, a->resolved);
    }
    PUTL(w, ",\"Parameters\":");
    if (!a->no_sloppy && rchance(r, 0.03)) {
        /* sloppy shape: one PowerShell-syntax string */
        char ps[1024];
        size_t n = 0;
        ps[0] = '\0';
        for (size_t i = 0; i < a->np && n < sizeof(ps); i++)
            n += (size_t)snprintf(ps + n, sizeof(ps) - n, "%s-%s \"%s\"", i ? " " : "",
                                  a->p[i].name, a->p[i].value);
        put_js(w, ps);
    } else {
        putch(w, '[');
        for (size_t i = 0; i < a->np; i++) {
            PUTL(w, "{\"Name\":");
            put_js(w, a->p[i].name);
            PUTL(w, ",\"Value\":");
            put_js(w, a->p[i].value);
            putch(w, '}');
            if (i + 1 < a->np)
                putch(w, ',');
        }
        putch(w, ']');
    }
    if (a->nm) {
        PUTL(w, ",\"ModifiedProperties\":[");
        for (size_t i = 0; i < a->nm; i++) {
            PUTL(w, "{\"Name\":");
            put_js(w, a->m[i].name);
            PUTL(w, ",\"NewValue\":");
            put_js(w, a->m[i].newv);
            PUTL(w, ",\"OldValue\":");
            put_js(w, a->m[i].oldv);
            putch(w, '}');
            if (i + 1 < a->nm)
                putch(w, ',');
        }
        putch(w, ']');
    }
    PUTL(w, ",\"SessionId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"RequestId\":");
    put_guid_r(w, r);
    if (a->actor) {
        PUTL(w, ",\"TokenObjectId\":\"");
        putz(w, a->actor->oid);
        PUTL(w, "\",\"TokenTenantId\":\"");
        put(w, g->tid, 36);
        putch(w, '"');
    }
    rec_close(g);
}

static void exo_path(char *out, size_t n, struct gen *g, const char *alias)
{
    snprintf(out, n, "EURPR01A002.prod.outlook.com/Microsoft Exchange Hosted Organizations/%s/%s",
             g->org, alias);
}

/* ------------------------------------------------------------------------------------------ */
/* Exchange mailbox records (RecordType 2, 3, 50)                                              */

struct mbx {
    const struct user *actor; /* NULL: system account */
    const char *sys_id;
    int utype;
    const struct user *owner;
    int logon; /* LogonType */
    int client;
    const char *ip;
    const char *info; /* ClientInfoString override (system logons) */
};

static void mbx_begin(struct gen *g, int64_t sec, const char *op, int rt, const struct mbx *m)
{
    struct gw *w = &g->w;
    const char *uid = m->actor ? m->actor->upn : m->sys_id;
    const char *ukey = m->actor ? m->actor->puid : m->sys_id;
    rec_begin(g, sec, op, rt, "Succeeded", ukey, m->utype, "Exchange", m->ip, 0.0, uid);
    const char *appid = NULL, *info = m->info;
    if (!info) {
        switch (m->client) {
        case C_OWA:
            info = "Client=OWA;Action=ViaProxy";
            appid = APPID_EXO;
            break;
        case C_RPC:
            info = "Client=MSExchangeRPC";
            break;
        case C_MOBILE:
            info = "Client=OutlookService;Outlook-iOS/2.0;";
            appid = "27922004-5251-4030-b22d-91ecd9a37ea4";
            break;
        case C_REST:
            info = "Client=REST;Client=RESTSystem;;";
            appid = "00000003-0000-0000-c000-000000000000";
            break;
        default:
            info = "Client=IMAP4";
            break;
        }
    }
    if (appid) {
        PUTL(w, ",\"AppId\":\"");
        putz(w, appid);
        putch(w, '"');
    }
    if (m->ip) {
        PUTL(w, ",\"ClientIPAddress\":");
        put_js(w, m->ip);
    }
    PUTL(w, ",\"ClientInfoString\":");
    put_js(w, info);
    if (m->client == C_RPC && m->actor && !m->info) {
        if (m->actor != m->owner) { /* Outlook host name: seen on delegate access */
            PUTL(w, ",\"ClientMachineName\":\"");
            putz(w, m->actor->machine);
            putch(w, '"');
        }
        PUTL(w, ",\"ClientProcessName\":\"OUTLOOK.EXE\",\"ClientVersion\":\"16.0.17328.20184\"");
    }
    PUTL(w, ",\"ExternalAccess\":");
    if (m->utype == 3)
        PUTL(w, "true");
    else
        PUTL(w, "false");
    PUTL(w, ",\"InternalLogonType\":");
    put_u64(w, (uint64_t)m->logon);
    PUTL(w, ",\"LogonType\":");
    put_u64(w, (uint64_t)m->logon);
    PUTL(w, ",\"LogonUserSid\":\"");
    putz(w, m->actor ? m->actor->sid : "S-1-5-18");
    putch(w, '"');
    if (m->actor && m->actor != m->owner) {
        PUTL(w, ",\"LogonUserDisplayName\":");
        put_js(w, m->actor->display);
    }
    PUTL(w, ",\"MailboxGuid\":\"");
    putz(w, m->owner->mbx);
    PUTL(w, "\",\"MailboxOwnerSid\":\"");
    putz(w, m->owner->sid);
    PUTL(w, "\",\"MailboxOwnerUPN\":");
    put_js(w, m->owner->upn);
    PUTL(w, ",\"OrganizationName\":");
    put_js(w, g->org);
    put_origin(g, m->owner->server, m->owner->build, true);
    if (m->actor) {
        /* one session per (actor, mailbox, client, day) */
        PUTL(w, ",\"SessionId\":");
        put_guid_h(w, mix2(m->actor->h ^ m->owner->h * 31, (uint64_t)(sec / 86400) * 8 +
                                                                (uint64_t)m->client));
    }
}

/* MailItemsAccessed (RecordType 50). nitems[i] messages in folder fl[i]; sync when nitems is
 * NULL (one folder, no item list). */
static void mia_record(struct gen *g, int64_t sec, const struct mbx *m, const int *fl, size_t nf,
                       const int *nitems, bool throttled, const char *const *subj)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    mbx_begin(g, sec, "MailItemsAccessed", 50, m);
    const char *type = nitems ? "Bind" : "Sync";
    PUTL(w, ",\"OperationProperties\":");
    if (rchance(r, 0.01)) {
        /* sloppy shape: the collection as a JSON-encoded string */
        PUTL(w, "\"[{\\\"Name\\\":\\\"MailAccessType\\\",\\\"Value\\\":\\\"");
        putz(w, type);
        PUTL(w, "\\\"},{\\\"Name\\\":\\\"IsThrottled\\\",\\\"Value\\\":\\\"");
        putz(w, throttled ? "True" : "False");
        PUTL(w, "\\\"}]\"");
    } else {
        PUTL(w, "[{\"Name\":\"MailAccessType\",\"Value\":\"");
        putz(w, type);
        PUTL(w, "\"},{\"Name\":\"IsThrottled\",\"Value\":\"");
        putz(w, throttled ? "True" : "False");
        PUTL(w, "\"}]");
    }
    PUTL(w, ",\"Folders\":[");
    uint64_t count = 0;
    size_t si = 0;
    for (size_t i = 0; i < nf; i++) {
        if (i)
            putch(w, ',');
        PUTL(w, "{\"Id\":");
        put_folder_id(w, m->owner, fl[i]);
        PUTL(w, ",\"Path\":");
        put_js(w, folders[fl[i]].path);
        if (nitems) {
            PUTL(w, ",\"FolderItems\":[");
            for (int k = 0; k < nitems[i]; k++) {
                if (k)
                    putch(w, ',');
                PUTL(w, "{");
                if (rchance(r, 0.1)) {
                    PUTL(w, "\"Id\":");
                    put_item_id(g, m->owner, fl[i]);
                    putch(w, ',');
                }
                PUTL(w, "\"InternetMessageId\":");
                put_msgid(g, m->owner);
                PUTL(w, ",\"SizeInBytes\":");
                put_u64(w, 2000 + rbelow(r, 90000));
                if (subj) {
                    PUTL(w, ",\"Subject\":");
                    put_js(w, subj[si++ % 8]);
                }
                putch(w, '}');
                count++;
            }
            putch(w, ']');
        } else {
            count++;
        }
        putch(w, '}');
    }
    PUTL(w, "],\"OperationCount\":");
    put_u64(w, count);
    rec_close(g);
}

/* ExchangeItem fields: {"Id":..,"InternetMessageId":..,"ParentFolder":{..},"SizeInBytes":..,
 * "Subject":..} */
static void put_item(struct gen *g, const struct user *owner, int f, const char *subject,
                     bool msgid, bool size)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    PUTL(w, "{\"Id\":");
    put_item_id(g, owner, f);
    if (msgid) {
        PUTL(w, ",\"InternetMessageId\":");
        put_msgid(g, owner);
    }
    PUTL(w, ",\"ParentFolder\":");
    put_folder(g, owner, f);
    if (size) {
        PUTL(w, ",\"SizeInBytes\":");
        put_u64(w, 3000 + rbelow(r, 120000));
    }
    PUTL(w, ",\"Subject\":");
    put_js(w, subject);
    putch(w, '}');
}

static void item_group(struct gen *g, int64_t sec, const char *op, const struct mbx *m, int from,
                       int to, int nitems)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    mbx_begin(g, sec, op, 3, m);
    PUTL(w, ",\"CrossMailboxOperation\":false,\"Folder\":");
    put_folder(g, m->owner, from);
    if (to >= 0) {
        PUTL(w, ",\"DestFolder\":");
        put_folder(g, m->owner, to);
    }
    if (nitems > 0) {
        PUTL(w, ",\"AffectedItems\":[");
        for (int i = 0; i < nitems; i++) {
            if (i)
                putch(w, ',');
            put_item(g, m->owner, from, RPICK(r, subjects), rchance(r, 0.6), rchance(r, 0.5));
        }
        putch(w, ']');
    }
    rec_close(g);
}

static int pick_client(struct gen *g, const struct user *u)
{
    uint32_t c = rbelow(&g->r, 10);
    if (c < 7)
        return u->client;
    if (c < 9)
        return C_OWA;
    return C_MOBILE;
}

static void owner_ctx(struct gen *g, struct mbx *m, const struct user *u)
{
    memset(m, 0, sizeof(*m));
    m->actor = u;
    m->owner = u;
    m->utype = 0;
    m->logon = 0;
    m->client = pick_client(g, u);
    m->ip = user_ip(g, u);
}

/* A delegate (shared mailbox member, or the executive assistant on the CEO mailbox). */
static void delegate_ctx(struct gen *g, struct mbx *m)
{
    struct rng *r = &g->r;
    memset(m, 0, sizeof(*m));
    uint32_t k = rbelow(r, 10);
    if (k < 5) {
        m->owner = &g->u[U_FIN];
        m->actor = &g->u[g->fin[rbelow(r, (uint32_t)g->nfin)]];
    } else if (k < 7) {
        m->owner = &g->u[U_HR];
        m->actor = &g->u[g->hr[rbelow(r, (uint32_t)g->nhr)]];
    } else {
        m->owner = &g->u[U_CEO];
        m->actor = &g->u[U_ASSIST];
    }
    m->utype = 0;
    m->logon = 2;
    m->client = pick_client(g, m->actor);
    m->ip = user_ip(g, m->actor);
}

/* ------------------------------------------------------------------------------------------ */
/* Background record kinds                                                                     */

static void bg_mia_owner(struct gen *g, int64_t sec, bool delegate)
{
    struct rng *r = &g->r;
    struct mbx m;
    if (delegate)
        delegate_ctx(g, &m);
    else
        owner_ctx(g, &m, pick_human(g));
    bool thr = rchance(r, 0.002);
    if (m.client == C_RPC && rchance(r, 0.75)) {
        static const int sync_f[] = {F_INBOX, F_INBOX, F_SENT, F_DELETED, F_ARCHIVE, F_PROJECTS,
                                     F_DRAFTS, F_JUNK};
        int f = RPICK(r, sync_f);
        mia_record(g, sec, &m, &f, 1, NULL, false, NULL);
        return;
    }
    int fl[2], ni[2];
    size_t nf = rchance(r, 0.15) ? 2 : 1;
    static const int bind_f[] = {F_INBOX, F_INBOX, F_INBOX, F_SENT, F_ARCHIVE, F_PROJECTS};
    fl[0] = RPICK(r, bind_f);
    fl[1] = fl[0] == F_INBOX ? F_SENT : F_INBOX;
    for (size_t i = 0; i < nf; i++)
        ni[i] = 1 + (int)rbelow(r, rchance(r, 0.1) ? 6 : 2);
    mia_record(g, sec, &m, fl, nf, ni, thr, NULL);
}

static void bg_send(struct gen *g, int64_t sec, int how)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    struct mbx m;
    const char *op = "Send";
    if (how == 0) {
        owner_ctx(g, &m, pick_human(g));
    } else {
        delegate_ctx(g, &m);
        if (how == 2) { /* SendOnBehalf: the assistant for the CEO */
            m.owner = &g->u[U_CEO];
            m.actor = &g->u[U_ASSIST];
            m.ip = user_ip(g, m.actor);
            op = "SendOnBehalf";
        } else {
            if (m.owner == &g->u[U_CEO]) { /* the assistant has no SendAs on ceo */
                m.owner = &g->u[U_FIN];
                m.actor = &g->u[g->fin[0]];
            }
            op = "SendAs";
        }
    }
    mbx_begin(g, sec, op, 2, &m);
    if (how == 1) {
        PUTL(w, ",\"SendAsUserSmtp\":");
        put_js(w, m.owner->upn);
        PUTL(w, ",\"SendAsUserMailboxGuid\":\"");
        putz(w, m.owner->mbx);
        putch(w, '"');
    } else if (how == 2) {
        PUTL(w, ",\"SendOnBehalfOfUserSmtp\":");
        put_js(w, m.owner->upn);
        PUTL(w, ",\"SendOnBehalfOfUserMailboxGuid\":\"");
        putz(w, m.owner->mbx);
        putch(w, '"');
    }
    PUTL(w, ",\"Item\":{\"Id\":");
    put_item_id(g, m.owner, F_SENT);
    PUTL(w, ",\"InternetMessageId\":");
    put_msgid(g, m.owner);
    PUTL(w, ",\"ParentFolder\":");
    put_folder(g, m.owner, rchance(r, 0.5) ? F_DRAFTS : F_SENT);
    PUTL(w, ",\"SizeInBytes\":");
    put_u64(w, 4000 + rbelow(r, 200000));
    PUTL(w, ",\"Subject\":");
    put_js(w, RPICK(r, subjects));
    if (rchance(r, 0.3)) {
        PUTL(w, ",\"Attachments\":\"");
        putz(w, RPICK(r, files));
        PUTL(w, " (");
        put_u64(w, 10000 + rbelow(r, 900000));
        PUTL(w, "b)\"");
    }
    PUTL(w, "}");
    rec_close(g);
}

static void bg_update(struct gen *g, int64_t sec, bool create)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    struct mbx m;
    if (rchance(r, 0.1))
        delegate_ctx(g, &m);
    else
        owner_ctx(g, &m, pick_human(g));
    mbx_begin(g, sec, create ? "Create" : "Update", 2, &m);
    if (!create) {
        PUTL(w, ",\"ModifiedProperties\":[");
        put_js(w, RPICK(r, mod_props));
        if (rchance(r, 0.4)) {
            putch(w, ',');
            put_js(w, RPICK(r, mod_props));
        }
        putch(w, ']');
    }
    PUTL(w, ",\"Item\":");
    if (create) {
        static const char *const cs[] = {"Team sync", "1:1", "Quarterly planning", "Dentist",
                                         "Customer call", "Interview: candidate", "Lunch"};
        put_item(g, m.owner, rchance(r, 0.85) ? F_CAL : F_CONTACTS, RPICK(r, cs), false, false);
    } else {
        put_item(g, m.owner, rchance(r, 0.8) ? F_INBOX : F_CAL, RPICK(r, subjects), true, true);
    }
    rec_close(g);
}

static void bg_login(struct gen *g, int64_t sec)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    struct mbx m;
    owner_ctx(g, &m, pick_human(g));
    static const char *const infos[] = {"Client=IMAP4", "Client=POP3", "Client=ActiveSync",
                                        ("Client=Microsoft.Exchange.Powershell; Microsoft WinRM "
                                         "Client")};
    m.client = C_IMAP;
    m.info = RPICK(r, infos);
    mbx_begin(g, sec, "MailboxLogin", 2, &m);
    PUTL(w, ",\"MbxLoginLocalQueueADLookupInfo\":{\"Puid\":\"");
    putz(w, m.owner->puid);
    PUTL(w, "\",\"OrgIdPuid\":\"");
    putz(w, m.owner->puid);
    PUTL(w, "\",\"Smtp\":");
    put_js(w, m.owner->upn);
    PUTL(w, ",\"SearchScope\":\"Organization\",\"ConsumerMailbox\":false}");
    rec_close(g);
}

static void bg_inbox_rules_item(struct gen *g, int64_t sec)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    struct mbx m;
    owner_ctx(g, &m, pick_human(g));
    m.client = C_RPC;
    mbx_begin(g, sec, "UpdateInboxRules", 2, &m);
    static const char *const rn[] = {"Archive receipts", "Newsletters", "From manager",
                                     "Project Falcon", "Move notifications"};
    static const char *const ro[] = {"AddMailboxRule", "ModifyMailboxRule", "RemoveMailboxRule"};
    PUTL(w, ",\"OperationProperties\":[{\"Name\":\"RuleName\",\"Value\":");
    put_js(w, RPICK(r, rn));
    PUTL(w, "},{\"Name\":\"RuleActions\",\"Value\":\"MoveToFolder\"},{\"Name\":\"RuleOperation\","
            "\"Value\":");
    put_js(w, RPICK(r, ro));
    PUTL(w, "}],\"Item\":{\"Id\":");
    put_folder_id(w, m.owner, F_INBOX);
    PUTL(w, ",\"ParentFolder\":");
    put_folder(g, m.owner, F_INBOX);
    putch(w, '}');
    rec_close(g);
}

static void bg_folder_perm(struct gen *g, int64_t sec)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    struct mbx m;
    owner_ctx(g, &m, pick_human(g));
    static const char *const ops[] = {"AddFolderPermissions", "ModifyFolderPermissions",
                                      "ModifyFolderPermissions", "RemoveFolderPermissions",
                                      "UpdateFolderPermissions"};
    static const char *const rights[] = {"FreeBusySimple", "FreeBusyDetailed",
                                         "ReadAny, Visible, FreeBusySimple",
                                         "ReadAny, Create, Visible, FreeBusyDetailed"};
    const char *op = RPICK(r, ops);
    int f = rchance(r, 0.8) ? F_CAL : F_INBOX;
    const struct user *mem = pick_other(g, m.owner);
    mbx_begin(g, sec, op, 2, &m);
    PUTL(w, ",\"Item\":{\"Id\":");
    put_folder_id(w, m.owner, f);
    PUTL(w, ",\"ParentFolder\":{\"Id\":");
    put_folder_id(w, m.owner, f);
    PUTL(w, ",\"Name\":");
    put_js(w, folders[f].name);
    PUTL(w, ",\"Path\":");
    put_js(w, folders[f].path);
    PUTL(w, ",\"MemberRights\":");
    put_js(w, f == F_CAL ? RPICK(r, rights) : "ReadAny, Visible");
    PUTL(w, ",\"MemberSid\":\"");
    putz(w, mem->sid);
    PUTL(w, "\",\"MemberUpn\":");
    put_js(w, mem->upn);
    PUTL(w, "}}");
    rec_close(g);
}

static void bg_group(struct gen *g, int64_t sec, int kind)
{
    struct rng *r = &g->r;
    struct mbx m;
    if (kind == 4) { /* delegate FolderBind */
        delegate_ctx(g, &m);
        static const int ff[] = {F_INBOX, F_INBOX, F_SENT, F_CAL, F_ARCHIVE};
        item_group(g, sec, "FolderBind", &m, RPICK(r, ff), -1, 0);
        return;
    }
    if (rchance(r, 0.08))
        delegate_ctx(g, &m);
    else
        owner_ctx(g, &m, pick_human(g));
    int n = rchance(r, 0.1) ? 2 + (int)rbelow(r, 4) : 1;
    switch (kind) {
    case 0:
        item_group(g, sec, "MoveToDeletedItems", &m, rchance(r, 0.8) ? F_INBOX : F_JUNK,
                   F_DELETED, n);
        break;
    case 1:
        item_group(g, sec, "SoftDelete", &m, rchance(r, 0.7) ? F_DELETED : F_INBOX, -1, n);
        break;
    case 2:
        item_group(g, sec, "HardDelete", &m, F_RECOV, -1, n);
        break;
    default:
        item_group(g, sec, "Move", &m, F_INBOX, rchance(r, 0.6) ? F_ARCHIVE : F_PROJECTS, n);
        break;
    }
}

/* Tenant admins at work: routine cmdlets (never any of the planted incident shapes). */
static void bg_admin(struct gen *g, int64_t sec)
{
    struct rng *r = &g->r;
    const struct user *adm = &g->u[rchance(r, 0.6) ? U_HELPDESK : U_ITADMIN];
    const struct user *tgt = pick_other(g, adm);
    struct nv p[6];
    struct modp mp[2];
    struct adm a;
    memset(&a, 0, sizeof(a));
    a.actor = adm;
    a.utype = 2;
    a.ip = user_ip(g, adm);
    a.p = p;
    char obj[320];
    exo_path(obj, sizeof(obj), g, tgt->alias);
    a.object = obj;
    switch (rbelow(r, 8)) {
    case 0: {
        static const char *const q[] = {"49 GB (52,613,349,376 bytes)",
                                        "99 GB (106,300,440,576 bytes)"};
        const char *v = RPICK(r, q);
        a.op = "Set-Mailbox";
        p[0] = (struct nv){"Identity", tgt->upn};
        p[1] = (struct nv){"ProhibitSendQuota", v};
        a.np = 2;
        mp[0] = (struct modp){"ProhibitSendQuota", v, "Unlimited"};
        a.m = mp;
        a.nm = 1;
        a.resolved = tgt->display;
        break;
    }
    case 1: {
        const struct user *sh = &g->u[rchance(r, 0.6) ? U_FIN : U_HR];
        a.op = rchance(r, 0.7) ? "Add-MailboxPermission" : "Remove-MailboxPermission";
        a.object = sh->upn;
        p[0] = (struct nv){"Identity", sh->upn};
        p[1] = (struct nv){"User", tgt->upn};
        p[2] = (struct nv){"AccessRights", "FullAccess"};
        p[3] = (struct nv){"InheritanceType", "All"};
        p[4] = (struct nv){"AutoMapping", "True"};
        a.np = 5;
        break;
    }
    case 2: {
        const struct user *sh = &g->u[rchance(r, 0.6) ? U_FIN : U_HR];
        a.op = "Add-RecipientPermission";
        a.object = sh->upn;
        p[0] = (struct nv){"Identity", sh->upn};
        p[1] = (struct nv){"Trustee", tgt->upn};
        p[2] = (struct nv){"AccessRights", "SendAs"};
        p[3] = (struct nv){"Confirm", "False"};
        a.np = 4;
        break;
    }
    case 3:
        a.op = "Set-CASMailbox";
        p[0] = (struct nv){"Identity", tgt->upn};
        p[1] = (struct nv){rchance(r, 0.5) ? "ImapEnabled" : "PopEnabled", "False"};
        a.np = 2;
        break;
    case 4: {
        static const char *const dg[] = {"all-staff", "managers", "sales-team", "it-ops"};
        char grp[160];
        snprintf(grp, sizeof(grp), "%s@%s", RPICK(r, dg), g->domain);
        a.op = "Add-DistributionGroupMember";
        a.object = grp;
        p[0] = (struct nv){"Identity", grp};
        p[1] = (struct nv){"Member", tgt->upn};
        a.np = 2;
        admin_record(g, sec, &a);
        return;
    }
    case 5: {
        char fid[240];
        snprintf(fid, sizeof(fid), "%s:\\Calendar", tgt->upn);
        a.op = "Add-MailboxFolderPermission";
        a.object = fid;
        p[0] = (struct nv){"Identity", fid};
        p[1] = (struct nv){"User", pick_other(g, tgt)->upn};
        p[2] = (struct nv){"AccessRights", "Reviewer"};
        a.np = 3;
        admin_record(g, sec, &a);
        return;
    }
    case 6:
        a.op = "Set-Mailbox";
        p[0] = (struct nv){"Identity", g->u[U_CEO].upn};
        p[1] = (struct nv){"GrantSendOnBehalfTo", g->u[U_ASSIST].upn};
        a.np = 2;
        exo_path(obj, sizeof(obj), g, "ceo");
        break;
    default:
        a.op = "Set-User";
        p[0] = (struct nv){"Identity", tgt->upn};
        p[1] = (struct nv){"Title", rchance(r, 0.5) ? "Senior Analyst" : "Team Lead"};
        a.np = 2;
        break;
    }
    admin_record(g, sec, &a);
}

/* Users managing their own inbox rules in OWA (benign: move/mark, internal forward). */
static void bg_user_rule(struct gen *g, int64_t sec)
{
    struct rng *r = &g->r;
    const struct user *u = pick_human(g);
    static const char *const rn[] = {"Newsletters", "Receipts", "From boss", "Jira", "CC'd"};
    const char *name = RPICK(r, rn);
    char obj[400];
    snprintf(obj, sizeof(obj),
             "EURPR01A002.prod.outlook.com/Microsoft Exchange Hosted Organizations/%s/%s\\%s",
             g->org, u->alias, name);
    struct nv p[6];
    size_t n = 0;
    bool set = rchance(r, 0.3);
    p[n++] = (struct nv){"AlwaysDeleteOutlookRulesBlob", "False"};
    p[n++] = (struct nv){"Force", "False"};
    if (set)
        p[n++] = (struct nv){"Identity", name};
    if (rchance(r, 0.15)) {
        p[n++] = (struct nv){"ForwardTo", pick_other(g, u)->upn}; /* internal forward */
    } else {
        p[n++] = (struct nv){"From", pick_other(g, u)->upn};
        p[n++] = (struct nv){"MoveToFolder", rchance(r, 0.5) ? "Archive" : "Projects"};
    }
    if (!set)
        p[n++] = (struct nv){"Name", name};
    struct adm a;
    memset(&a, 0, sizeof(a));
    a.op = set ? "Set-InboxRule" : "New-InboxRule";
    a.actor = u;
    a.utype = 0;
    a.ip = user_ip(g, u);
    a.object = obj;
    a.p = p;
    a.np = n;
    a.appid = APPID_EXO;
    admin_record(g, sec, &a);
}

/* Microsoft back-end: NT AUTHORITY\SYSTEM cmdlets (UserType 3), DiscoverySearchMailbox FullAccess
 * re-grants, and Microsoft support tooling (Administrator@...prod.outlook.com). */
static void bg_backend(struct gen *g, int64_t sec, bool msadmin)
{
    struct rng *r = &g->r;
    struct nv p[5];
    struct adm a;
    memset(&a, 0, sizeof(a));
    char obj[320];
    a.utype = 3;
    a.external = true;
    a.p = p;
    a.object = obj;
    char ip[48];
    snprintf(ip, sizeof(ip), "2001:db8:ff00:%x::%x", rbelow(r, 0xffff), 1 + rbelow(r, 0xfff));
    if (msadmin) {
        a.sys_id = MS_ADMIN;
        a.ip = ip;
        static const char *const ops[] = {"Set-TransportConfig", "Set-OrganizationConfig",
                                          "Enable-AddressListPaging", "Set-MailboxPlan"};
        a.op = RPICK(r, ops);
        snprintf(obj, sizeof(obj), "%s\\%s", g->org, "Configuration");
        p[0] = (struct nv){"Identity", g->org};
        p[1] = (struct nv){"DomainController", "EURPR01A002DC03.EURPR01A002.prod.outlook.com"};
        a.np = 2;
        admin_record(g, sec, &a);
        return;
    }
    a.sys_id = NT_SYSTEM;
    a.ip = ip;
    uint32_t k = rbelow(r, 10);
    if (k < 4) {
        a.op = "Add-MailboxPermission";
        exo_path(obj, sizeof(obj), g, DISCOVERY_MBX);
        p[0] = (struct nv){"Identity", DISCOVERY_MBX};
        p[1] = (struct nv){"User", "Discovery Management"};
        p[2] = (struct nv){"AccessRights", "FullAccess"};
        p[3] = (struct nv){"InheritanceType", "All"};
        a.np = 4;
    } else if (k < 7) {
        a.op = "Set-Mailbox";
        exo_path(obj, sizeof(obj), g, DISCOVERY_MBX);
        p[0] = (struct nv){"Identity", DISCOVERY_MBX};
        p[1] = (struct nv){"DomainController", ""};
        a.np = 2;
    } else {
        const struct user *u = pick_human(g);
        static const char *const ops[] = {"Set-Mailbox", "Set-MailboxFolderPermission",
                                          "Set-CalendarProcessing"};
        a.op = RPICK(r, ops);
        exo_path(obj, sizeof(obj), g, u->alias);
        p[0] = (struct nv){"Identity", u->upn};
        p[1] = (struct nv){"Force", "True"};
        a.np = 2;
    }
    admin_record(g, sec, &a);
}

/* System logons on mailboxes: transport (LogonType 3) and retention/assistants (4), S-1-5-18. */
static void bg_system_mbx(struct gen *g, int64_t sec)
{
    struct rng *r = &g->r;
    struct mbx m;
    memset(&m, 0, sizeof(m));
    char ip[48];
    snprintf(ip, sizeof(ip), "2001:db8:ff00:%x::%x", rbelow(r, 0xffff), 1 + rbelow(r, 0xfff));
    m.ip = ip;
    m.sys_id = "S-1-5-18";
    m.utype = 4;
    m.owner = pick_human(g);
    m.client = C_IMAP;
    if (rchance(r, 0.5)) {
        m.logon = 3;
        m.info = "Client=Hub Transport";
        struct gw *w = &g->w;
        mbx_begin(g, sec, rchance(r, 0.5) ? "Create" : "Update", 2, &m);
        PUTL(w, ",\"Item\":");
        put_item(g, m.owner, F_SENT, RPICK(r, subjects), true, true);
        rec_close(g);
    } else {
        m.logon = 4;
        m.info = "Client=TBA;Action=ManagedFolderAssistant";
        if (rchance(r, 0.5))
            item_group(g, sec, "MoveToDeletedItems", &m, F_JUNK, F_DELETED,
                       1 + (int)rbelow(r, 3));
        else
            item_group(g, sec, "HardDelete", &m, F_RECOV, -1, 1 + (int)rbelow(r, 3));
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Other workloads                                                                             */

static void put_actor_target(struct gen *g, const struct user *u)
{
    struct gw *w = &g->w;
    PUTL(w, ",\"Actor\":[{\"ID\":\"");
    putz(w, u->oid);
    PUTL(w, "\",\"Type\":0},{\"ID\":");
    put_js(w, u->upn);
    PUTL(w, ",\"Type\":5}],\"ActorContextId\":\"");
    put(w, g->tid, 36);
    putch(w, '"');
}

static void aad_login(struct gen *g, int64_t sec, const struct user *u, bool ok,
                      const char *ip_force)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    const char *ip = ip_force ? ip_force : user_ip(g, u);
    char badip[20];
    if (!ok && !ip_force && rchance(r, 0.4)) { /* spray from a stranger */
        snprintf(badip, sizeof(badip), "192.0.2.%u", 200 + rbelow(r, 55));
        ip = badip;
    }
    const struct app *app = &apps[rbelow(r, (uint32_t)NELEM(apps))];
    rec_begin(g, sec, ok ? "UserLoggedIn" : "UserLoginFailed", 15, ok ? "Success" : "Failed",
              u->oid, 0, "AzureActiveDirectory", ip, 0.0, u->upn);
    PUTL(w, ",\"ObjectId\":\"");
    putz(w, app->id);
    PUTL(w, "\",\"AzureActiveDirectoryEventType\":1,\"ExtendedProperties\":[{\"Name\":"
            "\"ResultStatusDetail\",\"Value\":");
    put_js(w, ok ? (rchance(r, 0.5) ? "Redirect" : "Success") : "Success");
    PUTL(w, "},{\"Name\":\"UserAgent\",\"Value\":");
    put_js(w, RPICK(r, user_agents));
    PUTL(w, "},{\"Name\":\"RequestType\",\"Value\":");
    put_js(w, rchance(r, 0.6) ? "OAuth2:Authorize" : "Login:login");
    PUTL(w, "}],\"ModifiedProperties\":[]");
    put_actor_target(g, u);
    PUTL(w, ",\"ActorIpAddress\":");
    put_js(w, ip);
    PUTL(w, ",\"InterSystemsId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"IntraSystemId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"SupportTicketId\":\"\",\"Target\":[{\"ID\":\"");
    putz(w, app->id);
    PUTL(w, "\",\"Type\":0}],\"TargetContextId\":\"");
    put(w, g->tid, 36);
    PUTL(w, "\",\"ApplicationId\":\"");
    putz(w, app->id);
    PUTL(w, "\",\"DeviceProperties\":[{\"Name\":\"OS\",\"Value\":");
    put_js(w, rchance(r, 0.8) ? "Windows10" : "Ios");
    PUTL(w, "},{\"Name\":\"BrowserType\",\"Value\":");
    put_js(w, rchance(r, 0.7) ? "Edge" : "Chrome");
    PUTL(w, "},{\"Name\":\"SessionId\",\"Value\":");
    put_guid_h(w, mix2(u->h, (uint64_t)(sec / 86400)));
    PUTL(w, "}],\"ErrorNumber\":");
    if (ok) {
        PUTL(w, "\"0\"");
    } else {
        PUTL(w, "\"50126\",\"LogonError\":\"InvalidUserNameOrPassword\"");
    }
    rec_close(g);
}

static void aad_directory(struct gen *g, int64_t sec)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    const struct user *adm = &g->u[rchance(r, 0.5) ? U_ITADMIN : U_HELPDESK];
    const struct user *t = pick_other(g, adm);
    static const char *const ops[] = {"Update user.", "Add member to group.",
                                      "Change user license.", "Reset user password.",
                                      "Add member to role."};
    const char *op = RPICK(r, ops);
    rec_begin(g, sec, op, 8, "Success", adm->oid, 0, "AzureActiveDirectory", user_ip(g, adm), 0.0,
              adm->upn);
    PUTL(w, ",\"ObjectId\":");
    put_js(w, t->upn);
    PUTL(w, ",\"AzureActiveDirectoryEventType\":1,\"ExtendedProperties\":[{\"Name\":"
            "\"additionalDetails\",\"Value\":\"{}\"},{\"Name\":\"extendedAuditEventCategory\","
            "\"Value\":\"User\"}],\"ModifiedProperties\":[");
    if (strcmp(op, "Add member to role.") == 0) {
        static const char *const roles[] = {"Exchange Administrator", "Helpdesk Administrator",
                                            "Reports Reader"};
        PUTL(w, "{\"Name\":\"Role.DisplayName\",\"NewValue\":");
        put_js(w, RPICK(r, roles));
        PUTL(w, ",\"OldValue\":\"\"}");
    } else if (strcmp(op, "Add member to group.") == 0) {
        PUTL(w, "{\"Name\":\"Group.DisplayName\",\"NewValue\":");
        put_js(w, RPICK(r, sites));
        PUTL(w, ",\"OldValue\":\"\"}");
    } else if (strcmp(op, "Update user.") == 0) {
        PUTL(w, "{\"Name\":\"JobTitle\",\"NewValue\":\"[\\\"Team Lead\\\"]\",\"OldValue\":"
                "\"[\\\"Analyst\\\"]\"},{\"Name\":\"Included Updated Properties\",\"NewValue\":"
                "\"JobTitle\",\"OldValue\":\"\"}");
    }
    putch(w, ']');
    put_actor_target(g, adm);
    PUTL(w, ",\"InterSystemsId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"IntraSystemId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"SupportTicketId\":\"\",\"Target\":[{\"ID\":\"User_");
    putz(w, t->oid);
    PUTL(w, "\",\"Type\":2},{\"ID\":");
    put_js(w, t->upn);
    PUTL(w, ",\"Type\":5}],\"TargetContextId\":\"");
    put(w, g->tid, 36);
    putch(w, '"');
    rec_close(g);
}

static void spo_file(struct gen *g, int64_t sec)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    const struct user *u = pick_human(g);
    bool od = rchance(r, 0.35);
    uint32_t s = rbelow(r, (uint32_t)NELEM(sites));
    uint32_t k = rbelow(r, 20);
    const char *op = k < 12 ? "FileAccessed" : k < 15 ? "FileModified" : k < 18 ? "FileDownloaded"
                                                                                  : "FileUploaded";
    const char *file = RPICK(r, files);
    char site[512], puidl[17], ukey[64];
    if (od) {
        char a[40];
        snprintf(a, sizeof(a), "%s", u->alias);
        for (char *p = a; *p; p++)
            if (*p == '.')
                *p = '_';
        char d[128];
        snprintf(d, sizeof(d), "%s", g->domain);
        for (char *p = d; *p; p++)
            if (*p == '.')
                *p = '_';
        snprintf(site, sizeof(site), "%s/personal/%s_%s/", g->spo_my, a, d);
    } else {
        snprintf(site, sizeof(site), "%s/sites/%s/", g->spo, sites[s]);
    }
    for (int i = 0; i < 17; i++)
        puidl[i] = (char)((u->puid[i] >= 'A' && u->puid[i] <= 'F') ? u->puid[i] + 32 : u->puid[i]);
    snprintf(ukey, sizeof(ukey), "i:0h.f|membership|%s@live.com", puidl);
    rec_begin(g, sec, op, 6, "Succeeded", ukey, 0, od ? "OneDrive" : "SharePoint", user_ip(g, u),
              0.0, u->upn);
    const char *lib = od ? "Documents" : "Shared Documents";
    PUTL(w, ",\"ObjectId\":\"");
    putz(w, site);
    putz(w, lib);
    putch(w, '/');
    putz(w, file);
    PUTL(w, "\",\"CorrelationId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"EventSource\":\"SharePoint\",\"ItemType\":\"File\",\"ListId\":");
    uint64_t sh = od ? u->h : mix2(g->hs, s + 100);
    put_guid_h(w, sh ^ 1);
    PUTL(w, ",\"ListItemUniqueId\":");
    put_guid_h(w, mix2(sh, (uint64_t)strlen(file) * 131 + (uint64_t)file[0]));
    PUTL(w, ",\"Site\":");
    put_guid_h(w, sh ^ 2);
    PUTL(w, ",\"UserAgent\":");
    put_js(w, RPICK(r, user_agents));
    PUTL(w, ",\"WebId\":");
    put_guid_h(w, sh ^ 3);
    PUTL(w, ",\"SourceFileExtension\":\"");
    putz(w, strrchr(file, '.') + 1);
    PUTL(w, "\",\"SiteUrl\":\"");
    putz(w, site);
    PUTL(w, "\",\"SourceFileName\":");
    put_js(w, file);
    PUTL(w, ",\"SourceRelativeUrl\":\"");
    putz(w, lib);
    PUTL(w, "\",\"ApplicationDisplayName\":");
    put_js(w, rchance(r, 0.5) ? "Microsoft Office" : "OfficeHome");
    PUTL(w, ",\"GeoLocation\":\"EUR\",\"IsManagedDevice\":true");
    rec_close(g);
}

static void teams(struct gen *g, int64_t sec)
{
    struct gw *w = &g->w;
    struct rng *r = &g->r;
    const struct user *u = pick_human(g);
    uint32_t k = rbelow(r, 10);
    const char *op = k < 7 ? "TeamsSessionStarted" : k < 9 ? "ChatCreated" : "MemberAdded";
    rec_begin(g, sec, op, 25, "Succeeded", u->oid, 0, "MicrosoftTeams", user_ip(g, u), 0.0,
              u->upn);
    PUTL(w, ",\"ObjectId\":");
    if (k < 7) {
        put_js(w, "");
        PUTL(w, ",\"ExtraProperties\":[{\"Key\":\"TimeZone\",\"Value\":\"Europe/London\"},"
                "{\"Key\":\"OsName\",\"Value\":\"windows\"},{\"Key\":\"OsVersion\",\"Value\":"
                "\"10.0.22631\"},{\"Key\":\"Country\",\"Value\":\"gb\"},{\"Key\":\"ClientName\","
                "\"Value\":\"skypeteams\"},{\"Key\":\"ClientVersion\",\"Value\":"
                "\"24215.1007.3082.1590\"},{\"Key\":\"ClientUtcOffsetSeconds\",\"Value\":"
                "\"3600\"}]");
    } else {
        const char *team = RPICK(r, sites);
        put_js(w, team);
        PUTL(w, ",\"TeamName\":");
        put_js(w, team);
        PUTL(w, ",\"TeamGuid\":\"19:");
        put_b64h(w, mix2(g->hs, (uint64_t)team[0] * 7 + (uint64_t)strlen(team)), 32);
        PUTL(w, "@thread.tacv2\",\"CommunicationType\":\"");
        putz(w, k < 9 ? "OneOnOne" : "Team");
        PUTL(w, "\",\"Members\":[{\"DisplayName\":");
        const struct user *o = pick_other(g, u);
        put_js(w, o->display);
        PUTL(w, ",\"Role\":1,\"UPN\":");
        put_js(w, o->upn);
        PUTL(w, "}]");
    }
    PUTL(w, ",\"AppAccessContext\":{\"AADSessionId\":");
    put_guid_h(w, mix2(u->h, (uint64_t)(sec / 86400)));
    PUTL(w, ",\"ClientAppId\":\"1fec8e78-bce4-4aaf-ab1b-5451cc387264\",\"ClientAppName\":"
            "\"Microsoft Teams\",\"CorrelationId\":");
    put_guid_r(w, r);
    PUTL(w, ",\"UniqueTokenId\":\"");
    put_b64h(w, rng_next(r), 22);
    PUTL(w, "\"}");
    rec_close(g);
}

/* ------------------------------------------------------------------------------------------ */
/* Background mix                                                                              */

enum bgk {
    B_MIA, B_MIA_DELEG, B_SEND, B_SENDAS, B_SENDOBO, B_UPDATE, B_CREATE, B_LOGIN, B_RULES_ITEM,
    B_FOLDERPERM, B_MTD, B_SOFT, B_HARD, B_MOVE, B_FOLDERBIND, B_ADMIN, B_USER_RULE, B_BACKEND,
    B_MSADMIN, B_SYSMBX, B_AAD_OK, B_AAD_FAIL, B_AAD_DIR, B_SPO, B_TEAMS, B_COUNT
};

/* Relative volumes (per ~10,000 background records). */
static const uint32_t bg_weight[B_COUNT] = {
    [B_MIA] = 2800,      [B_MIA_DELEG] = 250, [B_SEND] = 350,       [B_SENDAS] = 40,
    [B_SENDOBO] = 20,    [B_UPDATE] = 250,    [B_CREATE] = 120,     [B_LOGIN] = 80,
    [B_RULES_ITEM] = 20, [B_FOLDERPERM] = 15, [B_MTD] = 250,        [B_SOFT] = 120,
    [B_HARD] = 40,       [B_MOVE] = 150,      [B_FOLDERBIND] = 80,  [B_ADMIN] = 25,
    [B_USER_RULE] = 10,  [B_BACKEND] = 50,    [B_MSADMIN] = 8,      [B_SYSMBX] = 60,
    [B_AAD_OK] = 1400,   [B_AAD_FAIL] = 150,  [B_AAD_DIR] = 60,     [B_SPO] = 2200,
    [B_TEAMS] = 900,
};

static void emit_background(struct gen *g, int64_t sec)
{
    uint32_t acc = 0, x = rbelow(&g->r, g->bg_total);
    int k = 0;
    while (x >= (acc += bg_weight[k]))
        k++;
    switch ((enum bgk)k) {
    case B_MIA: bg_mia_owner(g, sec, false); break;
    case B_MIA_DELEG: bg_mia_owner(g, sec, true); break;
    case B_SEND: bg_send(g, sec, 0); break;
    case B_SENDAS: bg_send(g, sec, 1); break;
    case B_SENDOBO: bg_send(g, sec, 2); break;
    case B_UPDATE: bg_update(g, sec, false); break;
    case B_CREATE: bg_update(g, sec, true); break;
    case B_LOGIN: bg_login(g, sec); break;
    case B_RULES_ITEM: bg_inbox_rules_item(g, sec); break;
    case B_FOLDERPERM: bg_folder_perm(g, sec); break;
    case B_MTD: bg_group(g, sec, 0); break;
    case B_SOFT: bg_group(g, sec, 1); break;
    case B_HARD: bg_group(g, sec, 2); break;
    case B_MOVE: bg_group(g, sec, 3); break;
    case B_FOLDERBIND: bg_group(g, sec, 4); break;
    case B_ADMIN: bg_admin(g, sec); break;
    case B_USER_RULE: bg_user_rule(g, sec); break;
    case B_BACKEND: bg_backend(g, sec, false); break;
    case B_MSADMIN: bg_backend(g, sec, true); break;
    case B_SYSMBX: bg_system_mbx(g, sec); break;
    case B_AAD_OK: aad_login(g, sec, pick_human(g), true, NULL); break;
    case B_AAD_FAIL: aad_login(g, sec, pick_human(g), false, NULL); break;
    case B_AAD_DIR: aad_directory(g, sec); break;
    case B_SPO: spo_file(g, sec); break;
    default: teams(g, sec); break;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Planted incidents                                                                           */

enum inc {
    I1_ADD_MBXPERM, I2_NEW_RULE, I3_BYPASS, I4_AUDIT_OFF, I1_MIA, I1_SENDAS, I1_REMOVE_MBXPERM,
    I2_SET_FWD, I1_FOLDERBIND, I1_ADD_RECIP, I1_REMOVE_RECIP, I1_MIA2, I2_SIGNIN, I_COUNT
};

/* Time of each incident record in units of span / 7200, indexed by enum inc (= priority). */
static const int inc_k[I_COUNT] = {
    [I1_ADD_MBXPERM] = 2972, [I2_NEW_RULE] = 4464,   [I3_BYPASS] = 5303,
    [I4_AUDIT_OFF] = 6168,   [I1_MIA] = 2976,        [I1_SENDAS] = 2982,
    [I1_REMOVE_MBXPERM] = 3032, [I2_SET_FWD] = 4671, [I1_FOLDERBIND] = 2975,
    [I1_ADD_RECIP] = 2973,   [I1_REMOVE_RECIP] = 3033, [I1_MIA2] = 2980,
    [I2_SIGNIN] = 4463,
};

static const char *const ceo_subjects[8] = {
    "Board pack",  "Re: Acquisition - project Falcon", "Q3 figures", "Salary review 2027",
    "Re: Board minutes", "Strictly confidential: restructuring", "Re: Q3 figures",
    "Bank details for closing"};

static void emit_incident(struct gen *g, int64_t sec, enum inc which)
{
    struct gw *w = &g->w;
    const struct user *ceo = &g->u[U_CEO], *ryan = &g->u[U_RYAN], *ita = &g->u[U_ITADMIN];
    const struct user *hd = &g->u[U_HELPDESK], *nina = &g->u[U_NINA];
    struct adm a;
    struct nv p[8];
    struct modp mp[2];
    memset(&a, 0, sizeof(a));
    a.p = p;
    a.utype = 2;
    a.no_sloppy = true;
    char obj[400];
    switch (which) {
    case I1_ADD_MBXPERM:
    case I1_REMOVE_MBXPERM:
        a.op = which == I1_ADD_MBXPERM ? "Add-MailboxPermission" : "Remove-MailboxPermission";
        a.actor = ita;
        a.ip = ita->ip_office;
        a.object = ceo->upn;
        p[0] = (struct nv){"Identity", ceo->upn};
        p[1] = (struct nv){"User", ryan->upn};
        p[2] = (struct nv){"AccessRights", "FullAccess"};
        p[3] = (struct nv){"InheritanceType", "All"};
        if (which == I1_ADD_MBXPERM) {
            p[4] = (struct nv){"AutoMapping", "False"};
        } else {
            p[4] = (struct nv){"Confirm", "False"};
        }
        a.np = 5;
        admin_record(g, sec, &a);
        return;
    case I1_ADD_RECIP:
    case I1_REMOVE_RECIP:
        a.op = which == I1_ADD_RECIP ? "Add-RecipientPermission" : "Remove-RecipientPermission";
        a.actor = ita;
        a.ip = ita->ip_office;
        a.object = ceo->upn;
        p[0] = (struct nv){"Identity", ceo->upn};
        p[1] = (struct nv){"Trustee", ryan->upn};
        p[2] = (struct nv){"AccessRights", "SendAs"};
        p[3] = (struct nv){"Confirm", "False"};
        a.np = 4;
        admin_record(g, sec, &a);
        return;
    case I1_FOLDERBIND:
    case I1_MIA:
    case I1_MIA2:
    case I1_SENDAS: {
        struct mbx m;
        memset(&m, 0, sizeof(m));
        m.actor = ryan;
        m.owner = ceo;
        m.utype = 0;
        m.logon = 2;
        m.client = C_OWA;
        m.ip = ryan->ip_office;
        if (which == I1_FOLDERBIND) {
            item_group(g, sec, "FolderBind", &m, F_INBOX, -1, 0);
        } else if (which == I1_MIA) {
            int f = F_INBOX, n = 3;
            mia_record(g, sec, &m, &f, 1, &n, false, ceo_subjects);
        } else if (which == I1_MIA2) {
            int f[2] = {F_BOARD, F_SENT}, n[2] = {2, 1};
            mia_record(g, sec, &m, f, 2, n, false, ceo_subjects + 3);
        } else {
            mbx_begin(g, sec, "SendAs", 2, &m);
            PUTL(w, ",\"SendAsUserSmtp\":");
            put_js(w, ceo->upn);
            PUTL(w, ",\"SendAsUserMailboxGuid\":\"");
            putz(w, ceo->mbx);
            PUTL(w, "\",\"Item\":{\"Id\":");
            put_item_id(g, ceo, F_SENT);
            PUTL(w, ",\"InternetMessageId\":");
            put_msgid(g, ceo);
            PUTL(w, ",\"ParentFolder\":");
            put_folder(g, ceo, F_SENT);
            PUTL(w, ",\"SizeInBytes\":38122,\"Subject\":\"Urgent: updated wire instructions\"}");
            rec_close(g);
        }
        return;
    }
    case I2_SIGNIN:
        aad_login(g, sec, nina, true, "192.0.2.213");
        return;
    case I2_NEW_RULE:
        snprintf(obj, sizeof(obj),
                 "EURPR01A002.prod.outlook.com/Microsoft Exchange Hosted Organizations/%s/%s\\.",
                 g->org, nina->alias);
        a.op = "New-InboxRule";
        a.actor = nina;
        a.utype = 0;
        a.ip = "2001:db8:4a::17";
        a.object = obj;
        a.appid = APPID_EXO; /* Outlook on the web */
        p[0] = (struct nv){"AlwaysDeleteOutlookRulesBlob", "False"};
        p[1] = (struct nv){"Force", "False"};
        p[2] = (struct nv){"SubjectOrBodyContainsWords", "invoice;payment;wire"};
        p[3] = (struct nv){"ForwardTo", "ap-invoices@example.org"};
        p[4] = (struct nv){"MoveToFolder", "RSS Feeds"};
        p[5] = (struct nv){"MarkAsRead", "True"};
        p[6] = (struct nv){"StopProcessingRules", "True"};
        p[7] = (struct nv){"Name", "."};
        a.np = 8;
        admin_record(g, sec, &a);
        return;
    case I2_SET_FWD:
        exo_path(obj, sizeof(obj), g, "finance");
        a.op = "Set-Mailbox";
        a.actor = hd;
        a.ip = hd->ip_office;
        a.object = obj;
        a.resolved = "Finance";
        p[0] = (struct nv){"Identity", g->u[U_FIN].upn};
        p[1] = (struct nv){"ForwardingSmtpAddress", "smtp:finance-reports@example.org"};
        p[2] = (struct nv){"DeliverToMailboxAndForward", "True"};
        a.np = 3;
        mp[0] = (struct modp){"ForwardingSmtpAddress", "smtp:finance-reports@example.org", ""};
        mp[1] = (struct modp){"DeliverToMailboxAndForward", "True", "False"};
        a.m = mp;
        a.nm = 2;
        admin_record(g, sec, &a);
        return;
    case I3_BYPASS:
        exo_path(obj, sizeof(obj), g, "svc.backup");
        a.op = "Set-MailboxAuditBypassAssociation";
        a.actor = ita;
        a.ip = ita->ip_home;
        a.object = obj;
        a.resolved = "Backup Service";
        p[0] = (struct nv){"Identity", g->u[U_SVC].upn};
        p[1] = (struct nv){"AuditBypassEnabled", "True"};
        a.np = 2;
        mp[0] = (struct modp){"AuditBypassEnabled", "True", "False"};
        a.m = mp;
        a.nm = 1;
        admin_record(g, sec, &a);
        return;
    case I4_AUDIT_OFF:
    default:
        exo_path(obj, sizeof(obj), g, "cfo");
        a.op = "Set-Mailbox";
        a.actor = hd;
        a.ip = hd->ip_office;
        a.object = obj;
        a.resolved = g->u[U_CFO].display;
        p[0] = (struct nv){"Identity", g->u[U_CFO].upn};
        p[1] = (struct nv){"AuditEnabled", "False"};
        a.np = 2;
        mp[0] = (struct modp){"AuditEnabled", "False", "True"};
        a.m = mp;
        a.nm = 1;
        admin_record(g, sec, &a);
        return;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Driver                                                                                      */

void xa_gen_opts_init(struct xa_gen_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->records = 10000;
    o->format = XA_GEN_JSONL;
    o->start = xa_days_from_civil(2026, 10, 1) * 86400LL * 1000000LL; /* 2026-10-01T00:00:00Z */
    o->span = 30LL * 86400 * 1000000;
    o->tenant_id = NULL;
    o->domain = NULL;
}

static xa_rc flush(struct gen *g, FILE *out, struct xa_diag *diag)
{
    struct gw *w = &g->w;
    if (w->err)
        return xa_diag_set(diag, w->err, "generate: %s", xa_rc_str(w->err));
    if (w->b.len && fwrite(w->b.data, 1, w->b.len, out) != w->b.len)
        return xa_diag_set(diag, XA_ERR_IO, "generate: write failed");
    w->b.len = 0;
    return XA_OK;
}

xa_rc xa_gen_write(const struct xa_gen_opts *o, FILE *out, struct xa_diag *diag)
{
    xa_rc rc = XA_OK;
    struct gen g;
    memset(&g, 0, sizeof(g));
    xa_buf_init(&g.w.b, 0);
    if (!o || !out)
        return xa_diag_set(diag, XA_ERR_INVALID, "generate: missing options or output");
    if (o->format != XA_GEN_JSONL && o->format != XA_GEN_BLOB)
        return xa_diag_set(diag, XA_ERR_INVALID, "generate: unknown format %d", (int)o->format);
    const int64_t max_us = 253402300799LL * 1000000; /* 9999-12-31T23:59:59 */
    g.o = o;
    g.span = o->span;
    g.start = o->start;
    if (g.span < 1000000 || g.span > max_us)
        return xa_diag_set(diag, XA_ERR_INVALID, "generate: span must be at least one second");
    if (g.start == XA_TIME_NONE)
        g.start = (xa_time_now() - g.span) / 1000000 * 1000000;
    if (g.start < 0 || g.start > max_us - g.span)
        return xa_diag_set(diag, XA_ERR_INVALID, "generate: start out of range (1970..9999)");
    g.first = true;
    for (int i = 0; i < B_COUNT; i++)
        g.bg_total += bg_weight[i];
    g.hs = mix(o->seed ^ 0x6578616f61756469ULL);
    rng_seed(&g.r, o->seed);
    if ((rc = build_tenant(&g, diag)) || (rc = build_bins(&g, diag)))
        goto out;
    if ((rc = xa_buf_reserve(&g.w.b, FLUSH_AT + 65536))) {
        xa_diag_set(diag, rc, "generate: out of memory");
        goto out;
    }

    /* Incidents: the first K by priority, emitted in (time, priority) order. */
    size_t nk = o->records < I_COUNT ? (size_t)o->records : I_COUNT;
    int order[I_COUNT];
    int64_t isec[I_COUNT];
    for (size_t i = 0; i < nk; i++) {
        order[i] = (int)i;
        int64_t k = inc_k[i];
        isec[i] = (g.start + (g.span / INC_UNITS) * k + (g.span % INC_UNITS) * k / INC_UNITS) /
                  1000000;
    }
    for (size_t i = 1; i < nk; i++) { /* insertion sort by time, then priority */
        int v = order[i];
        size_t j = i;
        while (j > 0 && (isec[order[j - 1]] > isec[v] ||
                         (isec[order[j - 1]] == isec[v] && order[j - 1] > v))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }

    uint64_t nb = o->records - nk;
    size_t ii = 0;
    for (uint64_t i = 0; i < nb;) {
        int64_t sec = bg_time(&g, i, nb) / 1000000;
        while (ii < nk && isec[order[ii]] <= sec) {
            emit_incident(&g, isec[order[ii]], (enum inc)order[ii]);
            ii++;
        }
        emit_background(&g, sec);
        i++;
        if (i < nb && rchance(&g.r, DUP_RATE)) {
            rec_dup(&g);
            i++;
        }
        if (g.w.b.len >= FLUSH_AT && (rc = flush(&g, out, diag)))
            goto out;
    }
    for (; ii < nk; ii++)
        emit_incident(&g, isec[order[ii]], (enum inc)order[ii]);
    if (o->format == XA_GEN_BLOB) {
        if (g.first)
            putch(&g.w, '[');
        PUTL(&g.w, "]\n");
    }
    if ((rc = flush(&g, out, diag)))
        goto out;
    if (fflush(out) != 0) {
        rc = xa_diag_set(diag, XA_ERR_IO, "generate: write failed");
        goto out;
    }
out:
    xa_buf_release(&g.w.b);
    free(g.u);
    free(g.hum);
    free(g.cum);
    return rc;
}
