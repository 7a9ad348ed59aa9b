#include <config.h>
#include "agent/core/ctlapi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/core/agent.h"
#include "agent/core/agentconf.h"
#include "agent/core/dpstats.h"
#include "agent/core/traceflow.h"
#include "dataplane/vswitchctl.h"
#include "agent/hostnet/underlay.h"
#include "agent/lib/ipproto.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/cnp.h"
#include "agent/model/netpol.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/pipeline.h"
#include "dataplane/polflows.h"
#include "dataplane/svcflows.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "seine-config.h"
#include "sset.h"
#include "unixctl.h"
#include "util.h"

/* The envelope every answer shares. */
static void
reply_items(struct unixctl_conn *conn, const char *kind,
            struct json_object *items)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "apiVersion",
                           json_object_new_string(CTLAPI_VERSION));
    json_object_object_add(obj, "kind", json_object_new_string(kind));
    json_object_object_add(obj, "items", items);
    int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
    char *s = xasprintf("%s\n", json_object_to_json_string_ext(obj, flags));
    unixctl_command_reply(conn, s);
    free(s);
    json_object_put(obj);
}

void
ctlapi_reply_items(struct unixctl_conn *conn, const char *kind,
                   struct json_object *items)
{
    reply_items(conn, kind, items);
}

static void
add_str(struct json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key,
                           value ? json_object_new_string(value) : NULL);
}

static void
add_int(struct json_object *obj, const char *key, int64_t value)
{
    json_object_object_add(obj, key, json_object_new_int64(value));
}

static void
add_bool(struct json_object *obj, const char *key, bool value)
{
    json_object_object_add(obj, key, json_object_new_boolean(value));
}

static void
add_ip(struct json_object *obj, const char *key, struct in_addr addr)
{
    char ip[INET_ADDRSTRLEN];
    add_str(obj, key, inet_ntop(AF_INET, &addr, ip, sizeof ip));
}

static void
add_table(struct json_object *obj, uint8_t table)
{
    add_int(obj, "table", table);
    add_str(obj, "tableName", pipeline_table_name(table));
}

/* ctl/pods. */

static int
podrec_compare(const void *a_, const void *b_)
{
    const struct podrec *const *a = a_, *const *b = b_;
    int c = strcmp((*a)->pod_namespace ? (*a)->pod_namespace : "",
                   (*b)->pod_namespace ? (*b)->pod_namespace : "");
    c = c ? c : strcmp((*a)->pod_name ? (*a)->pod_name : "",
                       (*b)->pod_name ? (*b)->pod_name : "");
    return c ? c : strcmp((*a)->ifname, (*b)->ifname);
}

/* The pod records, sorted by namespace, name and interface, in an array
 * the caller frees. */
static const struct podrec **
sorted_pods(const struct agent *agent, size_t *np)
{
    const struct podrec **recs = xmalloc(MAX(podstore_count(&agent->store), 1)
                                         * sizeof *recs);
    struct podrec *rec;
    size_t n = 0;

    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        recs[n++] = rec;
    }
    qsort(recs, n, sizeof *recs, podrec_compare);
    *np = n;
    return recs;
}

static const char *
link_state(struct agent *agent, const char *port)
{
    struct ovsbridge_port_status st;

    ovsbridge_port_status(agent->br, port, &st);
    free(st.error);
    return !st.exists ? "absent" : st.link_up ? "up" : "down";
}

static struct json_object *
pod_json(struct agent *agent, const struct podrec *rec)
{
    struct json_object *p = json_object_new_object();
    char *mac = xasprintf(ETH_ADDR_FMT, ETH_ADDR_BYTES_ARGS(rec->mac));
    char *owner = xasprintf("0x%"PRIx64, rec->owner);

    add_str(p, "namespace", rec->pod_namespace);
    add_str(p, "name", rec->pod_name);
    add_str(p, "containerID", rec->container_id);
    add_str(p, "ifname", rec->ifname);
    add_str(p, "type", podstore_type_name(rec->type));
    add_str(p, "portName", rec->port_name);
    add_int(p, "ofport", rec->ofport);
    add_ip(p, "ip", rec->ip);
    add_int(p, "prefixLength", rec->prefix_len);
    if (rec->has_ip6) {
        char ip6[INET6_ADDRSTRLEN];

        add_str(p, "ip6", inet_ntop(AF_INET6, &rec->ip6, ip6, sizeof ip6));
        add_int(p, "prefixLength6", rec->prefix_len6);
    }
    add_str(p, "mac", mac);
    add_int(p, "mtu", rec->mtu);
    add_bool(p, "defaultRoute", rec->default_route);
    add_str(p, "linkState", link_state(agent, rec->port_name));
    add_str(p, "owner", owner);
    add_int(p, "flows", flowtab_count_owner(agent->ft, rec->owner));
    add_str(p, "socketPath", rec->type == PODSTORE_VHOSTUSER
                             ? rec->socket_path : NULL);
    free(mac);
    free(owner);
    return p;
}

