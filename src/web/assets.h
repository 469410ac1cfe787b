/* assets.h - the console's files (web/), embedded at build time by cmake/embed.cmake into
 * a generated web_assets.c. Looked up by exact name only: no file system access. */
#ifndef XA_WEB_ASSETS_H
#define XA_WEB_ASSETS_H

#include <stddef.h>

struct xa_web_asset {
    const char *name;           /* "index.html", "app.js", ... */
    const unsigned char *data;
    size_t len;
};

extern const struct xa_web_asset xa_web_assets[];
extern const size_t xa_web_n_assets;

#endif
