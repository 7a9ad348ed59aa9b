#include <config.h>
#include "pmd-config/pmdintent.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "openvswitch/dynamic-string.h"
#include "pmd-config/pmdkeys.h"
#include "util.h"

void
pmdintent_init(struct pmdintent *in)
{
    memset(in, 0, sizeof *in);
    in->mode = PMDINTENT_SHARED;
    in->mtu = 1500;
    in->dpdk = -1;
    in->pin_rxqs = -1;
    in->max_sleep_us = 1000;
    in->root = xstrdup("/");
    smap_init(&in->overrides);
}

void
pmdintent_destroy(struct pmdintent *in)
{
    for (size_t i = 0; i < in->n_nics; i++) {
        free(in->nics[i].name);
        free(in->nics[i].port);
    }
    free(in->nics);
    free(in->ovs_version);
    free(in->held_socket_mem);
    free(in->root);
    smap_destroy(&in->overrides);
    memset(in, 0, sizeof *in);
}

struct field;

/* A setting's parser: NULL when 'v' was taken, else what is wrong. */
typedef const char *setter(struct pmdintent *, const char *v,
                           const struct field *);

struct field {
    const char *name;
    setter *set;
    size_t offset;
    int min, max;               /* set_int, set_bool (min -1: "auto") */
    const char *const *words;   /* set_word: the values, by index */
};

static int *
member_int(struct pmdintent *in, const struct field *f)
{
    return (int *) ((char *) in + f->offset);
}

static char **
member_str(struct pmdintent *in, const struct field *f)
{
    return (char **) ((char *) in + f->offset);
}

static const char *
set_int(struct pmdintent *in, const char *v, const struct field *f)
{
    int n;

    if (!str_to_int(v, 10, &n) || n < f->min || n > f->max) {
        return "out of range";
    }
    *member_int(in, f) = n;
    return NULL;
}

/* "false"/"true" (and for tri-states "auto") into 0, 1 (or -1). */
static const char *
set_bool(struct pmdintent *in, const char *v, const struct field *f)
{
    int n = (!strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0
             : !strcmp(v, "auto") && f->min < 0 ? -1 : -2);

    if (n == -2) {
        return f->min < 0 ? "expected true, false or auto"
                          : "expected true or false";
    }
    *member_int(in, f) = n;
    return NULL;
}

/* One of the field's words, as its index. */
static const char *
set_word(struct pmdintent *in, const char *v, const struct field *f)
{
    for (int i = 0; f->words[i]; i++) {
        if (!strcmp(v, f->words[i])) {
            *member_int(in, f) = i;
            return NULL;
        }
    }
    return "expected one of its words";
}

