/* secret.h - secrets kept in files (client secrets, database passwords): read only from a
 * private file, wiped from memory when released. Never logged by anything that calls these. */
#ifndef XA_CORE_SECRET_H
#define XA_CORE_SECRET_H

#include "core/rc.h"

/* Read a secret from a file: refused unless the file is a regular file not readable by
 * group or others (mode & 077 == 0), at most 1 MiB and not empty. Trailing line ends and
 * spaces are trimmed. *out is malloc'd (release it with xa_secret_free). */
xa_rc xa_secret_file_read(const char *path, char **out, struct xa_diag *diag);

/* Overwrite a NUL-terminated secret with zeros (NULL: nothing). */
void xa_secret_wipe(char *s);
/* Wipe, then free. */
void xa_secret_free(char *s);

#endif
