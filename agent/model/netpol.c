/*
 * NetworkPolicy parsing: the API object into struct netpol (netpol.h).
 */
#include <config.h>
#include "agent/model/netpol.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/model/ipblock.h"
#include "agent/model/kjson.h"
#include "agent/model/labelsel.h"
#include "util.h"

/* The spec field of a direction's peers. */
static const char *const peers_field[NETPOL_N_DIRS] = {
    [POLFLOWS_INGRESS] = "from",
    [POLFLOWS_EGRESS] = "to",
};

/* Parsing: ports. */

static int
parse_port(struct json_object *obj, const char *path,
           struct netpol_port *port, char **err)
{
    struct json_object *number = kjson_child(obj, "port");
    struct json_object *end = kjson_child(obj, "endPort");
    char *field = NULL;
    int error;

    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        return -EINVAL;
    }
    error = kjson_proto(obj, path, &port->proto, err);
    if (error) {
        return error;
    }
    if (json_object_is_type(number, json_type_string)) {
        const char *name = json_object_get_string(number);
        if (!kjson_is_port_name(name)) {
            *err = xasprintf("%s.port: '%s' is neither a port number nor a "
                             "port name (1-15 of a-z, 0-9 and '-', with a "
                             "letter)", path, name);
            return -EINVAL;
        }
        port->name = xstrdup(name);
    } else if (number) {
        field = xasprintf("%s.port", path);
        error = kjson_port(number, field, false, &port->port, err);
        free(field);
        if (error) {
            return error;
        }
    }
    if (end) {
        if (!number || port->name) {
            *err = xasprintf("%s.endPort: may not be specified when `port` "
                             "is %s", path,
                             number ? "non-numeric" : "not specified");
            return -EINVAL;
        }
        field = xasprintf("%s.endPort", path);
        error = kjson_port(end, field, false, &port->end_port, err);
        free(field);
        if (error) {
            return error;
        }
        if (port->end_port < port->port) {
            *err = xasprintf("%s.endPort: must be greater than or equal to "
                             "`port`", path);
            return -EINVAL;
        }
    }
    return 0;
}

/* Parsing: peers and rules. */

static void
peer_destroy(struct netpol_peer *peer)
{
    labelsel_destroy(peer->pod_sel);
    labelsel_destroy(peer->ns_sel);
    ipblock_destroy(peer->ipblock);
}

static int
parse_peer(struct json_object *obj, const char *path,
           struct netpol_peer *peer, char **err)
{
    struct json_object *pod_sel = kjson_child(obj, "podSelector");
    struct json_object *ns_sel = kjson_child(obj, "namespaceSelector");
    struct json_object *ipblock = kjson_child(obj, "ipBlock");
    char *field;
    int error = 0;

    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        return -EINVAL;
    }
    if (!pod_sel && !ns_sel && !ipblock) {
        *err = xasprintf("%s: must specify a peer", path);
        return -EINVAL;
    }
    if (ipblock && (pod_sel || ns_sel)) {
        *err = xasprintf("%s: may not specify both ipBlock and another peer",
                         path);
        return -EINVAL;
    }
    if (pod_sel) {
        field = xasprintf("%s.podSelector", path);
        error = labelsel_parse(pod_sel, field, &peer->pod_sel, err);
        free(field);
    }
    if (!error && ns_sel) {
        field = xasprintf("%s.namespaceSelector", path);
        error = labelsel_parse(ns_sel, field, &peer->ns_sel, err);
        free(field);
    }
    if (!error && ipblock) {
        field = xasprintf("%s.ipBlock", path);
        error = ipblock_parse(ipblock, field, &peer->ipblock, err);
        free(field);
    }
    return error;
}

static void
rule_destroy(struct netpol_rule *rule)
{
    for (size_t i = 0; i < rule->n_peers; i++) {
        peer_destroy(&rule->peers[i]);
    }
    free(rule->peers);
    for (size_t i = 0; i < rule->n_ports; i++) {
        free(rule->ports[i].name);
    }
    free(rule->ports);
}

static int
parse_rule(struct json_object *obj, const char *path, enum polflows_dir dir,
           struct netpol_rule *rule, char **err)
{
    struct json_object *peers, *ports;
    size_t n_peers, n_ports;
    int error;

    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        return -EINVAL;
    }
    error = kjson_list(obj, peers_field[dir], path, &peers, &n_peers, err);
    if (!error) {
        error = kjson_list(obj, "ports", path, &ports, &n_ports, err);
    }
    if (error) {
        return error;
    }

    rule->peers = xcalloc(n_peers + 1, sizeof *rule->peers);
    for (size_t i = 0; i < n_peers && !error; i++) {
        char *field = xasprintf("%s.%s[%zu]", path, peers_field[dir], i);
        error = parse_peer(json_object_array_get_idx(peers, i), field,
                           &rule->peers[rule->n_peers++], err);
        free(field);
    }
    rule->ports = xcalloc(n_ports + 1, sizeof *rule->ports);
    for (size_t i = 0; i < n_ports && !error; i++) {
        char *field = xasprintf("%s.ports[%zu]", path, i);
        error = parse_port(json_object_array_get_idx(ports, i), field,
                           &rule->ports[rule->n_ports++], err);
        free(field);
    }
    return error;
}

static int
parse_rules(struct json_object *spec, enum polflows_dir dir,
            struct netpol *np, char **err)
{
    struct json_object *list;
    size_t n;
    int error = kjson_list(spec, polflows_dir_name(dir), "spec", &list, &n, err);

