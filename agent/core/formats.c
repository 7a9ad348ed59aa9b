#include <config.h>
#include "agent/core/formats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/atomicfile.h"
#include "dataplane/ovsbridge.h"
#include "util.h"

int
formats_parse(const char *s)
{
    char *end;
    long n;

    if (!s || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    n = strtol(s, &end, 10);
    if (errno || n < 1 || n > 1000 || (*end && strcmp(end, "\n"))) {
        return -1;
    }
    return n;
}

/* What 'found' (a format of 'what') means for an agent that knows up to
 * 'known': 0 when it can read it, else the refusal. */
static int
check_number(const char *what, const char *where, const char *text,
             int known, char **errp)
{
    int found = text ? formats_parse(text) : 1;

    if (found < 0) {
        *errp = xasprintf("%s: %s format \"%s\" is not a format number",
                          where, what, text);
        return -EPROTONOSUPPORT;
    }
    if (found > known) {
        *errp = xasprintf("%s: %s format %d is newer than this agent's "
                          "(%d): it was left by a later Seine; run that "
                          "release or later (downgrades are not supported)",
                          where, what, found, known);
        return -EPROTONOSUPPORT;
    }
    return 0;
}

static char *
read_small_file(const char *path, int *errorp)
{
    char buf[32];
    FILE *f = fopen(path, "r");
    size_t n;

    *errorp = 0;
    if (!f) {
        *errorp = errno == ENOENT ? 0 : -errno;
        return NULL;
    }
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return xstrdup(buf);
}

static int
write_number(const char *path, int number)
{
    char text[16];

    snprintf(text, sizeof text, "%d\n", number);
    return atomicfile_write(path, text, 0600);
}

int
formats_check_state(const char *state_dir, char **errp)
{
    char *path = xasprintf("%s/format", state_dir);
    int error;
    char *text = read_small_file(path, &error);

    *errp = NULL;
    if (error) {
        *errp = xasprintf("%s: %s", path, ovs_strerror(-error));
    } else {
        error = check_number("state", path, text, FORMATS_STATE, errp);
    }
    if (!error && (!text || formats_parse(text) != FORMATS_STATE)) {
        error = write_number(path, FORMATS_STATE);
        if (error) {
            *errp = xasprintf("%s: %s", path, ovs_strerror(-error));
        }
    }
    free(text);
    free(path);
    return error;
}

int
formats_check_cookies(struct ovsbridge *br, char **errp)
{
    const char *text = ovsbridge_get_setting(br, OVSBRIDGE_OVS_EXTERNAL_IDS,
                                             NULL, FORMATS_COOKIE_KEY);
    char value[16];
    int error;

    *errp = NULL;
    error = check_number("cookie", "Open_vSwitch external_ids:"
                         FORMATS_COOKIE_KEY, text, FORMATS_COOKIE, errp);
    if (error || (text && formats_parse(text) == FORMATS_COOKIE)) {
        return error;
    }
    snprintf(value, sizeof value, "%d", FORMATS_COOKIE);
    struct ovsbridge_setting s = {
        .column = OVSBRIDGE_OVS_EXTERNAL_IDS,
        .key = FORMATS_COOKIE_KEY,
        .value = value,
    };
    error = ovsbridge_configure(br, &s, 1);
    if (error) {
        *errp = xasprintf("Open_vSwitch external_ids:%s: %s",
                          FORMATS_COOKIE_KEY, ovs_strerror(-error));
    }
    return error;
}
