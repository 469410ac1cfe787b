/* ip.c - ClientIP / ClientIPAddress / ActorIP spellings -> canonical IP + port.
 *
 * Accepted forms (reference 2.1): "1.2.3.4", "1.2.3.4:port", "[1.2.3.4]:port",
 * "::ffff:1.2.3.4" (also bracketed, with port), "[2001:db8::1]:port", "[2001:db8::1]",
 * bare IPv6. Everything is validated with inet_pton and re-rendered with inet_ntop, so
 * the result is canonical (lower-case, compressed IPv6; IPv4-mapped IPv6 -> IPv4).
 * Host names, "localhost", empty strings, bad ports and anything else give ip NULL and
 * port 0: nothing unvalidated is ever stored. */
#include "norm/norm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#define MAX_IP_TEXT 64 /* longest textual address we accept (with zone-less IPv6) */

/* Parse a decimal port 0..65535 from s[0..n); -1 when not a valid port. */
static int parse_port(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return -1;
    int p = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        p = p * 10 + (s[i] - '0');
    }
    return p <= 65535 ? p : -1; /* ":0" = no port, the address still counts */
}

/* Validate s[0..n) as an IPv4 or IPv6 address and write the canonical text to out
 * (INET6_ADDRSTRLEN bytes). Returns 1 on success. */
static int canon_ip(const char *s, size_t n, char *out)
{
    char tmp[MAX_IP_TEXT];
    if (n == 0 || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    struct in_addr a4;
    struct in6_addr a6;
    if (memchr(tmp, ':', n) == NULL) {
        if (inet_pton(AF_INET, tmp, &a4) != 1)
            return 0;
        return inet_ntop(AF_INET, &a4, out, INET6_ADDRSTRLEN) != NULL;
    }
    if (inet_pton(AF_INET6, tmp, &a6) != 1)
        return 0;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        memcpy(&a4, &a6.s6_addr[12], 4);
        return inet_ntop(AF_INET, &a4, out, INET6_ADDRSTRLEN) != NULL;
    }
    return inet_ntop(AF_INET6, &a6, out, INET6_ADDRSTRLEN) != NULL;
}

void xa_norm_client_ip(const char *s, struct xa_arena *a, const char **ip, int *port)
{
    *ip = NULL;
    *port = 0;
    if (!s)
        return;
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n == 0 || n >= MAX_IP_TEXT + 8)
        return;

    const char *host = s;
    size_t hlen = n;
    int p = 0;
    if (s[0] == '[') {
        /* "[addr]" or "[addr]:port" */
        const char *close = memchr(s, ']', n);
        if (!close)
            return;
        host = s + 1;
        hlen = (size_t)(close - host);
        size_t rest = n - (size_t)(close - s) - 1;
        if (rest) {
            if (close[1] != ':' || (p = parse_port(close + 2, rest - 1)) < 0)
                return;
        }
    } else {
        const char *c1 = memchr(s, ':', n);
        if (c1 && memchr(c1 + 1, ':', n - (size_t)(c1 - s) - 1) == NULL) {
            /* exactly one colon: "a.b.c.d:port" (IPv6 has at least two) */
            hlen = (size_t)(c1 - s);
            if ((p = parse_port(c1 + 1, n - hlen - 1)) < 0)
                return;
            if (memchr(s, '.', hlen) == NULL) /* "host:80" without dots is no IPv4 */
                return;
        }
    }
    char out[INET6_ADDRSTRLEN];
    if (!canon_ip(host, hlen, out))
        return;
    const char *dup = xa_arena_strdup(a, out);
    if (!dup)
        return;
    *ip = dup;
    *port = p;
}
