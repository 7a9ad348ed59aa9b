/*
 * Reading seine-agent's configuration file.
 *
 * The file is one YAML mapping.  Each known key has a row in a field table
 * saying where its value goes and how it is checked; a key without a row is
 * an error, because a misspelt key silently falling back to its default is
 * the kind of mistake that costs an afternoon.  Every error names the file,
 * the line and the field.
 */
#include <config.h>
#include "agent/core/agentconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml.h>

#include "agent/lib/yamldoc.h"
#include "seine-config.h"
#include "packets.h"
#include "util.h"

void
agentconf_defaults(struct agentconf *conf)
{
    char host[256] = "";

    memset(conf, 0, sizeof *conf);
    conf->ovsdb_socket = xstrdup("unix:/run/openvswitch/db.sock");
    conf->ovs_rundir = xstrdup("/run/openvswitch");
    conf->bridge = xstrdup("br-int");
    conf->gateway_port = xstrdup("seine-gw0");
    /* The kubelet registers its Node under the lower-cased host name. */
    if (gethostname(host, sizeof host - 1) || !host[0]) {
        snprintf(host, sizeof host, "localhost");
    }
    for (char *p = host; *p; p++) {
        *p = tolower((unsigned char) *p);
    }
    conf->node_name = xstrdup(host);
    conf->pod_cidr = NULL;
    conf->pod_cidr6 = NULL;
    conf->default_interface_type = xstrdup("afxdp");
    conf->mtu = 1500;
    conf->switch_timeout_ms = 10000;
    conf->cni_timeout_ms = 30000;
    conf->metrics_address = xstrdup("127.0.0.1");
    conf->metrics_port = 9464;
    conf->metrics_rule_stats_limit = 1000;
    conf->flow_poll_s = 5;
    conf->flow_active_timeout_s = 60;
    conf->flow_idle_timeout_s = 15;
    conf->flow_template_refresh_s = 60;
    conf->flow_denied_pps = 100;
    conf->flow_enterprise = 32473;
    conf->flow_max_rate = 2000;
    conf->flow_max_queue = 8192;
    conf->cni_socket = xstrdup(SEINE_DEFAULT_CNI_SOCKET);
    conf->state_dir = xstrdup(SEINE_DEFAULT_STATE_DIR);
    conf->vhost_socket_dir = xstrdup("/run/seine/vhost");
    conf->sriov_sysfs_root = xstrdup("/");
    conf->sriov_devinfo_dir = xstrdup("/var/run/k8s.cni.cncf.io/devinfo/dp");
    conf->source = AGENTCONF_SOURCE_MANIFESTS;
    conf->manifest_dir = xstrdup("/etc/seine/manifests");
    conf->log_level = xstrdup("info");
    conf->uplink = NULL;
    conf->uplink_type = xstrdup("afxdp");
    conf->tunnel_type = xstrdup("geneve");
    conf->encap_mode = xstrdup("encap");
}

void
agentconf_destroy(struct agentconf *conf)
{
    free(conf->ovsdb_socket);
    free(conf->ovs_rundir);
    free(conf->bridge);
    free(conf->gateway_port);
    free(conf->node_name);
    free(conf->pod_cidr);
    free(conf->pod_cidr6);
    free(conf->default_interface_type);
    free(conf->cni_socket);
    free(conf->state_dir);
    free(conf->vhost_socket_dir);
    free(conf->sriov_sysfs_root);
    free(conf->sriov_devinfo_dir);
    free(conf->manifest_dir);
    free(conf->kubeconfig);
    free(conf->kube_context);
    free(conf->metrics_address);
    free(conf->metrics_tls_cert);
    free(conf->metrics_tls_key);
    free(conf->metrics_token_file);
    free(conf->flow_collector);
    free(conf->log_level);
    free(conf->uplink);
    free(conf->uplink_type);
    free(conf->uplink_devargs);
    free(conf->node_ip);
    free(conf->tunnel_type);
    free(conf->encap_mode);
    free(conf->pmd_intent);
    free(conf->pmd_intent_file);
    memset(conf, 0, sizeof *conf);
}