static const char *
set_hugepage(struct pmdintent *in, const char *v, const struct field *f)
{
    static const struct { const char *name; int kb; } sizes[] = {
        { "auto", 0 }, { "2MB", 2048 }, { "2M", 2048 },
        { "1GB", 1024 * 1024 }, { "1G", 1024 * 1024 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        if (!strcmp(v, sizes[i].name)) {
            *member_int(in, f) = sizes[i].kb;
            return NULL;
        }
    }
    return "expected 2MB, 1GB or auto";
}

static const char *
set_nic(struct pmdintent *in, const char *v, const struct field *f OVS_UNUSED)
{
    const char *eq = strchr(v, '=');
    size_t len = eq ? (size_t) (eq - v) : strlen(v);

    if (!len || len >= 64 || (eq && !eq[1]) || strchr(v, '/')) {
        return "expected NAME or NAME=PORT (an interface or PCI address, "
               "and its OVS interface)";
    }
    in->nics = xrealloc(in->nics, (in->n_nics + 1) * sizeof *in->nics);
    struct pmdintent_nic *nic = &in->nics[in->n_nics++];
    nic->name = xmemdup0(v, len);
    nic->port = xstrdup(eq ? eq + 1 : nic->name);
    return NULL;
}

static const char *
set_reserved(struct pmdintent *in, const char *v,
             const struct field *f OVS_UNUSED)
{
    if (cpuset_parse_list(v, &in->reserved)) {
        return "expected a CPU list such as 0-1,16-17";
    }
    in->has_reserved = true;
    return NULL;
}

static const char *
set_string(struct pmdintent *in, const char *v, const struct field *f)
{
    if (!*v) {
        return "needs a value";
    }
    free(*member_str(in, f));
    *member_str(in, f) = xstrdup(v);
    return NULL;
}

/* "KEY=VALUE" of a planned key (pmdkeys.h). */
static const char *
set_override(struct pmdintent *in, const char *v,
             const struct field *f OVS_UNUSED)
{
    const char *eq = strchr(v, '=');
    char *name = eq ? xmemdup0(v, eq - v) : NULL, *port = NULL;
    const struct pmdkey *k = name ? pmdkey_parse(name, &port) : NULL;

    free(port);
    if (!k || !eq[1]) {
        free(name);
        return ("expected KEY=VALUE with a key a plan gives (pmd-cpu-mask, "
                "dpdk-socket-mem, ..., PORT/n_rxq, PORT/pmd-rxq-affinity)");
    }
    smap_replace(&in->overrides, name, eq + 1);
    free(name);
    return NULL;
}

#define OFF(MEMBER) offsetof(struct pmdintent, MEMBER)
#define WORDS(...) ((const char *const[]) { __VA_ARGS__, NULL })

static const struct field fields[] = {
    { "intent", set_word, OFF(mode), 0, 0, WORDS("shared", "dedicated") },
    { "nics", set_nic, 0, 0, 0, NULL },
    { "pmdsPerNode", set_int, OFF(pmds_per_node), 0, 256, NULL },
    { "siblings", set_word, OFF(siblings), 0, 0, WORDS("pmd", "idle") },
    { "rxqs", set_int, OFF(rxqs), 0, 256, NULL },
    { "mtu", set_int, OFF(mtu), 68, 9710, NULL },
    { "vhostPorts", set_int, OFF(vhost_ports), 0, 4096, NULL },
    { "afxdpPorts", set_int, OFF(afxdp_ports), 0, 4096, NULL },
    { "memoryModel", set_word, OFF(memory), 0, 0,
      WORDS("shared", "per-port") },
    { "hugepageSize", set_hugepage, OFF(hugepage_kb), 0, 0, NULL },
    { "dpdk", set_bool, OFF(dpdk), -1, 1, NULL },
    { "pinRxqs", set_bool, OFF(pin_rxqs), -1, 1, NULL },
    /* OVS's own bounds of pmd-maxsleep. */
    { "maxSleepUs", set_int, OFF(max_sleep_us), 1, 10000, NULL },
    { "reservedSystemCPUs", set_reserved, 0, 0, 0, NULL },
    { "ovsVersion", set_string, OFF(ovs_version), 0, 0, NULL },
    { "heldSocketMem", set_string, OFF(held_socket_mem), 0, 0, NULL },
    { "root", set_string, OFF(root), 0, 0, NULL },
    { "set", set_override, 0, 0, 0, NULL },
};

/* "expected A, B or C" for a field of words. */
static char *
expected_words(const struct field *f)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, "expected ");
    for (size_t i = 0; f->words[i]; i++) {
        ds_put_format(&s, "%s%s", !i ? "" : f->words[i + 1] ? ", " : " or ",
                      f->words[i]);
    }
    return ds_steal_cstr(&s);
}

const char *
pmdintent_name(size_t i)
{
    return i < ARRAY_SIZE(fields) ? fields[i].name : NULL;
}

int
pmdintent_set(struct pmdintent *in, const char *name, const char *value,
              char **errp)
{
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        const struct field *f = &fields[i];
        if (!strcmp(f->name, name)) {
            const char *why = f->set(in, value, f);
            char *expected = (!why ? NULL
                              : f->set == set_int
                              ? xasprintf("expected an integer from %d to %d",
                                          f->min, f->max)
                              : f->set == set_word ? expected_words(f)
                              : xstrdup(why));
            if (why) {
                *errp = xasprintf("%s %s: %s", name, value, expected);
            }
            free(expected);
            return why ? -EINVAL : 0;
        }
    }
    *errp = xasprintf("%s: no such setting", name);
    return -EINVAL;
}

/* A JSON scalar as the text pmdintent_set() takes. */
static const char *
json_text(struct json_object *v)
{
    return (json_object_is_type(v, json_type_string)
            ? json_object_get_string(v)
            : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static int
load_member(struct pmdintent *in, const char *name, struct json_object *v,
            char **errp)
{
    int error = 0;

    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; !error && i < json_object_array_length(v); i++) {
            error = pmdintent_set(in, name, json_text(
                                      json_object_array_get_idx(v, i)), errp);
        }
    } else if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach (v, key, value) {
            char *kv = xasprintf("%s=%s", key, json_text(value));
            error = error ? error : pmdintent_set(in, name, kv, errp);
            free(kv);
        }
    } else {
        error = pmdintent_set(in, name, json_text(v), errp);
    }
    return error;
}

int
pmdintent_load(struct pmdintent *in, const char *path, char **errp)
{
    struct json_object *doc = json_object_from_file(path);
    int error = 0;

    *errp = NULL;
    if (!json_object_is_type(doc, json_type_object)) {
        json_object_put(doc);
        const char *why = json_util_get_last_err();
        *errp = xasprintf("%s: %s", path, why ? why : "not a JSON object");
        return -EINVAL;
    }
    json_object_object_foreach (doc, name, value) {
        if (!error) {
            error = load_member(in, name, value, errp);
        }
    }
    json_object_put(doc);
    if (error) {
        char *why = *errp;
        *errp = xasprintf("%s: %s", path, why);
        free(why);
    }
    return error;
}