static void
ctl_pods(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct json_object *items = json_object_new_array();
    size_t n;
    const struct podrec **recs = sorted_pods(agent, &n);

    for (size_t i = 0; i < n; i++) {
        json_object_array_add(items, pod_json(agent, recs[i]));
    }
    free(recs);
    reply_items(conn, "PodList", items);
}

/* ctl/policies. */

static const char *
action_name(enum polflows_action action)
{
    return (action == POLFLOWS_ALLOW ? "Allow"
            : action == POLFLOWS_DENY ? "Deny" : "Pass");
}

static struct json_object *
ports_json(const struct polflows_rule *rule)
{
    struct json_object *ports = json_object_new_array();

    for (size_t i = 0; i < rule->n_ports; i++) {
        const struct polflows_port *pp = &rule->ports[i];
        struct json_object *p = json_object_new_object();

        add_str(p, "protocol", ipproto_name(pp->proto));
        add_int(p, "port", pp->port);
        add_int(p, "endPort", pp->end_port ? pp->end_port : pp->port);
        json_object_array_add(ports, p);
    }
    return ports;
}

static struct json_object *
peers_json(const struct polflows_rule *rule)
{
    struct json_object *peers = json_object_new_array();
    char ip[INET_ADDRSTRLEN];

    for (size_t i = 0; i < rule->n_peers; i++) {
        char *cidr = xasprintf("%s/%d", inet_ntop(AF_INET,
                                                  &rule->peers[i].addr, ip,
                                                  sizeof ip),
                               rule->peers[i].plen);
        json_object_array_add(peers, json_object_new_string(cidr));
        free(cidr);
    }
    return peers;
}

static void
add_rule_counters(struct agent *agent, const struct polflows_rule *rule,
                  struct json_object *r)
{
    uint64_t packets, bytes;

    if (agent->of && !polflows_rule_stats(agent->of, rule, &packets, &bytes)) {
        add_int(r, "packets", packets);
        add_int(r, "bytes", bytes);
    } else {
        add_str(r, "packets", NULL);
        add_str(r, "bytes", NULL);
    }
}

static struct json_object *
rule_json(struct agent *agent, const struct policy_rule_ref *ref,
          struct sset *pods)
{
    const struct polflows_rule *rule = ref->rule;
    struct json_object *r = json_object_new_object();
    struct json_object *addrs = json_object_new_array();
    char ip[INET_ADDRSTRLEN];

    add_str(r, "key", ref->key);
    add_int(r, "id", rule->id);
    add_str(r, "direction", polflows_dir_name(rule->dir));
    add_str(r, "action", action_name(rule->action));
    add_table(r, rule->table);
    add_int(r, "priority", rule->priority);
    for (size_t i = 0; i < rule->n_pods; i++) {
        inet_ntop(AF_INET, &rule->pods[i], ip, sizeof ip);
        json_object_array_add(addrs, json_object_new_string(ip));
        sset_add(pods, ip);
    }
    json_object_object_add(r, "pods", addrs);
    add_bool(r, "anyPeer", rule->any_peer);
    json_object_object_add(r, "peers", peers_json(rule));
    add_bool(r, "anyPort", rule->any_port);
    json_object_object_add(r, "ports", ports_json(rule));
    add_int(r, "flows", flowtab_count_owner(
                agent->ft, cookie_owner(COOKIE_KIND_POLICY, rule->id)));
    add_rule_counters(agent, rule, r);
    return r;
}

