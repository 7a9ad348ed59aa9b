#include <config.h>
#include "pmd-config/pmdintent.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

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

/* A setting's parser: NULL when 'v' was taken, else what is wrong. */
typedef const char *setter(struct pmdintent *, const char *v, int min,
                           int max, size_t offset);

static int *
member_int(struct pmdintent *in, size_t offset)
{
    return (int *) ((char *) in + offset);
}

static const char *
set_int(struct pmdintent *in, const char *v, int min, int max, size_t off)
{
    int n;

    if (!str_to_int(v, 10, &n) || n < min || n > max) {
        return "out of range";
    }
    *member_int(in, off) = n;
    return NULL;
}

/* "false"/"true" (and for tri-states "auto") into -1, 0 or 1. */
static const char *
set_bool(struct pmdintent *in, const char *v, int min, int max OVS_UNUSED,
         size_t off)
{
    int n = (!strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0
             : !strcmp(v, "auto") && min < 0 ? -1 : -2);

    if (n == -2) {
        return min < 0 ? "expected true, false or auto"
                       : "expected true or false";
    }
    *member_int(in, off) = n;
    return NULL;
}

/* One of the words of a NULL-terminated list, as its index. */
static const char *
set_word(struct pmdintent *in, const char *v, const char *const *words,
         size_t off, const char *expected)
{
    for (int i = 0; words[i]; i++) {
        if (!strcmp(v, words[i])) {
            *member_int(in, off) = i;
            return NULL;
        }
    }
    return expected;
}

static const char *
set_mode(struct pmdintent *in, const char *v, int min OVS_UNUSED,
         int max OVS_UNUSED, size_t off)
{
    static const char *const words[] = { "shared", "dedicated", NULL };
    return set_word(in, v, words, off, "expected shared or dedicated");
}

static const char *
set_siblings(struct pmdintent *in, const char *v, int min OVS_UNUSED,
             int max OVS_UNUSED, size_t off)
{
    static const char *const words[] = { "pmd", "idle", NULL };
    return set_word(in, v, words, off, "expected pmd or idle");
}

static const char *
set_memory(struct pmdintent *in, const char *v, int min OVS_UNUSED,
           int max OVS_UNUSED, size_t off)
{
    static const char *const words[] = { "shared", "per-port", NULL };
    return set_word(in, v, words, off, "expected shared or per-port");
}

static const char *
set_hugepage(struct pmdintent *in, const char *v, int min OVS_UNUSED,
             int max OVS_UNUSED, size_t off)
{
    static const struct { const char *name; int kb; } sizes[] = {
        { "auto", 0 }, { "2MB", 2048 }, { "2M", 2048 },
        { "1GB", 1024 * 1024 }, { "1G", 1024 * 1024 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        if (!strcmp(v, sizes[i].name)) {
            *member_int(in, off) = sizes[i].kb;
            return NULL;
        }
    }
    return "expected 2MB, 1GB or auto";
}

static const char *
set_nic(struct pmdintent *in, const char *v, int min OVS_UNUSED,
        int max OVS_UNUSED, size_t off OVS_UNUSED)
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
set_reserved(struct pmdintent *in, const char *v, int min OVS_UNUSED,
             int max OVS_UNUSED, size_t off OVS_UNUSED)
{
    if (cpuset_parse_list(v, &in->reserved)) {
        return "expected a CPU list such as 0-1,16-17";
    }
    in->has_reserved = true;
    return NULL;
}

static char **
member_str(struct pmdintent *in, size_t offset)
{
    return (char **) ((char *) in + offset);
}

static const char *
set_string(struct pmdintent *in, const char *v, int min OVS_UNUSED,
           int max OVS_UNUSED, size_t off)
{
    if (!*v) {
        return "needs a value";
    }
    free(*member_str(in, off));
    *member_str(in, off) = xstrdup(v);
    return NULL;
}

/* "KEY=VALUE" of a planned key (pmdkeys.h). */
static const char *
set_override(struct pmdintent *in, const char *v, int min OVS_UNUSED,
             int max OVS_UNUSED, size_t off OVS_UNUSED)
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

struct field {
    const char *name;
    setter *set;
    size_t offset;
    int min, max;
};

#define OFF(MEMBER) offsetof(struct pmdintent, MEMBER)

static const struct field fields[] = {
    { "intent", set_mode, OFF(mode), 0, 0 },
    { "nics", set_nic, 0, 0, 0 },
    { "pmdsPerNode", set_int, OFF(pmds_per_node), 0, 256 },
    { "siblings", set_siblings, OFF(siblings), 0, 0 },
    { "rxqs", set_int, OFF(rxqs), 0, 256 },
    { "mtu", set_int, OFF(mtu), 68, 9710 },
    { "vhostPorts", set_int, OFF(vhost_ports), 0, 4096 },
    { "afxdpPorts", set_int, OFF(afxdp_ports), 0, 4096 },
    { "memoryModel", set_memory, OFF(memory), 0, 0 },
    { "hugepageSize", set_hugepage, OFF(hugepage_kb), 0, 0 },
    { "dpdk", set_bool, OFF(dpdk), -1, 1 },
    { "pinRxqs", set_bool, OFF(pin_rxqs), -1, 1 },
    /* OVS's own bounds of pmd-maxsleep. */
    { "maxSleepUs", set_int, OFF(max_sleep_us), 1, 10000 },
    { "reservedSystemCPUs", set_reserved, 0, 0, 0 },
    { "ovsVersion", set_string, OFF(ovs_version), 0, 0 },
    { "heldSocketMem", set_string, OFF(held_socket_mem), 0, 0 },
    { "root", set_string, OFF(root), 0, 0 },
    { "set", set_override, 0, 0, 0 },
};

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
            const char *why = f->set(in, value, f->min, f->max, f->offset);
            if (why && f->set == set_int) {
                *errp = xasprintf("%s %s: expected an integer from %d to %d",
                                  name, value, f->min, f->max);
            } else if (why) {
                *errp = xasprintf("%s %s: %s", name, value, why);
            }
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
