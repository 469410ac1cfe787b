/* windows.h - Windows event (the <Event> XML of wevtutil or of an EVTX record) ->
 * struct xa_event, with the Security account and privilege events of reference 5.3
 * mapped onto who / what / when / where. Also the DOMAIN\user -> UPN mapping shared by
 * the on-premises shapes (admin and mailbox audit reports).
 *
 * Identity: record_id = "winevt:<computer lower-case>:<channel>:<EventRecordID>", the
 * same whether the event comes from an EVTX file or from exported XML, so importing
 * both stores one row. Without an EventRecordID: "winevt:" + a SHA-256 based UUID-like
 * string over provider, event id, time, computer and the event data. Thread-safe. */
#ifndef XA_NORM_WINDOWS_H
#define XA_NORM_WINDOWS_H

#include "core/arena.h"
#include "core/rc.h"
#include "event/event.h"
#include "parse/xml.h"

#include <stdint.h>

struct xa_winevt_opts {
    const char *tenant_id;       /* --tenant; NULL -> "" */
    enum xa_source source;       /* XA_SRC_EVTX or XA_SRC_XML */
    const struct xa_kv *domains; /* identity.domains: NETBIOS name -> DNS domain */
    size_t n_domains;
};

/* Normalise the <Event> element ev_node. raw/raw_len become ev->raw (not copied).
 * Strings are allocated in a. XA_ERR_INVALID (reason in diag) when the element has no
 * System/EventID or no parsable TimeCreated. */
xa_rc xa_norm_winevent(const struct xa_xml_node *ev_node, const char *raw, size_t raw_len,
                       const struct xa_winevt_opts *o, struct xa_arena *a, struct xa_event *ev,
                       struct xa_diag *diag);

/* The UPN of DOMAIN\user (or of a canonical name "dns.domain/OU/.../user") when domain is
 * a NetBIOS name or DNS domain listed in domains: "user@dns.domain" (arena string).
 * NULL when no mapping applies. */
const char *xa_norm_account_upn(const char *account, const struct xa_kv *domains, size_t n,
                                struct xa_arena *a);

/* A stable UUID-like identity (8-4-4-4-12 hex, version 8) from the SHA-256 of data. */
const char *xa_norm_hash_id(const void *data, size_t n, struct xa_arena *a);

#endif