/* The local pod whose address is 'ip', as {namespace, name, ip}. */
static struct json_object *
selected_pod_json(const struct agent *agent, const char *ip)
{
    struct json_object *p = json_object_new_object();
    struct podrec *rec;
    struct in_addr addr;

    inet_pton(AF_INET, ip, &addr);
    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        if (rec->ip.s_addr == addr.s_addr) {
            add_str(p, "namespace", rec->pod_namespace);
            add_str(p, "name", rec->pod_name);
            break;
        }
    }
    add_str(p, "ip", ip);
    return p;
}

/* Adds the rules of 'refs' whose key starts with 'prefix' to 'policy',
 * with the local pods they select and their flows. */
static void
add_policy_rules(struct agent *agent, const struct policy_rule_ref *refs,
                 size_t n, const char *prefix, struct json_object *policy)
{
    struct json_object *rules = json_object_new_array();
    struct json_object *selected = json_object_new_array();
    struct sset pods = SSET_INITIALIZER(&pods);
    size_t len = strlen(prefix);
    int64_t flows = 0;
    const char *ip;

    for (size_t i = 0; i < n; i++) {
        if (!strncmp(refs[i].key, prefix, len)) {
            struct json_object *r = rule_json(agent, &refs[i], &pods);
            flows += json_object_get_int64(json_object_object_get(r, "flows"));
            json_object_array_add(rules, r);
        }
    }
    SSET_FOR_EACH (ip, &pods) {
        json_object_array_add(selected, selected_pod_json(agent, ip));
    }
    sset_destroy(&pods);
    json_object_object_add(policy, "rules", rules);
    json_object_object_add(policy, "selectedPods", selected);
    add_int(policy, "flows", flows);
}

static void
add_netpols(struct agent *agent, const struct policy_rule_ref *refs,
            size_t n_refs, struct json_object *items)
{
    size_t n;
    const void **nps = cluster_list(agent->cluster, CLUSTER_NETWORK_POLICY,
                                    &n);

    for (size_t i = 0; i < n; i++) {
        const struct netpol *np = nps[i];
        struct json_object *p = json_object_new_object();
        char *prefix = xasprintf("%s/", np->key);

        add_str(p, "kind", "NetworkPolicy");
        add_str(p, "namespace", np->namespace);
        add_str(p, "name", np->name);
        add_policy_rules(agent, refs, n_refs, prefix, p);
        json_object_array_add(items, p);
        free(prefix);
    }
    free(nps);
}

static void
add_cnps(struct agent *agent, const struct policy_rule_ref *refs,
         size_t n_refs, struct json_object *items)
{
    size_t n;
    const void **cnps = cluster_list(agent->cluster,
                                     CLUSTER_CLUSTER_NETWORK_POLICY, &n);

    for (size_t i = 0; i < n; i++) {
        const struct cnp *cnp = cnps[i];
        struct json_object *p = json_object_new_object();
        char *prefix = xasprintf("cnp/%s/", cnp->name);

        add_str(p, "kind", "ClusterNetworkPolicy");
        add_str(p, "name", cnp->name);
        add_str(p, "tier", cnp->tier == CNP_TIER_ADMIN ? "Admin" : "Baseline");
        add_int(p, "priority", cnp->priority);
        add_policy_rules(agent, refs, n_refs, prefix, p);
        json_object_array_add(items, p);
        free(prefix);
    }
    free(cnps);
}

static void
ctl_policies(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct json_object *items = json_object_new_array();
    size_t n = 0;
    struct policy_rule_ref *refs = (agent->policy
                                    ? policy_list_rules(agent->policy, &n)
                                    : NULL);

    add_netpols(agent, refs, n, items);
    add_cnps(agent, refs, n, items);
    free(refs);
    reply_items(conn, "PolicyList", items);
}

/* ctl/services. */

static struct json_object *
addrs_json(bool ipv6, const struct svcflows_addr *addrs, size_t n)
{
    struct json_object *a = json_object_new_array();
    char ip6[INET6_ADDRSTRLEN];

    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_new_object();
        if (ipv6) {
            add_str(e, "ip", inet_ntop(AF_INET6, &addrs[i].addr6, ip6,
                                       sizeof ip6));
        } else {
            add_ip(e, "ip", addrs[i].addr);
        }
        add_int(e, "port", addrs[i].port);
        json_object_array_add(a, e);
    }
    return a;
}