/* Value checks: NULL if 'v' is acceptable, else what is wrong with it. */

static const char *
one_of(const char *v, const char *const *choices, const char *message)
{
    for (; *choices; choices++) {
        if (!strcmp(v, *choices)) {
            return NULL;
        }
    }
    return message;
}

static const char *
check_ovsdb(const char *v)
{
    static const char *const prefixes[] = { "unix:/", "tcp:", "ssl:" };
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
        if (!strncmp(v, prefixes[i], strlen(prefixes[i]))
            && v[strlen(prefixes[i])]) {
            return NULL;
        }
    }
    return "expected unix:/PATH, tcp:IP:PORT or ssl:IP:PORT";
}

static const char *
check_path(const char *v)
{
    /* The agent may run with its working directory at /. */
    return v[0] == '/' ? NULL : "must be an absolute path";
}

static const char *
check_socket_path(const char *v)
{
    if (v[0] != '/') {
        return "must be an absolute path";
    }
    return (strlen(v) < sizeof ((struct sockaddr_un *) 0)->sun_path
            ? NULL : "a unix socket path must be at most 107 bytes");
}

static const char *
check_ifname(const char *v)
{
    return (strlen(v) < 16 && !strpbrk(v, "/: \t")
            ? NULL : "must be an interface name: 1 to 15 characters, "
                     "no '/', ':' or spaces");
}

/* The Node object's name: a DNS subdomain (RFC 1123). */
static const char *
check_node_name(const char *v)
{
    size_t n = strlen(v);

    if (n > 253 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-.") != n
        || !isalnum((unsigned char) v[0])
        || !isalnum((unsigned char) v[n - 1])) {
        return "must be a lower-case DNS name (a-z, 0-9, '-', '.'), as "
               "the Node object is named";
    }
    return NULL;
}

/* "A.B.C.D/N" and nothing after it; N is not checked. */
static bool
parse_ipv4_prefix(const char *v, struct in_addr *in, int *plen)
{
    char addr[INET_ADDRSTRLEN], tail;

    return (sscanf(v, "%15[0-9.]/%d%c", addr, plen, &tail) == 2
            && inet_pton(AF_INET, addr, in) == 1);
}

static const char *
check_pod_cidr(const char *v)
{
    struct in_addr in;
    int plen;

    if (!parse_ipv4_prefix(v, &in, &plen)) {
        return "expected an IPv4 subnet such as 10.244.1.0/24";
    }
    if (plen < 1 || plen > 30) {
        return "the prefix length must be from 1 to 30";
    }
    if (ntohl(in.s_addr) & (UINT32_MAX >> plen)) {
        return "has host bits set: give the subnet's first address";
    }
    return NULL;
}

static const char *
check_pod_cidr6(const char *v)
{
    char addr[INET6_ADDRSTRLEN], tail;
    struct in6_addr in;
    int plen;

    if (sscanf(v, "%45[0-9a-fA-F:.]/%d%c", addr, &plen, &tail) != 2
        || inet_pton(AF_INET6, addr, &in) != 1) {
        return "expected an IPv6 subnet such as fd00:10:244:1::/64";
    }
    if (plen < 1 || plen > 126) {
        return "the prefix length must be from 1 to 126";
    }
    struct in6_addr mask = ipv6_create_mask(plen);
    struct in6_addr net = ipv6_addr_bitand(&in, &mask);
    if (!ipv6_addr_equals(&in, &net)) {
        return "has host bits set: give the subnet's first address";
    }
    return NULL;
}

static const char *
check_interface_type(const char *v)
{
    static const char *const types[] = {
        "afxdp", "vhostuser", "tap", "sriov", NULL
    };
    return one_of(v, types, "expected afxdp, vhostuser, tap or sriov");
}

static const char *
check_log_level(const char *v)
{
    static const char *const levels[] = {
        "off", "emer", "err", "warn", "info", "dbg", NULL
    };
    return one_of(v, levels, "expected off, emer, err, warn, info or dbg");
}

static const char *
check_tunnel_type(const char *v)
{
    static const char *const types[] = { "geneve", "vxlan", NULL };
    return one_of(v, types, "expected geneve or vxlan");
}

