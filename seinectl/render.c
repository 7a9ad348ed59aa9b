#include <config.h>
#include "seinectl/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "seinectl/table.h"
#include "util.h"

const char *
render_cell(struct json_object *v)
{
    if (!v) {
        return NULL;
    }
    return json_object_get_type(v) == json_type_string
           ? json_object_get_string(v)
           : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN
                                                | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static struct json_object *
get(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    json_object_object_get_ex(obj, key, &v);
    return v;
}

static const char *
cell(struct json_object *obj, const char *key)
{
    return render_cell(get(obj, key));
}

/* One row per item, each column the item's field of the same index. */
struct layout {
    const char *kind;
    const char *const *headers;
    size_t n_cols;
    const char *const *fields;  /* item fields, one per column */
    /* Adds the rows of one item (NULL: one row of 'fields'). */
    void (*rows)(struct table *, struct json_object *item);
};

/* "NS/NAME" of an item; 'buf' keeps it. */
static const char *
ns_name(struct json_object *item, struct ds *buf)
{
    const char *ns = cell(item, "namespace");
    ds_clear(buf);
    ds_put_format(buf, "%s%s%s", ns ? ns : "", ns ? "/" : "",
                  cell(item, "name") ? cell(item, "name") : "");
    return ds_cstr(buf);
}

static void
join_addrs(struct json_object *addrs, struct ds *out)
{
    for (size_t i = 0; i < json_object_array_length(addrs); i++) {
        struct json_object *a = json_object_array_get_idx(addrs, i);
        ds_put_format(out, "%s%s:%s", i ? "," : "", cell(a, "ip"),
                      cell(a, "port"));
    }
}

static void
service_rows(struct table *t, struct json_object *s)
{
    struct ds name = DS_EMPTY_INITIALIZER, fe = DS_EMPTY_INITIALIZER;
    struct ds ep = DS_EMPTY_INITIALIZER;
    const char *ext = json_object_get_boolean(get(s, "external")) ? "ext" : "";

    join_addrs(get(s, "frontends"), &fe);
    join_addrs(get(s, "endpoints"), &ep);
    table_add_row(t, (const char *const[]) {
        ns_name(s, &name), cell(s, "port"), cell(s, "protocol"), ext,
        cell(s, "groupId"), ds_cstr(&fe), ds_cstr(&ep), cell(s, "flows") });
    ds_destroy(&name);
    ds_destroy(&fe);
    ds_destroy(&ep);
}

static const char *
count(struct json_object *array, struct ds *buf)
{
    ds_clear(buf);
    ds_put_format(buf, "%zu", array ? json_object_array_length(array) : 0);
    return ds_cstr(buf);
}

static void
join_strings(struct json_object *array, struct ds *out)
{
    for (size_t i = 0; array && i < json_object_array_length(array); i++) {
        ds_put_format(out, "%s%s", i ? "," : "",
                      render_cell(json_object_array_get_idx(array, i)));
    }
}

static void
join_ports(struct json_object *ports, struct ds *out)
{
    for (size_t i = 0; ports && i < json_object_array_length(ports); i++) {
        struct json_object *p = json_object_array_get_idx(ports, i);
        const char *port = cell(p, "port"), *end = cell(p, "endPort");

        ds_put_format(out, "%s%s/%s", i ? "," : "", cell(p, "protocol"),
                      !strcmp(port, "0") ? "any" : port);
        if (strcmp(end, port)) {
            ds_put_format(out, "-%s", end);
        }
    }
}

static void
rule_row(struct table *t, const char *policy, struct json_object *r)
{
    struct ds pods = DS_EMPTY_INITIALIZER, peers = DS_EMPTY_INITIALIZER;
    struct ds ports = DS_EMPTY_INITIALIZER;

    if (json_object_get_boolean(get(r, "anyPeer"))) {
        ds_put_cstr(&peers, "any");
    }
    join_strings(get(r, "peers"), &peers);
    if (json_object_get_boolean(get(r, "anyPort"))) {
        ds_put_cstr(&ports, "any");
    }
    join_ports(get(r, "ports"), &ports);
    table_add_row(t, (const char *const[]) {
        policy, cell(r, "direction"), cell(r, "action"), cell(r, "tableName"),
        count(get(r, "pods"), &pods), ds_cstr(&peers), ds_cstr(&ports),
        cell(r, "flows"), cell(r, "packets") });
    ds_destroy(&pods);
    ds_destroy(&peers);
    ds_destroy(&ports);
}

static void
policy_rows(struct table *t, struct json_object *p)
{
    struct ds name = DS_EMPTY_INITIALIZER;
    struct json_object *rules = get(p, "rules");
    size_t n = rules ? json_object_array_length(rules) : 0;

    ds_put_format(&name, "%s:", !strcmp(cell(p, "kind"), "NetworkPolicy")
                                ? "np" : "cnp");
    ds_put_cstr(&name, cell(p, "namespace") ? cell(p, "namespace") : "");
    ds_put_format(&name, "%s%s", cell(p, "namespace") ? "/" : "",
                  cell(p, "name"));
    for (size_t i = 0; i < n; i++) {
        rule_row(t, ds_cstr(&name), json_object_array_get_idx(rules, i));
    }
    if (!n) {
        table_add_row(t, (const char *const[]) {
            ds_cstr(&name), NULL, NULL, NULL, "0", NULL, NULL, "0", NULL });
    }
    ds_destroy(&name);
}

static void
pod_rows(struct table *t, struct json_object *p)
{
    struct ds ip = DS_EMPTY_INITIALIZER;

    ds_put_format(&ip, "%s/%s", cell(p, "ip"), cell(p, "prefixLength"));
    if (json_object_object_get_ex(p, "ip6", NULL)) {
        ds_put_format(&ip, ",%s/%s", cell(p, "ip6"), cell(p, "prefixLength6"));
    }
    table_add_row(t, (const char *const[]) {
        cell(p, "namespace"), cell(p, "name"), cell(p, "ifname"),
        cell(p, "type"), cell(p, "portName"), cell(p, "ofport"), ds_cstr(&ip),
        cell(p, "mac"), cell(p, "linkState"), cell(p, "flows") });
    ds_destroy(&ip);
}

static void
flow_rows(struct table *t, struct json_object *f)
{
    struct ds table = DS_EMPTY_INITIALIZER;

    ds_put_format(&table, "%s", cell(f, "table"));
    if (cell(f, "tableName")) {
        ds_put_format(&table, "(%s)", cell(f, "tableName"));
    }
    table_add_row(t, (const char *const[]) {
        ds_cstr(&table), cell(f, "priority"), cell(f, "match"),
        cell(f, "actions") });
    ds_destroy(&table);
}

static void
port_rows(struct table *t, struct json_object *p)
{
    struct json_object *s = get(p, "statistics");

    table_add_row(t, (const char *const[]) {
        cell(p, "name"), cell(p, "type"), cell(p, "ofport"),
        cell(p, "linkState"), cell(s, "rxPackets"), cell(s, "rxBytes"),
        cell(s, "rxDropped"), cell(s, "rxErrors"), cell(s, "txPackets"),
        cell(s, "txBytes"), cell(s, "txDropped"), cell(s, "txErrors") });
}

static void
pmd_rows(struct table *t, struct json_object *p)
{
    struct json_object *s = get(p, "stats");
    struct ds rxqs = DS_EMPTY_INITIALIZER;
    struct json_object *list = get(p, "rxqs");

    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *q = json_object_array_get_idx(list, i);
        ds_put_format(&rxqs, "%s%s:%s", i ? "," : "", cell(q, "port"),
                      cell(q, "queueId"));
    }
    table_add_row(t, (const char *const[]) {
        cell(p, "thread"), cell(p, "numaId"), cell(p, "coreId"),
        cell(s, "packetsReceived"), cell(s, "emcHits"), cell(s, "smcHits"),
        cell(s, "megaflowHits"), cell(s, "missWithSuccessUpcall"),
        cell(s, "processingCyclesPercent"), ds_cstr(&rxqs) });
    ds_destroy(&rxqs);
}