/* "NS/NAME/PORT/PROTO[/ext|/v6]" into its fields. */
static void
add_lb_key(struct json_object *s, const char *key)
{
    static const char *const fields[] = { "namespace", "name", "port",
                                          "protocol" };
    char *copy = xstrdup(key), *save = NULL;
    char *word = strtok_r(copy, "/", &save);

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        add_str(s, fields[i], word);
        word = word ? strtok_r(NULL, "/", &save) : NULL;
    }
    add_bool(s, "external", word && !strcmp(word, "ext"));
    add_bool(s, "ipv6", word && !strcmp(word, "v6"));
    free(copy);
}

static struct json_object *
lb_json(const struct agent *agent, const struct svclb_ref *ref)
{
    const struct svcflows_lb *lb = ref->lb;
    struct json_object *s = json_object_new_object();

    add_str(s, "key", ref->key);
    add_lb_key(s, ref->key);
    add_int(s, "id", lb->id);
    add_int(s, "groupId", lb->id);
    json_object_object_add(s, "frontends",
                           addrs_json(lb->ipv6, lb->frontends,
                                      lb->n_frontends));
    json_object_object_add(s, "endpoints",
                           addrs_json(lb->ipv6, lb->endpoints,
                                      lb->n_endpoints));
    add_int(s, "affinityTimeoutSeconds", lb->affinity_timeout);
    add_int(s, "flows", flowtab_count_owner(agent->ft,
                                            svcflows_owner(lb->id)));
    return s;
}

static void
ctl_services(struct unixctl_conn *conn, int argc OVS_UNUSED,
             const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct json_object *items = json_object_new_array();
    size_t n;
    struct svclb_ref *refs = svclb_list(agent->svclb, &n);

    for (size_t i = 0; i < n; i++) {
        json_object_array_add(items, lb_json(agent, &refs[i]));
    }
    free(refs);
    reply_items(conn, "ServiceList", items);
}

/* ctl/flows [TABLE] [OWNER...]. */

/* The cookie owners 'arg' names ("pod=NS/NAME", "policy=NS/NAME" or
 * "policy=NAME" for a ClusterNetworkPolicy, "service=NS/NAME"), added to
 * 'owners'; how many, 0 for none, -EINVAL for a malformed 'arg'. */
static int
pod_owners(const struct agent *agent, const char *name, struct vec *owners)
{
    struct podrec *rec;
    int n = 0;

    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        char *key = xasprintf("%s/%s", rec->pod_namespace ? rec->pod_namespace
                                                          : "",
                              rec->pod_name ? rec->pod_name : "");
        if (!strcmp(key, name)) {
            vec_push(owners, &rec->owner);
            n++;
        }
        free(key);
    }
    return n;
}

static int
policy_owners(const struct agent *agent, const char *name, struct vec *owners)
{
    char *prefix = (strchr(name, '/') ? xasprintf("%s/", name)
                                      : xasprintf("cnp/%s/", name));
    size_t n_refs;
    struct policy_rule_ref *refs = policy_list_rules(agent->policy, &n_refs);
    int n = 0;

    for (size_t i = 0; i < n_refs; i++) {
        if (!strncmp(refs[i].key, prefix, strlen(prefix))) {
            uint64_t owner = cookie_owner(COOKIE_KIND_POLICY, refs[i].rule->id);
            vec_push(owners, &owner);
            n++;
        }
    }
    free(refs);
    free(prefix);
    return n;
}

static int
service_owners(const struct agent *agent, const char *name,
               struct vec *owners)
{
    char *prefix = xasprintf("%s/", name);
    size_t n_refs;
    struct svclb_ref *refs = svclb_list(agent->svclb, &n_refs);
    int n = 0;

    for (size_t i = 0; i < n_refs; i++) {
        if (!strncmp(refs[i].key, prefix, strlen(prefix))) {
            uint64_t owner = svcflows_owner(refs[i].lb->id);
            vec_push(owners, &owner);
            n++;
        }
    }
    free(refs);
    free(prefix);
    return n;
}

static int
parse_owner(const struct agent *agent, const char *arg, struct vec *owners)
{
    const char *eq = strchr(arg, '=');

    if (!eq || !eq[1]) {
        return -EINVAL;
    } else if (!strncmp(arg, "pod=", 4)) {
        return pod_owners(agent, eq + 1, owners);
    } else if (!strncmp(arg, "policy=", 7)) {
        return agent->policy ? policy_owners(agent, eq + 1, owners) : 0;
    } else if (!strncmp(arg, "service=", 8)) {
        return service_owners(agent, eq + 1, owners);
    }
    return -EINVAL;
}