static const char *
check_uplink_type(const char *v)
{
    static const char *const types[] = { "afxdp", "dpdk", NULL };
    return one_of(v, types, "expected afxdp or dpdk");
}

/* What OVS passes to rte_dev_probe(): one word of printable characters. */
static const char *
check_devargs(const char *v)
{
    size_t n = strlen(v);

    for (const char *p = v; *p; p++) {
        if (!isgraph((unsigned char) *p)) {
            n = 0;
        }
    }
    return (n && n < 256 ? NULL
            : "expected a PCI address such as 0000:03:00.1 or a DPDK "
              "device such as net_af_xdp0,iface=eth1, without spaces");
}

/* The node IP with the prefix of its subnet, which br-phy's on-link route
 * needs. */
static const char *
check_node_ip(const char *v)
{
    struct in_addr in;
    int plen;

    if (!parse_ipv4_prefix(v, &in, &plen) || plen < 1 || plen > 32) {
        return "expected an IPv4 address with its prefix length, such as "
               "192.168.100.1/24";
    }
    return NULL;
}

static const char *
check_encap_mode(const char *v)
{
    static const char *const modes[] = { "encap", "noEncap", NULL };
    return one_of(v, modes, "expected encap or noEncap");
}

static const char *
check_pmd_intent(const char *v)
{
    static const char *const intents[] = { "shared", "dedicated", NULL };
    return one_of(v, intents, "expected shared or dedicated");
}

static const char *
check_ip_literal(const char *v)
{
    struct in6_addr a6;
    struct in_addr a4;

    return (inet_pton(AF_INET, v, &a4) == 1 || inet_pton(AF_INET6, v, &a6) == 1
            ? NULL : "expected an IPv4 or IPv6 address");
}

/* "udp:HOST:PORT" or "tcp:HOST:PORT" (ipfixsend.h). */
static const char *
check_collector(const char *v)
{
    const char *colon = strrchr(v, ':');
    unsigned int port;

    return ((strncmp(v, "udp:", 4) && strncmp(v, "tcp:", 4))
            || !colon || colon - v < 5 || !str_to_uint(colon + 1, 10, &port)
            || !port || port > 65535
            ? "expected udp:HOST:PORT or tcp:HOST:PORT" : NULL);
}

/* A kubeconfig context name: what kubectl accepts, printable. */
static const char *
check_context(const char *v)
{
    for (const char *p = v; *p; p++) {
        if (!isgraph((unsigned char) *p)) {
            return "expected a context name without spaces";
        }
    }
    return *v ? NULL : "expected a context name";
}

static const char *
check_source_type(const char *v)
{
    static const char *const types[] = { "manifests", "kubernetes", NULL };
    return one_of(v, types, "expected manifests or kubernetes");
}

/* The field tables. */

enum field_type {
    FIELD_STRING,               /* char * at 'offset', checked by 'check' */
    FIELD_INT,                  /* int at 'offset', from 'min' to 'max' */
    FIELD_BOOL,                 /* bool at 'offset' */
    FIELD_PMD,                  /* the pmd mapping */
    FIELD_SOURCE_TYPE,
    FIELD_SOURCE,               /* the stateSource mapping */
    FIELD_METRICS,              /* the metrics mapping */
    FIELD_FLOW_EXPORT,          /* the flowExport mapping */
    FIELD_SRIOV,                /* the sriov mapping */
    FIELD_POD_CIDRS,            /* podCIDRs: one subnet per family */
};

struct field {
    const char *key;
    enum field_type type;
    size_t offset;
    const char *(*check)(const char *);
    bool nullable;              /* null keeps the default */
    int min, max;               /* FIELD_INT */
};

#define STRING(KEY, MEMBER, CHECK, NULLABLE) \
    { KEY, FIELD_STRING, offsetof(struct agentconf, MEMBER), CHECK, NULLABLE, \
      0, 0 }
#define BOOL(KEY, MEMBER) \
    { KEY, FIELD_BOOL, offsetof(struct agentconf, MEMBER), NULL, false, 0, 0 }