    np->rules[dir] = xcalloc(n + 1, sizeof *np->rules[dir]);
    for (size_t i = 0; i < n && !error; i++) {
        char *path = xasprintf("spec.%s[%zu]", polflows_dir_name(dir), i);
        error = parse_rule(json_object_array_get_idx(list, i), path, dir,
                           &np->rules[dir][np->n_rules[dir]++], err);
        free(path);
    }
    return error;
}

static int
parse_policy_types(struct json_object *spec, struct netpol *np, char **err)
{
    struct json_object *list;
    size_t n;
    int error = kjson_list(spec, "policyTypes", "spec", &list, &n, err);

    if (error) {
        return error;
    }
    if (n > NETPOL_N_DIRS) {
        *err = xstrdup("spec.policyTypes: may not specify more than two "
                       "policyTypes");
        return -EINVAL;
    }
    if (!n) {
        np->applies[POLFLOWS_INGRESS] = true;
        np->applies[POLFLOWS_EGRESS] = np->n_rules[POLFLOWS_EGRESS] > 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *type = json_object_get_string(
            json_object_array_get_idx(list, i));

        if (type && !strcmp(type, "Ingress")) {
            np->applies[POLFLOWS_INGRESS] = true;
        } else if (type && !strcmp(type, "Egress")) {
            np->applies[POLFLOWS_EGRESS] = true;
        } else {
            *err = xasprintf("spec.policyTypes[%zu]: unsupported value '%s' "
                             "(Ingress or Egress)", i, type ? type : "");
            return -EINVAL;
        }
    }
    return 0;
}

int
netpol_parse(struct json_object *obj, const char *ns, const char *name,
             struct netpol **npp, char **err)
{
    struct json_object *spec = kjson_child(obj, "spec");
    struct netpol *np = xzalloc(sizeof *np);
    int error = 0;

    *npp = NULL;
    error = kjson_object_id(obj, "NetworkPolicy", ns, name, &np->namespace,
                            &np->name, &np->key, err);
    if (error) {
        goto out;
    }
    if (spec && !json_object_is_type(spec, json_type_object)) {
        *err = xstrdup("spec: not a mapping");
        error = -EINVAL;
        goto out;
    }

    error = labelsel_parse(kjson_child(spec, "podSelector"),
                           "spec.podSelector", &np->pod_sel, err);
    for (int dir = 0; dir < NETPOL_N_DIRS && !error; dir++) {
        error = parse_rules(spec, dir, np, err);
    }
    if (!error) {
        error = parse_policy_types(spec, np, err);
    }

    /* Rules of a type the policy does not list never apply. */
    for (int dir = 0; dir < NETPOL_N_DIRS && !error; dir++) {
        if (!np->applies[dir]) {
            for (size_t i = 0; i < np->n_rules[dir]; i++) {
                rule_destroy(&np->rules[dir][i]);
            }
            np->n_rules[dir] = 0;
        }
    }

out:
    if (error) {
        netpol_destroy(np);
        return error;
    }
    *npp = np;
    return 0;
}

void
netpol_destroy(struct netpol *np)
{
    if (!np) {
        return;
    }
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        for (size_t i = 0; i < np->n_rules[dir]; i++) {
            rule_destroy(&np->rules[dir][i]);
        }
        free(np->rules[dir]);
    }
    labelsel_destroy(np->pod_sel);
    free(np->namespace);
    free(np->name);
    free(np->key);
    free(np);
}

/* Equality. */

static bool
peer_equal(const struct netpol_peer *a, const struct netpol_peer *b)
{
    return (labelsel_equal(a->pod_sel, b->pod_sel)
            && labelsel_equal(a->ns_sel, b->ns_sel)
            && (a->ipblock && b->ipblock
                ? ipblock_equal(a->ipblock, b->ipblock)
                : !a->ipblock && !b->ipblock));
}

static bool
port_equal(const struct netpol_port *a, const struct netpol_port *b)
{
    return (a->proto == b->proto && a->port == b->port
            && a->end_port == b->end_port
            && nullable_string_is_equal(a->name, b->name));
}

static bool
rule_equal(const struct netpol_rule *a, const struct netpol_rule *b)
{
    if (a->n_peers != b->n_peers || a->n_ports != b->n_ports) {
        return false;
    }
    for (size_t i = 0; i < a->n_peers; i++) {
        if (!peer_equal(&a->peers[i], &b->peers[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (!port_equal(&a->ports[i], &b->ports[i])) {
            return false;
        }
    }
    return true;
}

/* Compares what was parsed, not the JSON: keeping the spec cost more than
 * the rest of the policy, and a difference the parse drops (the rules of a
 * type the policy does not list) changes no result. */
bool
netpol_equal(const struct netpol *a, const struct netpol *b)
{
    if (strcmp(a->namespace, b->namespace) || strcmp(a->name, b->name)
        || !labelsel_equal(a->pod_sel, b->pod_sel)) {
        return false;
    }
    for (int dir = 0; dir < NETPOL_N_DIRS; dir++) {
        if (a->applies[dir] != b->applies[dir]
            || a->n_rules[dir] != b->n_rules[dir]) {
            return false;
        }
        for (size_t i = 0; i < a->n_rules[dir]; i++) {
            if (!rule_equal(&a->rules[dir][i], &b->rules[dir][i])) {
                return false;
            }
        }
    }
    return true;
}