/* What an observation names: its policy and rule, the endpoint chosen,
 * the pod delivered to, the tunnel's far end, or why. */
static void
observation_detail(struct json_object *o, struct ds *d)
{
    struct json_object *p = get(o, "policy");
    struct ds buf = DS_EMPTY_INITIALIZER;

    if (p) {
        ds_put_format(d, "%s %s", cell(p, "kind"), ns_name(p, &buf));
        if (cell(p, "rule")) {
            ds_put_format(d, ", %s", cell(p, "rule"));
        }
        if (cell(p, "ruleName")) {
            ds_put_format(d, " (%s)", cell(p, "ruleName"));
        }
    } else if (cell(o, "translatedDstIP")) {
        ds_put_format(d, "%s -> %s:%s", cell(o, "service") ? cell(o, "service")
                      : "?", cell(o, "translatedDstIP"),
                      cell(o, "translatedDstPort"));
    } else if (cell(o, "pod")) {
        ds_put_format(d, "pod %s", cell(o, "pod"));
    } else if (cell(o, "tunnelDstIP")) {
        ds_put_format(d, "node %s (%s)", cell(o, "node") ? cell(o, "node")
                      : "?", cell(o, "tunnelDstIP"));
    }
    if (cell(o, "componentInfo")) {
        ds_put_format(d, "%s%s", d->length ? "; " : "",
                      cell(o, "componentInfo"));
    }
    ds_destroy(&buf);
}

