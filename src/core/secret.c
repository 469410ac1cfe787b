/* secret.c - secret files and wiping (secret.h). */
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void xa_secret_wipe(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
}

void xa_secret_free(char *s)
{
    xa_secret_wipe(s);
    free(s);
}

xa_rc xa_secret_file_read(const char *path, char **out, struct xa_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return xa_diag_set(diag, XA_ERR_CONFIG,
                           "%s: readable by group or others (mode %03o): a secret file must be "
                           "private; run 'chmod 600 %s'",
                           path, (unsigned)(st.st_mode & 0777), path);
    }
    if (st.st_size > 1 << 20) {
        close(fd);
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: larger than 1 MiB", path);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return xa_diag_set(diag, XA_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    if (!n) {
        free(buf);
        return xa_diag_set(diag, XA_ERR_CONFIG, "%s: empty", path);
    }
    *out = buf;
    return XA_OK;
}