/* "table=T,priority=P[,MATCH] actions=A" as a flow object, or NULL. */
static struct json_object *
flow_json(const char *line)
{
    unsigned int table, priority;
    int n = 0;
    const char *actions = strstr(line, " actions=");

    if (!actions || sscanf(line, "table=%u,priority=%u%n", &table, &priority,
                           &n) != 2) {
        return NULL;
    }
    const char *match = line + n + (line[n] == ',');
    char *m = xmemdup0(match, actions > match ? actions - match : 0);
    struct json_object *f = json_object_new_object();

    add_table(f, table);
    add_int(f, "priority", priority);
    add_str(f, "match", m);
    add_str(f, "actions", actions + strlen(" actions="));
    free(m);
    return f;
}

/* Adds the desired flows of 'owner' (0: all) in 'table' (-1: any) that
 * 'seen' does not have yet: a shared clause flow is printed for each of
 * its owners. */
static void
add_flows(const struct agent *agent, uint64_t owner, int table,
          const char *owner_name, struct sset *seen, struct json_object *items)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    char *save = NULL;

    flowtab_format_desired(agent->ft, owner, &s);
    for (char *line = strtok_r(ds_cstr(&s), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct json_object *f = sset_add(seen, line) ? flow_json(line) : NULL;
        if (!f) {
            continue;
        }
        if (table >= 0 && json_object_get_int(json_object_object_get(
                                                  f, "table")) != table) {
            json_object_put(f);
            continue;
        }
        add_str(f, "owner", owner_name);
        json_object_array_add(items, f);
    }
    ds_destroy(&s);
}

static int
parse_table_arg(const char *arg, int *tablep)
{
    uint8_t table;

    if (!strcmp(arg, "all") || !strcmp(arg, "*")) {
        *tablep = -1;
        return 0;
    }
    if (pipeline_table_parse(arg, &table)) {
        return -EINVAL;
    }
    *tablep = table;
    return 0;
}

/* Fills 'items' with the flows argv names; NULL, or why not (the caller
 * frees it). */
static char *
collect_flows(const struct agent *agent, int argc, const char *argv[],
              struct json_object *items)
{
    struct sset seen = SSET_INITIALIZER(&seen);
    int table = -1;

    if (argc > 1 && parse_table_arg(argv[1], &table)) {
        sset_destroy(&seen);
        return xasprintf("%s: no such table", argv[1]);
    }
    if (argc <= 2) {
        add_flows(agent, 0, table, NULL, &seen, items);
    }
    for (int i = 2; i < argc; i++) {
        struct vec owners = VEC_INIT(uint64_t);
        int n = parse_owner(agent, argv[i], &owners);
        const uint64_t *o = owners.data;

        for (int j = 0; j < n; j++) {
            add_flows(agent, o[j], table, argv[i], &seen, items);
        }
        free(owners.data);
        if (n <= 0) {
            sset_destroy(&seen);
            return xasprintf(n ? "%s: not pod=NS/NAME, policy=[NS/]NAME or "
                             "service=NS/NAME" : "%s: owns no flow", argv[i]);
        }
    }
    sset_destroy(&seen);
    return NULL;
}

static void
ctl_flows(struct unixctl_conn *conn, int argc, const char *argv[],
          void *agent_)
{
    struct json_object *items = json_object_new_array();
    char *err = collect_flows(agent_, argc, argv, items);

    if (err) {
        unixctl_command_reply_error(conn, err);
        json_object_put(items);
        free(err);
        return;
    }
    reply_items(conn, "FlowList", items);
}

/* ctl/nodes. */

static struct json_object *
node_json(const struct agent *agent, const struct cluster_node *node)
{
    struct json_object *n = json_object_new_object();
    bool local = !strcmp(node->name, agent->conf->node_name);
    bool routed = !local && agent->underlay
                  && underlay_routes_node(agent->underlay, node->name);

    add_str(n, "name", node->name);
    add_str(n, "podCIDR", node->pod_cidr);
    add_str(n, "internalIP", node->internal_ip);
    add_bool(n, "local", local);
    add_bool(n, "routed", routed);
    add_str(n, "transport",
            !routed ? NULL
            : !strcmp(agent->conf->encap_mode, "noEncap") ? "noEncap"
            : agent->conf->tunnel_type);
    /* Only this node's uplink is known here. */
    add_str(n, "uplink", local ? agent->conf->uplink : NULL);
    add_str(n, "uplinkType",
            local && agent->conf->uplink ? agent->conf->uplink_type : NULL);
    return n;
}