#define INT(KEY, MEMBER, MIN, MAX) \
    { KEY, FIELD_INT, offsetof(struct agentconf, MEMBER), NULL, false, \
      MIN, MAX }

static const struct field top_fields[] = {
    STRING("ovsdb", ovsdb_socket, check_ovsdb, false),
    STRING("ovsRunDir", ovs_rundir, check_path, false),
    STRING("bridge", bridge, check_ifname, false),
    STRING("gatewayPort", gateway_port, check_ifname, false),
    STRING("nodeName", node_name, check_node_name, true),
    STRING("podCIDR", pod_cidr, check_pod_cidr, true),
    { "podCIDRs", FIELD_POD_CIDRS, 0, NULL, false, 0, 0 },
    STRING("defaultInterfaceType", default_interface_type,
           check_interface_type, false),
    INT("mtu", mtu, 68, 65535),
    /* Below seine-cni's own 60 s wait for the agent. */
    INT("cniTimeoutMs", cni_timeout_ms, 100, 55000),
    INT("switchTimeoutMs", switch_timeout_ms, 100, 600000),
    STRING("cniSocket", cni_socket, check_socket_path, false),
    STRING("stateDir", state_dir, check_path, false),
    STRING("vhostSocketDir", vhost_socket_dir, check_path, false),
    { "stateSource", FIELD_SOURCE, 0, NULL, false, 0, 0 },
    { "metrics", FIELD_METRICS, 0, NULL, false, 0, 0 },
    { "flowExport", FIELD_FLOW_EXPORT, 0, NULL, false, 0, 0 },
    { "sriov", FIELD_SRIOV, 0, NULL, false, 0, 0 },
    BOOL("hwOffload", hw_offload),
    BOOL("conntrackAll", conntrack_all),
    STRING("logLevel", log_level, check_log_level, false),
    STRING("uplink", uplink, check_ifname, true),
    STRING("uplinkType", uplink_type, check_uplink_type, false),
    STRING("uplinkDevargs", uplink_devargs, check_devargs, true),
    INT("uplinkRxqs", uplink_rxqs, 1, 1024),
    INT("uplinkMtu", uplink_mtu, 68, 65535),
    STRING("nodeIP", node_ip, check_node_ip, true),
    STRING("tunnelType", tunnel_type, check_tunnel_type, false),
    STRING("encapMode", encap_mode, check_encap_mode, false),
    { "pmd", FIELD_PMD, 0, NULL, false, 0, 0 },
};

static const struct field metrics_fields[] = {
    STRING("address", metrics_address, check_ip_literal, false),
    INT("port", metrics_port, 0, 65535),
    STRING("tlsCertFile", metrics_tls_cert, check_path, true),
    STRING("tlsKeyFile", metrics_tls_key, check_path, true),
    STRING("tokenFile", metrics_token_file, check_path, true),
    BOOL("insecure", metrics_insecure),
    BOOL("allowPods", metrics_allow_pods),
    INT("ruleStatsLimit", metrics_rule_stats_limit, 0, 1000000),
};

static const struct field flow_export_fields[] = {
    STRING("collector", flow_collector, check_collector, true),
    INT("pollIntervalS", flow_poll_s, 1, 300),
    INT("activeTimeoutS", flow_active_timeout_s, 1, 86400),
    INT("idleTimeoutS", flow_idle_timeout_s, 1, 86400),
    INT("templateRefreshS", flow_template_refresh_s, 1, 86400),
    INT("deniedPerSecond", flow_denied_pps, 1, 100000),
    INT("enterpriseNumber", flow_enterprise, 1, INT_MAX),
    INT("maxMessagesPerSecond", flow_max_rate, 0, 1000000),
    INT("maxQueuedMessages", flow_max_queue, 16, 1000000),
};

static const struct field sriov_fields[] = {
    STRING("sysfsRoot", sriov_sysfs_root, check_path, false),
    STRING("deviceInfoDir", sriov_devinfo_dir, check_path, false),
};