static void
trace_rows(struct table *t, struct json_object *tr)
{
    struct json_object *nodes = get(tr, "nodes");
    struct ds detail = DS_EMPTY_INITIALIZER, table = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
        struct json_object *n = json_object_array_get_idx(nodes, i);
        struct json_object *obs = get(n, "observations");
        for (size_t j = 0; obs && j < json_object_array_length(obs); j++) {
            struct json_object *o = json_object_array_get_idx(obs, j);
            ds_clear(&detail);
            ds_clear(&table);
            observation_detail(o, &detail);
            if (cell(o, "table")) {
                ds_put_format(&table, "%s(%s)", cell(o, "table"),
                              cell(o, "tableName"));
            }
            table_add_row(t, (const char *const[]) {
                cell(n, "node"), cell(o, "component"), cell(o, "action"),
                ds_cstr(&table), ds_cstr(&detail) });
        }
    }
    table_add_row(t, (const char *const[]) { "", "Result",
                                             cell(tr, "result"), "", "" });
    ds_destroy(&detail);
    ds_destroy(&table);
}

#define COLS(...) (const char *const[]) { __VA_ARGS__ }, \
    ARRAY_SIZE(((const char *const[]) { __VA_ARGS__ }))

static const struct layout layouts[] = {
    { "PodList", COLS("NAMESPACE", "NAME", "IFNAME", "TYPE", "PORT", "OFPORT",
                      "IP", "MAC", "LINK", "FLOWS"), NULL, pod_rows },
    { "PolicyList", COLS("POLICY", "DIRECTION", "ACTION", "TABLE", "PODS",
                         "PEERS", "PORTS", "FLOWS", "PACKETS"), NULL,
      policy_rows },
    { "ServiceList", COLS("SERVICE", "PORT", "PROTOCOL", "EXT", "GROUP",
                          "FRONTENDS", "ENDPOINTS", "FLOWS"), NULL,
      service_rows },
    { "FlowList", COLS("TABLE", "PRIORITY", "MATCH", "ACTIONS"), NULL,
      flow_rows },
    { "PortList", COLS("NAME", "TYPE", "OFPORT", "LINK", "RX-PKTS", "RX-BYTES",
                       "RX-DROP", "RX-ERR", "TX-PKTS", "TX-BYTES", "TX-DROP",
                       "TX-ERR"), NULL, port_rows },
    { "PMDList", COLS("THREAD", "NUMA", "CORE", "PACKETS", "EMC-HITS",
                      "SMC-HITS", "MEGAFLOW-HITS", "UPCALLS", "PROC-%",
                      "RXQS"), NULL, pmd_rows },
    { "OffloadFlowList", COLS("OFFLOADED", "DP", "PACKETS", "MATCH",
                              "ACTIONS"),
      (const char *const[]) { "offloaded", "dp", "packets", "match",
                              "actions" }, NULL },
    { "NodeList", COLS("NAME", "POD-CIDR", "INTERNAL-IP", "LOCAL", "ROUTED",
                       "TRANSPORT", "UPLINK", "UPLINK-TYPE"),
      (const char *const[]) { "name", "podCIDR", "internalIP", "local",
                              "routed", "transport", "uplink",
                              "uplinkType" }, NULL },
    { "Version", COLS("SEINECTL", "AGENT", "OVS-LIBRARY", "OVS-VSWITCHD",
                      "NODE"),
      (const char *const[]) { "clientVersion", "agentVersion",
                              "ovsLibraryVersion", "ovsVersion", "nodeName" },
      NULL },
    { "Recompute", COLS("FLOWS", "GROUPS", "CHANGES"),
      (const char *const[]) { "flows", "groups", "changes" }, NULL },
    { "Traceflow", COLS("NODE", "COMPONENT", "ACTION", "TABLE", "DETAIL"),
      NULL, trace_rows },
    { "LogLevelList", COLS("MODULE", "CONSOLE", "SYSLOG", "FILE"),
      (const char *const[]) { "module", "console", "syslog", "file" },
      NULL },
};

static void
field_rows(struct table *t, const char *const *fields, struct json_object *it)
{
    const char **cells = xmalloc(t->n_cols * sizeof *cells);

    for (size_t i = 0; i < t->n_cols; i++) {
        cells[i] = cell(it, fields[i]);
    }
    table_add_row(t, cells);
    free(cells);
}

int
render_table(struct json_object *reply, struct ds *out)
{
    const char *kind = cell(reply, "kind");
    struct json_object *items = get(reply, "items");

    for (size_t i = 0; kind && items && i < ARRAY_SIZE(layouts); i++) {
        const struct layout *l = &layouts[i];
        struct table t;

        if (strcmp(l->kind, kind)) {
            continue;
        }
        table_init(&t, l->headers, l->n_cols);
        for (size_t j = 0; j < json_object_array_length(items); j++) {
            struct json_object *it = json_object_array_get_idx(items, j);
            l->rows ? l->rows(&t, it) : field_rows(&t, l->fields, it);
        }
        table_format(&t, out);
        table_destroy(&t);
        return 0;
    }
    return -EINVAL;
}
