#include <config.h>
#include "tests/unit/policy-fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/cluster-fixture.h"
#include "dataplane/flowtab.h"
#include "openvswitch/dynamic-string.h"

/* "k=v,k2=v2" as JSON members. */
static char *
labels_json(const char *labels)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *copy = xstrdup(labels), *save = NULL;

    for (char *kv = strtok_r(copy, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');

        if (!eq) {
            fail_msg("bad labels '%s'", labels);
        }
        *eq = '\0';
        ds_put_format(&s, "%s'%s':'%s'", s.length ? "," : "", kv, eq + 1);
    }
    free(copy);
    return ds_steal_cstr(&s);
}

/* "http:8080,dns:53/UDP" as JSON container ports. */
static char *
ports_json(const char *ports)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *copy = xstrdup(ports ? ports : ""), *save = NULL;

    for (char *port = strtok_r(copy, ",", &save); port;
         port = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(port, ':');
        char *slash = strchr(port, '/');

        if (!colon) {
            fail_msg("bad ports '%s'", ports);
        }
        *colon = '\0';
        if (slash) {
            *slash = '\0';
        }
        ds_put_format(&s, "%s{'name':'%s','containerPort':%s",
                      s.length ? "," : "", port, colon + 1);
        if (slash) {
            ds_put_format(&s, ",'protocol':'%s'", slash + 1);
        }
        ds_put_char(&s, '}');
    }
    free(copy);
    return ds_steal_cstr(&s);
}

/* Applies one line of a table (policy-fixture.h), split into 'f'. */
static void
apply_line(struct cluster *c, char **f, size_t n)
{
    char *labels, *ports;

    if (n == 3 && !strcmp(f[0], "ns")) {
        labels = labels_json(f[2]);
        add_ns(c, f[1], labels);
        free(labels);
    } else if ((n == 6 || n == 7) && !strcmp(f[0], "pod")) {
        labels = labels_json(f[5]);
        ports = ports_json(n == 7 ? f[6] : NULL);
        add_pod(c, f[1], f[2], f[3], f[4], labels, ports);
        free(labels);
        free(ports);
    } else {
        fail_msg("bad fixture line starting '%s'", n ? f[0] : "");
    }
}

struct cluster *
policy_fixture_cluster(const char *table)
{
    struct cluster *c = cluster_create();
    char *copy = xstrdup(table), *lines = NULL;

    for (char *line = strtok_r(copy, "\n", &lines); line;
         line = strtok_r(NULL, "\n", &lines)) {
        char *f[8], *words = NULL;
        size_t n = 0;

        for (char *w = strtok_r(line, " ", &words); w && n < 8;
             w = strtok_r(NULL, " ", &words)) {
            f[n++] = w;
        }
        apply_line(c, f, n);
    }
    free(copy);
    policy_fixture_take_changes(c);
    return c;
}

void
policy_fixture_refused(struct cluster *c, const char *text,
                       const char *expected)
{
    struct json_object *obj = json(text);
    char *err = NULL;

    assert_int_equal(cluster_apply(c, obj, &err), -EINVAL);
    assert_string_equal(err, expected);
    free(err);
    json_object_put(obj);
}

size_t
policy_fixture_take_changes(struct cluster *c)
{
    struct cluster_change *changes;
    size_t n;

    cluster_take_changes(c, &changes, &n);
    cluster_changes_free(changes, n);
    return n;
}

char *
policy_fixture_resolve_text(
    const struct rulebook_class *cls,
    void (*format)(const struct rulebook_result *, struct ds *),
    const struct cluster *c, const char *node)
{
    struct rulebook_result r;
    struct ds s = DS_EMPTY_INITIALIZER;

    rulebook_resolve(cls, c, node, NULL, 0, &r);
    format(&r, &s);
    rulebook_result_destroy(&r);
    return ds_steal_cstr(&s);
}

char *
policy_fixture_flows(const struct flowtab *ft)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    flowtab_format_desired(ft, 0, &s);
    return ds_steal_cstr(&s);
}

void
policy_fixture_assert_has(const char *flows, const char *flow)
{
    if (!strstr(flows, flow)) {
        fail_msg("missing flow '%s' in:\n%s", flow, flows);
    }
}