static const struct field source_fields[] = {
    { "type", FIELD_SOURCE_TYPE, 0, check_source_type, false, 0, 0 },
    STRING("path", manifest_dir, check_path, false),
    STRING("kubeconfig", kubeconfig, check_path, true),
    STRING("context", kube_context, check_context, true),
    BOOL("allowInsecure", kube_allow_insecure),
};

static const struct field pmd_fields[] = {
    BOOL("apply", pmd_apply),
    STRING("intent", pmd_intent, check_pmd_intent, true),
    STRING("intentFile", pmd_intent_file, check_path, true),
};

/* The keys whose value is a mapping of its own. */
static const struct submap {
    enum field_type type;
    const char *prefix;
    const struct field *fields;
    size_t n;
    const char *expected;
} submaps[] = {
    { FIELD_PMD, "pmd.", pmd_fields, ARRAY_SIZE(pmd_fields),
      "expected a mapping with 'apply' and 'intent'" },
    { FIELD_SOURCE, "stateSource.", source_fields, ARRAY_SIZE(source_fields),
      "expected a mapping with 'type' and its settings" },
    { FIELD_METRICS, "metrics.", metrics_fields, ARRAY_SIZE(metrics_fields),
      "expected a mapping with 'address' and 'port'" },
    { FIELD_FLOW_EXPORT, "flowExport.", flow_export_fields,
      ARRAY_SIZE(flow_export_fields),
      "expected a mapping with 'collector' and its settings" },
    { FIELD_SRIOV, "sriov.", sriov_fields, ARRAY_SIZE(sriov_fields),
      "expected a mapping with 'sysfsRoot'" },
};

struct conf_reader {
    const char *path;
    yaml_document_t *doc;
    struct agentconf *conf;
    char **err;
};

static int
conf_error(const struct conf_reader *r, const yaml_node_t *node,
           const char *field, const char *message)
{
    *r->err = xasprintf("%s:%zu: %s: %s", r->path,
                        node->start_mark.line + 1, field, message);
    return -EINVAL;
}

static bool
is_null(const yaml_node_t *node)
{
    const char *v = (const char *) node->data.scalar.value;
    return (node->type == YAML_SCALAR_NODE
            && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
            && (!v[0] || !strcmp(v, "~") || !strcmp(v, "null")
                || !strcmp(v, "Null") || !strcmp(v, "NULL")));
}

static size_t
edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    size_t row[64];

    if (m >= ARRAY_SIZE(row) || n >= ARRAY_SIZE(row)) {
        return SIZE_MAX;
    }
    for (size_t j = 0; j <= m; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t subst = diag + (tolower((unsigned char) a[i - 1])
                                   != tolower((unsigned char) b[j - 1]));
            row[j] = MIN(MIN(row[j - 1] + 1, up + 1), subst);
            diag = up;
        }
    }
    return row[m];
}

static int
unknown_key(const struct conf_reader *r, const yaml_node_t *key,
            const char *prefix, const struct field *fields, size_t n)
{
    const char *name = (const char *) key->data.scalar.value;
    const char *best = NULL;
    size_t best_distance = 3;

    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, fields[i].key);
        if (d < best_distance) {
            best = fields[i].key;
            best_distance = d;
        }
    }
    *r->err = xasprintf("%s:%zu: unknown key '%s%s'%s%s%s%s", r->path,
                        key->start_mark.line + 1, prefix, name,
                        best ? " (did you mean '" : "", best ? prefix : "",
                        best ? best : "", best ? "'?)" : "");
    return -EINVAL;
}

static int read_mapping(const struct conf_reader *, const yaml_node_t *,
                        const char *prefix, const struct field *, size_t n);

/* podCIDRs: a list of one or two subnets, at most one per family, like
 * the Node's spec.podCIDRs. */