static void
ctl_nodes(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct json_object *items = json_object_new_array();
    size_t n;
    const void **nodes = cluster_list(agent->cluster, CLUSTER_NODE, &n);

    for (size_t i = 0; i < n; i++) {
        json_object_array_add(items, node_json(agent, nodes[i]));
    }
    free(nodes);
    reply_items(conn, "NodeList", items);
}

/* ctl/ports. */

static void
add_counter(struct json_object *obj, const char *key, int64_t value)
{
    if (value >= 0) {
        add_int(obj, key, value);
    } else {
        add_str(obj, key, NULL);
    }
}

static struct json_object *
stats_json(const struct ovsbridge_iface_stats *st)
{
    struct json_object *s = json_object_new_object();

    add_counter(s, "rxPackets", st->rx_packets);
    add_counter(s, "rxBytes", st->rx_bytes);
    add_counter(s, "rxDropped", st->rx_dropped);
    add_counter(s, "rxErrors", st->rx_errors);
    add_counter(s, "txPackets", st->tx_packets);
    add_counter(s, "txBytes", st->tx_bytes);
    add_counter(s, "txDropped", st->tx_dropped);
    add_counter(s, "txErrors", st->tx_errors);
    return s;
}

static struct json_object *
port_json(const struct ovsbridge_port_info *info)
{
    struct json_object *p = json_object_new_object();

    add_str(p, "name", info->name);
    add_str(p, "type", *info->type ? info->type : "system");
    add_int(p, "ofport", info->ofport);
    add_str(p, "linkState", info->link_state);
    add_str(p, "adminState", info->admin_state);
    add_int(p, "mtu", info->mtu);
    add_str(p, "owner", info->owner);
    add_str(p, "error", info->error);
    json_object_object_add(p, "statistics", stats_json(&info->stats));
    return p;
}

static void
ctl_ports(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct json_object *items = json_object_new_array();
    struct ovsbridge_port_info *ports;
    size_t n;

    ovsbridge_list_ports(agent->br, &ports, &n);
    for (size_t i = 0; i < n; i++) {
        json_object_array_add(items, port_json(&ports[i]));
    }
    ovsbridge_port_infos_free(ports, n);
    reply_items(conn, "PortList", items);
}

/* ctl/pmd. */

/* The last answer of ovs-vswitchd's PMD counters (dpstats.h: asked every
 * few seconds, so this never waits on the switch). */
static void
ctl_pmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
        const char *argv[] OVS_UNUSED, void *agent_)
{
    const struct agent *agent = agent_;

    reply_items(conn, "PMDList", dpstats_pmds(agent->dpstats));
}

/* The datapath flows and which of them a NIC runs (hw-offload), from the
 * last "dpctl/dump-flows -m" (dpstats.h). */
static void
ctl_offload(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *agent_)
{
    const struct agent *agent = agent_;

    reply_items(conn, "OffloadFlowList",
                dpstats_offload_flows(agent->dpstats));
}

/* ctl/version and ctl/recompute. */

static void
ctl_version(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct json_object *items = json_object_new_array();
    struct json_object *v = json_object_new_object();

    add_str(v, "agentVersion", SEINE_VERSION);
    add_str(v, "ovsLibraryVersion", VERSION);
    add_str(v, "ovsVersion", ovsbridge_ovs_version(agent->br));
    add_str(v, "nodeName", agent->conf->node_name);
    json_object_array_add(items, v);
    reply_items(conn, "Version", items);
}

/* ctl/traceflow: answered when the trace ends (traceflow.h). */
static void
ctl_traceflow(struct unixctl_conn *conn, int argc, const char *argv[],
              void *agent_)
{
    struct agent *agent = agent_;

    traceflow_start(agent->traceflow, agent, conn, argc, argv);
}

/* ctl/runtime: where this agent's files and switch are, for what reads
 * them from outside (seinectl supportbundle). */

static const char *ctl_config_path;

