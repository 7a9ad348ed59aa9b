#include <config.h>
#include "hwoffload/sysattr.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

char *
sysattr_path(const char *root, const char *rel)
{
    size_t len = strlen(root);

    /* "/" and "/tmp/tree/" must not give "//sys". */
    while (len > 1 && root[len - 1] == '/') {
        len--;
    }
    return xasprintf("%.*s/%s", (int) len, !strcmp(root, "/") ? "" : root,
                     rel);
}

int
sysattr_read(const char *root, const char *rel, char **textp, char **errp)
{
    char *path = sysattr_path(root, rel);
    FILE *f = fopen(path, "r");
    struct ds s = DS_EMPTY_INITIALIZER;
    int error = 0;

    *textp = NULL;
    if (!f) {
        error = -errno;
        if (error != -ENOENT) {
            *errp = xasprintf("%s: %s", path, ovs_strerror(-error));
        }
        free(path);
        return error;
    }
    if (!ds_get_line(&s, f)) {
        *textp = ds_steal_cstr(&s);
    } else if (ferror(f)) {
        /* sysfs answers a read with an error when the driver cannot tell
         * (phys_switch_id without a switch: EOPNOTSUPP). */
        error = -(errno ? errno : EIO);
        *errp = xasprintf("%s: %s", path, ovs_strerror(-error));
    } else {
        *textp = xstrdup("");
    }
    fclose(f);
    ds_destroy(&s);
    free(path);
    return error;
}

char *
sysattr_get(const char *root, const char *rel)
{
    char *text, *err = NULL;

    if (sysattr_read(root, rel, &text, &err) || !*text) {
        free(text);
        text = NULL;
    }
    free(err);
    return text;
}

int
sysattr_read_uint(const char *root, const char *rel, int *valuep,
                  char **errp)
{
    char *text, *path;
    int error = sysattr_read(root, rel, &text, errp);

    if (error == -ENOENT) {
        path = sysattr_path(root, rel);
        *errp = xasprintf("%s: missing", path);
        free(path);
    } else if (!error && (!str_to_int(text, 10, valuep) || *valuep < 0)) {
        path = sysattr_path(root, rel);
        *errp = xasprintf("%s: \"%s\" is not a count", path, text);
        free(path);
        error = -EINVAL;
    }
    free(text);
    return error;
}

int
sysattr_link_name(const char *root, const char *rel, char **namep)
{
    char *path = sysattr_path(root, rel);
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof target - 1);
    int error = n < 0 ? -errno : 0;

    free(path);
    *namep = NULL;
    if (!error) {
        target[n] = '\0';
        const char *slash = strrchr(target, '/');
        *namep = xstrdup(slash ? slash + 1 : target);
    }
    return error;
}

bool
sysattr_exists(const char *root, const char *rel)
{
    char *path = sysattr_path(root, rel);
    bool exists = !access(path, F_OK);

    free(path);
    return exists;
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_, *const *b = b_;
    return strcmp(*a, *b);
}

int
sysattr_list(const char *root, const char *rel, const char *prefix,
             char ***namesp, size_t *np, char **errp)
{
    char *path = sysattr_path(root, rel);
    DIR *d = opendir(path);
    size_t n = 0, allocated = 0;
    char **names = NULL;
    struct dirent *de;

    *namesp = NULL;
    *np = 0;
    if (!d) {
        int error = -errno;
        *errp = xasprintf("%s: %s", path, ovs_strerror(-error));
        free(path);
        return error;
    }
    free(path);
    while ((de = readdir(d))) {
        if (de->d_name[0] != '.'
            && !strncmp(de->d_name, prefix, strlen(prefix))) {
            if (n >= allocated) {
                names = x2nrealloc(names, &allocated, sizeof *names);
            }
            names[n++] = xstrdup(de->d_name);
        }
    }
    closedir(d);
    if (n) {
        qsort(names, n, sizeof *names, compare_names);
    }
    *namesp = names;
    *np = n;
    return 0;
}

void
sysattr_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}