static int
read_pod_cidrs(const struct conf_reader *r, const char *field_name,
               const yaml_node_t *value)
{
    const char *want = "expected a list of an IPv4 and/or an IPv6 subnet";
    if (value->type != YAML_SEQUENCE_NODE
        || value->data.sequence.items.top == value->data.sequence.items.start
        || value->data.sequence.items.top - value->data.sequence.items.start
           > 2) {
        return conf_error(r, value, field_name, want);
    }
    for (yaml_node_item_t *item = value->data.sequence.items.start;
         item < value->data.sequence.items.top; item++) {
        const yaml_node_t *e = yaml_document_get_node(r->doc, *item);
        if (e->type != YAML_SCALAR_NODE || is_null(e)) {
            return conf_error(r, e, field_name, want);
        }
        const char *v = (const char *) e->data.scalar.value;
        bool v6 = strchr(v, ':') != NULL;
        const char *problem = v6 ? check_pod_cidr6(v) : check_pod_cidr(v);
        char **member = v6 ? &r->conf->pod_cidr6 : &r->conf->pod_cidr;
        if (!problem && *member) {
            problem = "gives two subnets of one family";
        }
        if (problem) {
            return conf_error(r, e, field_name, problem);
        }
        *member = xstrdup(v);
    }
    return 0;
}

static int
read_field(const struct conf_reader *r, const struct field *f,
           const char *field_name, const yaml_node_t *value)
{
    const char *v = (const char *) value->data.scalar.value;
    const char *problem;

    if (f->type == FIELD_POD_CIDRS) {
        return read_pod_cidrs(r, field_name, value);
    }

    for (size_t i = 0; i < ARRAY_SIZE(submaps); i++) {
        const struct submap *sm = &submaps[i];
        if (f->type == sm->type) {
            return (value->type == YAML_MAPPING_NODE
                    ? read_mapping(r, value, sm->prefix, sm->fields, sm->n)
                    : conf_error(r, value, field_name, sm->expected));
        }
    }
    if (value->type != YAML_SCALAR_NODE) {
        return conf_error(r, value, field_name,
                          f->type == FIELD_INT ? "expected an integer"
                          : f->type == FIELD_BOOL ? "expected true or false"
                          : "expected a string");
    }
    if (is_null(value)) {
        return (f->nullable ? 0
                : conf_error(r, value, field_name, "needs a value"));
    }

    switch (f->type) {
    case FIELD_INT: {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || *end || end == v || n < f->min || n > f->max) {
            char *msg = xasprintf("expected an integer from %d to %d",
                                  f->min, f->max);
            int error = conf_error(r, value, field_name, msg);
            free(msg);
            return error;
        }
        *(int *) ((char *) r->conf + f->offset) = n;
        return 0;
    }
    case FIELD_BOOL:
        if (strcmp(v, "true") && strcmp(v, "false")) {
            return conf_error(r, value, field_name, "expected true or false");
        }
        *(bool *) ((char *) r->conf + f->offset) = !strcmp(v, "true");
        return 0;
    case FIELD_SOURCE_TYPE:
        problem = f->check(v);
        if (problem) {
            return conf_error(r, value, field_name, problem);
        }
        r->conf->source = (!strcmp(v, "kubernetes")
                           ? AGENTCONF_SOURCE_KUBERNETES
                           : AGENTCONF_SOURCE_MANIFESTS);
        return 0;
    case FIELD_STRING: {
        problem = f->check(v);
        if (problem) {
            return conf_error(r, value, field_name, problem);
        }
        char **member = (char **) ((char *) r->conf + f->offset);
        free(*member);
        *member = xstrdup(v);
        return 0;
    }
    case FIELD_PMD:
    case FIELD_SOURCE:
    case FIELD_METRICS:
    case FIELD_FLOW_EXPORT:
    case FIELD_SRIOV:
    case FIELD_POD_CIDRS:
    default:
        OVS_NOT_REACHED();
    }
}

static int
read_mapping(const struct conf_reader *r, const yaml_node_t *mapping,
             const char *prefix, const struct field *fields, size_t n)
{
    size_t first_line[ARRAY_SIZE(top_fields)] = { 0 };

    for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
         pair < mapping->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(r->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(r->doc, pair->value);
        const char *name;
        size_t i;

        if (key->type != YAML_SCALAR_NODE) {
            return conf_error(r, key, prefix[0] ? "stateSource" : "(top)",
                              "keys must be plain names");
        }
        name = (const char *) key->data.scalar.value;
        for (i = 0; i < n && strcmp(name, fields[i].key); i++) {
            continue;
        }
        if (i == n) {
            return unknown_key(r, key, prefix, fields, n);
        }

        char *field_name = xasprintf("%s%s", prefix, name);
        int error = 0;
        if (first_line[i]) {
            char *msg = xasprintf("given twice (first on line %zu)",
                                  first_line[i]);
            error = conf_error(r, key, field_name, msg);
            free(msg);
        } else {
            first_line[i] = key->start_mark.line + 1;
            error = read_field(r, &fields[i], field_name, value);
        }
        free(field_name);
        if (error) {
            return error;
        }
    }
    return 0;
}