static struct json_object *
runtime_json(const struct agent *agent)
{
    const struct agentconf *conf = agent->conf;
    struct json_object *r = json_object_new_object();
    char *log_file = vlog_get_log_file();
    char *vswitchd_ctl = vswitchctl_path(conf->ovs_rundir);

    add_str(r, "configFile", ctl_config_path);
    add_str(r, "logFile", log_file);
    add_int(r, "pid", getpid());
    add_str(r, "nodeName", conf->node_name);
    add_str(r, "ovsdb", conf->ovsdb_socket);
    add_str(r, "ovsRunDir", conf->ovs_rundir);
    add_str(r, "bridge", conf->bridge);
    add_str(r, "vswitchdControl", vswitchd_ctl);
    add_str(r, "stateSource", conf->source == AGENTCONF_SOURCE_KUBERNETES
                              ? "kubernetes" : "manifests");
    add_str(r, "kubeconfig", conf->kubeconfig);
    add_str(r, "metricsTokenFile", conf->metrics_token_file);
    add_str(r, "metricsTlsKeyFile", conf->metrics_tls_key);
    free(vswitchd_ctl);
    free(log_file);
    return r;
}

static void
ctl_runtime(struct unixctl_conn *conn, int argc OVS_UNUSED,
            const char *argv[] OVS_UNUSED, void *agent_)
{
    struct json_object *items = json_object_new_array();

    json_object_array_add(items, runtime_json(agent_));
    reply_items(conn, "Runtime", items);
}

/* Recomputes; false when it failed and 'conn' has the error. */
static bool
recompute(struct unixctl_conn *conn, struct agent *agent, size_t *n_changes)
{
    int error = agent_recompute(agent, n_changes);

    if (error) {
        char *msg = xasprintf("recompute failed: %s", ovs_strerror(-error));
        unixctl_command_reply_error(conn, msg);
        free(msg);
    }
    return !error;
}

static void
ctl_recompute(struct unixctl_conn *conn, int argc OVS_UNUSED,
              const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    size_t n_changes;

    if (!recompute(conn, agent, &n_changes)) {
        return;
    }
    struct json_object *items = json_object_new_array();
    struct json_object *r = json_object_new_object();
    add_int(r, "flows", flowtab_count(agent->ft));
    add_int(r, "groups", flowtab_count_groups(agent->ft));
    add_int(r, "changes", n_changes);
    json_object_array_add(items, r);
    reply_items(conn, "Recompute", items);
}

/* "recompute", for ovs-appctl: drops the incremental state and computes
 * every desired flow from scratch; says how many changes the switch then
 * needed (0 when the incremental computation was exact). */
static void
text_recompute(struct unixctl_conn *conn, int argc OVS_UNUSED,
               const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    size_t n_changes;

    if (recompute(conn, agent, &n_changes)) {
        char *reply = xasprintf("recomputed: %zu flows, %zu groups; %zu "
                                "changes to the switch\n",
                                flowtab_count(agent->ft),
                                flowtab_count_groups(agent->ft), n_changes);
        unixctl_command_reply(conn, reply);
        free(reply);
    }
}

void
ctlapi_register(struct agent *agent, const char *config_path)
{
    static const struct {
        const char *name, *usage;
        int max_args;
        unixctl_cb_func *cb;
    } cmds[] = {
        { "ctl/pods", "", 0, ctl_pods },
        { "ctl/policies", "", 0, ctl_policies },
        { "ctl/services", "", 0, ctl_services },
        { "ctl/flows", "[TABLE|all] [pod=NS/NAME|policy=[NS/]NAME|"
          "service=NS/NAME]...", INT_MAX, ctl_flows },
        { "ctl/nodes", "", 0, ctl_nodes },
        { "ctl/ports", "", 0, ctl_ports },
        { "ctl/pmd", "", 0, ctl_pmd },
        { "ctl/offload", "", 0, ctl_offload },
        { "ctl/version", "", 0, ctl_version },
        { "ctl/recompute", "", 0, ctl_recompute },
        { "recompute", "", 0, text_recompute },
        { "ctl/runtime", "", 0, ctl_runtime },
        { "ctl/traceflow", "--from NS/POD --to NS/POD|IP|svc:NS/NAME "
          "[--proto P] [--dport N] [--sport N] [--timeout S] [--static]",
          INT_MAX, ctl_traceflow },
    };

    ctl_config_path = config_path;
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        unixctl_command_register(cmds[i].name, cmds[i].usage, 0,
                                 cmds[i].max_args, cmds[i].cb, agent);
    }
}