/* The value node of 'key' in 'mapping', or NULL. */
static const yaml_node_t *
find_value(const struct conf_reader *r, const yaml_node_t *mapping,
           const char *key)
{
    for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
         pair < mapping->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, pair->key);
        if (k->type == YAML_SCALAR_NODE
            && !strcmp((const char *) k->data.scalar.value, key)) {
            return yaml_document_get_node(r->doc, pair->value);
        }
    }
    return NULL;
}

/* The uplink keys that only mean something together, checked once all are
 * read: a DPDK port is nothing without its device, and a device or node IP
 * without an uplink would be silently ignored. */
static int
check_uplink(const struct conf_reader *r, const yaml_node_t *root)
{
    const struct agentconf *c = r->conf;
    bool dpdk = !strcmp(c->uplink_type, "dpdk");
    const yaml_node_t *type = find_value(r, root, "uplinkType");
    const yaml_node_t *devargs = find_value(r, root, "uplinkDevargs");
    const yaml_node_t *node_ip = find_value(r, root, "nodeIP");

    if (dpdk && !c->uplink_devargs) {
        return conf_error(r, type, "uplinkType",
                          "dpdk needs uplinkDevargs (the port's "
                          "dpdk-devargs: a PCI address or a DPDK device)");
    }
    if (dpdk && !c->uplink) {
        return conf_error(r, type, "uplinkType",
                          "dpdk needs uplink (the name of br-phy's port)");
    }
    if (!dpdk && c->uplink_devargs) {
        return conf_error(r, devargs, "uplinkDevargs",
                          "only for uplinkType: dpdk");
    }
    if (!c->uplink && c->node_ip) {
        return conf_error(r, node_ip, "nodeIP",
                          "needs uplink (the node IP goes on br-phy)");
    }
    return 0;
}

/* Reads the loaded 'doc' over the defaults and frees it. */
static int
read_doc(const char *name, yaml_document_t *doc, struct agentconf *conf,
         char **err)
{
    struct conf_reader r = {
        .path = name, .doc = doc, .conf = conf, .err = err,
    };
    yaml_node_t *root = yaml_document_get_root_node(doc);
    int error = 0;

    agentconf_defaults(conf);
    if (root && root->type == YAML_MAPPING_NODE) {
        const yaml_node_t *list = find_value(&r, root, "podCIDRs");
        error = (list && find_value(&r, root, "podCIDR")
                 ? conf_error(&r, list, "podCIDRs",
                              "give podCIDR or podCIDRs, not both")
                 : read_mapping(&r, root, "", top_fields,
                                ARRAY_SIZE(top_fields)));
        if (!error) {
            error = check_uplink(&r, root);
        }
    } else if (root && !is_null(root)) {
        error = conf_error(&r, root, "(top)",
                           "the file must be a mapping of keys to values");
    }
    yaml_document_delete(doc);
    if (error) {
        agentconf_destroy(conf);
    }
    return error;
}

int
agentconf_load(const char *path, struct agentconf *conf, char **err)
{
    yaml_document_t doc;
    int error;

    memset(conf, 0, sizeof *conf);
    error = yamldoc_load(path, &doc, err);
    return error ? error : read_doc(path, &doc, conf, err);
}

int
agentconf_parse(const char *name, const char *text, size_t len,
                struct agentconf *conf, char **err)
{
    yaml_document_t doc;
    int error;

    memset(conf, 0, sizeof *conf);
    error = yamldoc_parse(name, text, len, &doc, err);
    return error ? error : read_doc(name, &doc, conf, err);
}
