/*
 * ClusterNetworkPolicy parsing and resolution (see cnp.h for the
 * semantics).
 *
 * A policy is parsed once, when the cluster model takes it; resolution
 * reads the parsed policies and the pods, namespaces and nodes of the
 * model.  It is incremental: a cnp_state keeps each policy's resolved
 * rules and what they saw, a change re-resolves only the policies it can
 * affect (cnp_state_affected(), cnp_state_recompute()), and ids that
 * depend only on keys make an unchanged rule come out identical, so only
 * what really changed is rewritten in the flow table.
 */
#include <config.h>
#include "cnp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "hash.h"
#include "ipblock.h"
#include "kjson.h"
#include "labelsel.h"
#include "ruleparts.h"
#include "tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"
#include "sset.h"
#include "util.h"


static_assert(CNP_OF_PRIORITY_MAX < POLICY_BYPASS_PRIORITY,
              "CNP rules must stay below the policy bypass flows");
static_assert(CNP_OF_PRIORITY_BASE > 0,
              "CNP rules must stay above the tier's pass-through");

static const char *const dir_names[CNP_N_DIRS] = {
    [POLFLOWS_INGRESS] = "ingress",
    [POLFLOWS_EGRESS] = "egress",
};
static const char *const peers_field[CNP_N_DIRS] = {
    [POLFLOWS_INGRESS] = "from",
    [POLFLOWS_EGRESS] = "to",
};

int
cnp_of_priority(int priority, size_t index)
{
    if (priority < 0 || priority > CNP_MAX_PRIORITY
        || index >= CNP_MAX_RULES) {
        return -1;
    }
    return (CNP_OF_PRIORITY_BASE + (CNP_MAX_PRIORITY - priority)
            * CNP_MAX_RULES + (CNP_MAX_RULES - 1 - index));
}

uint8_t
cnp_table(enum cnp_tier tier, enum polflows_dir dir)
{
    if (dir == POLFLOWS_EGRESS) {
        return tier == CNP_TIER_ADMIN ? TABLE_EGRESS_ADMIN
                                      : TABLE_EGRESS_BASELINE;
    }
    return tier == CNP_TIER_ADMIN ? TABLE_INGRESS_ADMIN
                                  : TABLE_INGRESS_BASELINE;
}

/* Past every policy stage of the direction. */
uint8_t
cnp_accept_table(enum polflows_dir dir)
{
    return dir == POLFLOWS_EGRESS ? TABLE_L3_FORWARDING : TABLE_CT_COMMIT;
}

/* The next tier: NetworkPolicy after Admin; after Baseline the default,
 * which accepts. */
uint8_t
cnp_pass_table(enum cnp_tier tier, enum polflows_dir dir)
{
    if (tier == CNP_TIER_BASELINE) {
        return cnp_accept_table(dir);
    }
    return dir == POLFLOWS_EGRESS ? TABLE_EGRESS_RULE : TABLE_INGRESS_RULE;
}

/* Parsing: helpers. */

static int __attribute__((format(printf, 2, 3)))
fail(char **err, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    *err = xvasprintf(fmt, args);
    va_end(args);
    return -EINVAL;
}

/* The list PATH.KEY with MIN..MAX items; left out, none (or an error when
 * 'required'). */
static int
get_list(struct json_object *obj, const char *key, const char *path,
         bool required, size_t min, size_t max, struct json_object **listp,
         size_t *np, char **err)
{
    struct json_object *list = kjson_child(obj, key);

    *listp = list;
    *np = 0;
    if (!list) {
        return required ? fail(err, "%s.%s: Required value", path, key) : 0;
    }
    if (!json_object_is_type(list, json_type_array)) {
        return fail(err, "%s.%s: not a list", path, key);
    }
    *np = json_object_array_length(list);
    if (*np < min) {
        return fail(err, "%s.%s: must have at least %zu items", path, key,
                    min);
    }
    if (*np > max) {
        return fail(err, "%s.%s: must have at most %zu items", path, key,
                    max);
    }
    return 0;
}

/* Which one of 'fields' 'obj' sets, in '*which'.  An object that sets
 * none of them but has other fields (a newer API's) gives -1; one with no
 * field at all, or with two of them, is an error. */
static int
one_of(struct json_object *obj, const char *path, const char *const *fields,
       int *which, char **err)
{
    struct ds names = DS_EMPTY_INITIALIZER;
    int n_set = 0, error = 0;

    *which = -1;
    if (!json_object_is_type(obj, json_type_object)) {
        return fail(err, "%s: not a mapping", path);
    }
    for (int i = 0; fields[i]; i++) {
        ds_put_format(&names, "%s%s", i ? ", " : "", fields[i]);
        if (kjson_child(obj, fields[i])) {
            *which = i;
            n_set++;
        }
    }
    if (n_set > 1 || !json_object_object_length(obj)) {
        error = fail(err, "%s: must specify exactly one of %s", path,
                     ds_cstr(&names));
    }
    ds_destroy(&names);
    return error;
}

static int
parse_selector(struct json_object *obj, const char *path, const char *key,
               struct labelsel **selp, char **err)
{
    char *field = xasprintf("%s.%s", path, key);
    struct json_object *v = kjson_child(obj, key);
    int error;

    if (v && !json_object_is_type(v, json_type_object)) {
        error = fail(err, "%s: not a mapping", field);
    } else {
        error = labelsel_parse(v, field, selp, err);
    }
    free(field);
    return error;
}

/* A NamespacedPod: namespaceSelector (left out: every namespace) and the
 * required podSelector. */
static int
parse_namespaced_pod(struct json_object *obj, const char *path,
                     struct labelsel **ns_selp, struct labelsel **pod_selp,
                     char **err)
{
    if (!json_object_is_type(obj, json_type_object)) {
        return fail(err, "%s: not a mapping", path);
    }
    if (!kjson_child(obj, "podSelector")) {
        return fail(err, "%s.podSelector: Required value", path);
    }
    int error = parse_selector(obj, path, "namespaceSelector", ns_selp, err);
    return error ? error : parse_selector(obj, path, "podSelector", pod_selp,
                                          err);
}

/* Parsing: peers. */

static void
peer_destroy(struct cnp_peer *peer)
{
    labelsel_destroy(peer->ns_sel);
    labelsel_destroy(peer->pod_sel);
    labelsel_destroy(peer->node_sel);
    free(peer->networks);
    for (size_t i = 0; i < peer->n_names; i++) {
        free(peer->names[i]);
    }
    free(peer->names);
}

/* A CIDR in canonical form ("cidr(self) == cidr(self).masked()"): the
 * address as written has no host bits. */
static int
parse_network(struct json_object *v, const char *path, int *familyp,
              struct polflows_cidr *cidr, char **err)
{
    const char *s = json_object_get_string(v);
    unsigned char addr[16], written[16];
    char *parse_err = NULL, *host;
    int plen, error;

    if (!json_object_is_type(v, json_type_string)) {
        return fail(err, "%s: not a string", path);
    }
    error = ipblock_parse_cidr(s, familyp, addr, &plen, &parse_err);
    if (error) {
        free(parse_err);
        return fail(err, "%s: Invalid CIDR format provided", path);
    }
    host = xstrdup(s);
    *strchr(host, '/') = '\0';
    error = (inet_pton(*familyp, host, written) != 1
             || memcmp(written, addr, *familyp == AF_INET ? 4 : 16));
    free(host);
    if (error) {
        return fail(err, "%s: Invalid CIDR format provided", path);
    }
    if (*familyp == AF_INET) {
        memcpy(&cidr->addr, addr, 4);
        cidr->plen = plen;
    }
    return 0;
}

static int
parse_networks(struct json_object *list, size_t n, const char *path,
               struct cnp_peer *peer, char **err)
{
    peer->networks = xcalloc(n, sizeof *peer->networks);
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i);
        char *field = xasprintf("%s[%zu]", path, i);
        int family, error;

        error = parse_network(v, field, &family,
                              &peer->networks[peer->n_networks], err);
        for (size_t j = 0; !error && j < i; j++) {
            if (!strcmp(json_object_get_string(v), json_object_get_string(
                            json_object_array_get_idx(list, j)))) {
                error = fail(err, "%s: Duplicate value", field);
            }
        }
        free(field);
        if (error) {
            return error;
        }
        peer->n_networks += family == AF_INET;
    }
    return 0;
}

static bool
is_alnum(char c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9'));
}

/* The API's pattern: an optional "*." then two or more labels of
 * [a-zA-Z0-9] with [-a-zA-Z0-9_] inside, and an optional final dot. */
static bool
is_domain_name(const char *s)
{
    size_t n_labels = 0;

    if (!strncmp(s, "*.", 2)) {
        s += 2;
    }
    while (*s) {
        size_t len = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
                               "QRSTUVWXYZ0123456789-_");
        if (!len || !is_alnum(s[0]) || !is_alnum(s[len - 1])) {
            return false;
        }
        n_labels++;
        s += len;
        if (*s == '.') {
            s++;
        } else if (*s) {
            return false;
        }
    }
    return n_labels >= 2;
}

static int
parse_domain_names(struct json_object *list, size_t n, const char *path,
                   struct cnp_peer *peer, char **err)
{
    peer->names = xcalloc(n, sizeof *peer->names);
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i);
        const char *s = json_object_get_string(v);

        if (!json_object_is_type(v, json_type_string) || !is_domain_name(s)) {
            return fail(err, "%s[%zu]: '%s' is not a domain name", path, i,
                        s ? s : "");
        }
        for (size_t j = 0; j < peer->n_names; j++) {
            if (!strcmp(peer->names[j], s)) {
                return fail(err, "%s[%zu]: Duplicate value", path, i);
            }
        }
        peer->names[peer->n_names++] = xstrdup(s);
    }
    return 0;
}

/* A list peer field (networks, domainNames): 1..25 items. */
static int
parse_peer_list(struct json_object *obj, const char *path, const char *key,
                struct cnp_peer *peer, char **err)
{
    struct json_object *list;
    size_t n;
    int error = get_list(obj, key, path, true, 1, CNP_MAX_ITEMS, &list, &n,
                         err);
    if (!error) {
        char *field = xasprintf("%s.%s", path, key);
        error = (peer->kind == CNP_PEER_NETWORKS
                 ? parse_networks(list, n, field, peer, err)
                 : parse_domain_names(list, n, field, peer, err));
        free(field);
    }
    return error;
}

static int
parse_peer(struct json_object *obj, const char *path, enum polflows_dir dir,
           struct cnp_peer *peer, char **err)
{
    static const char *const ingress_fields[] = {
        "namespaces", "pods", NULL
    };
    static const char *const egress_fields[] = {
        "namespaces", "pods", "nodes", "networks", "domainNames", NULL
    };
    const char *const *fields = (dir == POLFLOWS_EGRESS ? egress_fields
                                 : ingress_fields);
    int which, error;

    error = one_of(obj, path, fields, &which, err);
    if (error) {
        return error;
    }
    peer->kind = which < 0 ? CNP_PEER_UNKNOWN : (enum cnp_peer_kind) which;
    switch (peer->kind) {
    case CNP_PEER_NAMESPACES:
        return parse_selector(obj, path, "namespaces", &peer->ns_sel, err);
    case CNP_PEER_PODS: {
        char *field = xasprintf("%s.pods", path);
        error = parse_namespaced_pod(kjson_child(obj, "pods"), field,
                                     &peer->ns_sel, &peer->pod_sel, err);
        free(field);
        return error;
    }
    case CNP_PEER_NODES:
        return parse_selector(obj, path, "nodes", &peer->node_sel, err);
    case CNP_PEER_NETWORKS:
        return parse_peer_list(obj, path, "networks", peer, err);
    case CNP_PEER_DOMAIN_NAMES:
        return parse_peer_list(obj, path, "domainNames", peer, err);
    case CNP_PEER_UNKNOWN:
    default:
        return 0;
    }
}

/* Parsing: protocols. */

static int
parse_port_number(struct json_object *v, const char *path, uint16_t *portp,
                  char **err)
{
    int64_t n = json_object_get_int64(v);

    if (!v) {
        return fail(err, "%s: Required value", path);
    }
    if (!json_object_is_type(v, json_type_int) || n < 1 || n > 65535) {
        return fail(err, "%s: must be between 1 and 65535, inclusive", path);
    }
    *portp = n;
    return 0;
}

static int
parse_port_range(struct json_object *range, const char *path,
                 struct cnp_protocol *p, char **err)
{
    char *start = xasprintf("%s.start", path);
    char *end = xasprintf("%s.end", path);
    int error;

    if (!json_object_is_type(range, json_type_object)) {
        error = fail(err, "%s: not a mapping", path);
        goto out;
    }
    error = parse_port_number(kjson_child(range, "start"), start, &p->port,
                              err);
    if (!error) {
        error = parse_port_number(kjson_child(range, "end"), end, &p->end_port,
                                  err);
    }
    if (!error && p->port >= p->end_port) {
        error = fail(err, "%s: Start port must be less than End port", path);
    }
out:
    free(start);
    free(end);
    return error;
}

/* {destinationPort: {number: N} | {range: {start: A, end: B}}} */
static int
parse_port(struct json_object *obj, const char *path, struct cnp_protocol *p,
           char **err)
{
    static const char *const port_fields[] = { "number", "range", NULL };
    struct json_object *dport = kjson_child(obj, "destinationPort");
    char *field = xasprintf("%s.destinationPort", path);
    char *sub = NULL;
    int which, error;

    if (!json_object_is_type(obj, json_type_object)) {
        error = fail(err, "%s: not a mapping", path);
        goto out;
    }
    if (!dport) {
        error = fail(err, "%s: Required value", field);
        goto out;
    }
    error = one_of(dport, field, port_fields, &which, err);
    if (!error && which < 0) {
        error = fail(err, "%s: must specify exactly one of number, range",
                     field);
    }
    if (error) {
        goto out;
    }
    sub = xasprintf("%s.%s", field, port_fields[which]);
    error = (which == 0
             ? parse_port_number(kjson_child(dport, "number"), sub, &p->port,
                                 err)
             : parse_port_range(kjson_child(dport, "range"), sub, p, err));
out:
    free(sub);
    free(field);
    return error;
}

static int
parse_protocol(struct json_object *obj, const char *path,
               struct cnp_protocol *p, char **err)
{
    static const char *const fields[] = {
        "tcp", "udp", "sctp", "destinationNamedPort", NULL
    };
    static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
    int which, error;

    error = one_of(obj, path, fields, &which, err);
    if (!error && which < 0) {
        error = fail(err, "%s: must specify exactly one of tcp, udp, sctp, "
                     "destinationNamedPort", path);
    }
    if (error) {
        return error;
    }
    if (which == 3) {
        struct json_object *v = kjson_child(obj, fields[which]);
        const char *name = json_object_get_string(v);
        if (!json_object_is_type(v, json_type_string) || !name[0]) {
            return fail(err, "%s.destinationNamedPort: not a port name",
                        path);
        }
        p->named_port = xstrdup(name);
        return 0;
    }
    char *field = xasprintf("%s.%s", path, fields[which]);
    p->proto = protos[which];
    error = parse_port(kjson_child(obj, fields[which]), field, p, err);
    free(field);
    return error;
}

/* Parsing: rules and the policy. */

static void
rule_destroy(struct cnp_rule *rule)
{
    for (size_t i = 0; i < rule->n_peers; i++) {
        peer_destroy(&rule->peers[i]);
    }
    free(rule->peers);
    for (size_t i = 0; i < rule->n_protocols; i++) {
        free(rule->protocols[i].named_port);
    }
    free(rule->protocols);
    free(rule->name);
}

static int
parse_action(struct json_object *obj, const char *path,
             enum cnp_action *actionp, char **err)
{
    static const char *const names[] = { "Accept", "Deny", "Pass" };
    struct json_object *v = kjson_child(obj, "action");
    const char *s = json_object_get_string(v);

    if (!v) {
        return fail(err, "%s.action: Required value", path);
    }
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (json_object_is_type(v, json_type_string) && !strcmp(s, names[i])) {
            *actionp = i;
            return 0;
        }
    }
    return fail(err, "%s.action: Unsupported value: \"%s\": supported values: "
                "\"Accept\", \"Deny\", \"Pass\"", path, s ? s : "");
}

static int
parse_rule_name(struct json_object *obj, const char *path,
                struct cnp_rule *rule, char **err)
{
    struct json_object *v = kjson_child(obj, "name");

    if (!v) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        return fail(err, "%s.name: not a string", path);
    }
    if (strlen(json_object_get_string(v)) > CNP_MAX_RULE_NAME) {
        return fail(err, "%s.name: may not be more than %d characters", path,
                    CNP_MAX_RULE_NAME);
    }
    rule->name = xstrdup(json_object_get_string(v));
    return 0;
}

/* The checks across fields of one rule (the API's CEL rules and
 * documented restrictions). */
static int
check_rule(const struct cnp_rule *rule, const char *path, char **err)
{
    bool named = false, unnamed_peer = false;

    for (size_t i = 0; i < rule->n_protocols; i++) {
        named |= rule->protocols[i].named_port != NULL;
    }
    for (size_t i = 0; i < rule->n_peers; i++) {
        enum cnp_peer_kind kind = rule->peers[i].kind;
        if (kind == CNP_PEER_DOMAIN_NAMES && rule->action != CNP_ACCEPT) {
            return fail(err, "%s.to[%zu].domainNames: only supported in "
                        "Accept rules", path, i);
        }
        unnamed_peer |= (kind == CNP_PEER_NODES || kind == CNP_PEER_NETWORKS
                         || kind == CNP_PEER_DOMAIN_NAMES);
    }
    if (named && unnamed_peer) {
        return fail(err, "%s: networks/nodes/domainNames peer cannot be set "
                    "with namedPorts since there are no namedPorts for "
                    "networks/nodes/domainNames", path);
    }
    return 0;
}

static int
parse_rule(struct json_object *obj, const char *path, enum polflows_dir dir,
           struct cnp_rule *rule, char **err)
{
    struct json_object *peers, *protocols;
    size_t n_peers, n_protocols;
    int error;

    if (!json_object_is_type(obj, json_type_object)) {
        return fail(err, "%s: not a mapping", path);
    }
    error = parse_rule_name(obj, path, rule, err);
    if (!error) {
        error = parse_action(obj, path, &rule->action, err);
    }
    if (!error) {
        error = get_list(obj, peers_field[dir], path, true, 1, CNP_MAX_ITEMS,
                         &peers, &n_peers, err);
    }
    if (!error) {
        error = get_list(obj, "protocols", path, false, 1, CNP_MAX_ITEMS,
                         &protocols, &n_protocols, err);
    }
    if (error) {
        return error;
    }
    rule->peers = xcalloc(n_peers, sizeof *rule->peers);
    for (size_t i = 0; i < n_peers && !error; i++) {
        char *field = xasprintf("%s.%s[%zu]", path, peers_field[dir], i);
        error = parse_peer(json_object_array_get_idx(peers, i), field, dir,
                           &rule->peers[rule->n_peers++], err);
        free(field);
    }
    rule->protocols = xcalloc(n_protocols + 1, sizeof *rule->protocols);
    for (size_t i = 0; i < n_protocols && !error; i++) {
        char *field = xasprintf("%s.protocols[%zu]", path, i);
        error = parse_protocol(json_object_array_get_idx(protocols, i), field,
                               &rule->protocols[rule->n_protocols++], err);
        free(field);
    }
    return error ? error : check_rule(rule, path, err);
}

static int
parse_rules(struct json_object *spec, enum polflows_dir dir, struct cnp *cnp,
            char **err)
{
    struct json_object *list;
    size_t n;
    int error = get_list(spec, dir_names[dir], "spec", false, 0,
                         CNP_MAX_RULES, &list, &n, err);

    cnp->rules[dir] = xcalloc(n + 1, sizeof *cnp->rules[dir]);
    for (size_t i = 0; i < n && !error; i++) {
        char *path = xasprintf("spec.%s[%zu]", dir_names[dir], i);
        error = parse_rule(json_object_array_get_idx(list, i), path, dir,
                           &cnp->rules[dir][cnp->n_rules[dir]++], err);
        free(path);
    }
    return error;
}

static int
parse_tier_priority(struct json_object *spec, struct cnp *cnp, char **err)
{
    struct json_object *tier = kjson_child(spec, "tier");
    struct json_object *prio = kjson_child(spec, "priority");
    const char *s = json_object_get_string(tier);
    int64_t n = json_object_get_int64(prio);

    if (!tier) {
        return fail(err, "spec.tier: Required value");
    }
    if (json_object_is_type(tier, json_type_string) && !strcmp(s, "Admin")) {
        cnp->tier = CNP_TIER_ADMIN;
    } else if (json_object_is_type(tier, json_type_string)
               && !strcmp(s, "Baseline")) {
        cnp->tier = CNP_TIER_BASELINE;
    } else {
        return fail(err, "spec.tier: Unsupported value: \"%s\": supported "
                    "values: \"Admin\", \"Baseline\"", s ? s : "");
    }
    if (!prio) {
        return fail(err, "spec.priority: Required value");
    }
    if (!json_object_is_type(prio, json_type_int) || n < 0
        || n > CNP_MAX_PRIORITY) {
        return fail(err, "spec.priority: must be between 0 and %d, "
                    "inclusive", CNP_MAX_PRIORITY);
    }
    cnp->priority = n;
    return 0;
}

static int
parse_subject(struct json_object *spec, struct cnp *cnp, char **err)
{
    static const char *const fields[] = { "namespaces", "pods", NULL };
    struct json_object *subject = kjson_child(spec, "subject");
    int which, error;

    if (!subject) {
        return fail(err, "spec.subject: Required value");
    }
    error = one_of(subject, "spec.subject", fields, &which, err);
    if (!error && which < 0) {
        error = fail(err, "spec.subject: must specify exactly one of "
                     "namespaces, pods");
    }
    if (error) {
        return error;
    }
    if (which == 0) {
        return parse_selector(subject, "spec.subject", "namespaces",
                              &cnp->subject_ns_sel, err);
    }
    return parse_namespaced_pod(kjson_child(subject, "pods"),
                                "spec.subject.pods", &cnp->subject_ns_sel,
                                &cnp->subject_pod_sel, err);
}

int
cnp_parse(struct json_object *obj, const char *name, struct cnp **cnpp,
          char **err)
{
    struct json_object *spec = kjson_child(obj, "spec");
    struct cnp *cnp = xzalloc(sizeof *cnp);
    int error;

    *cnpp = NULL;
    if (!name) {
        name = json_object_get_string(kjson_child(kjson_child(obj, "metadata"),
                                                 "name"));
    }
    if (!name || !name[0]) {
        error = fail(err, "ClusterNetworkPolicy without metadata.name");
        goto out;
    }
    cnp->name = xstrdup(name);
    if (!spec) {
        error = fail(err, "spec: Required value");
        goto out;
    }
    if (!json_object_is_type(spec, json_type_object)) {
        error = fail(err, "spec: not a mapping");
        goto out;
    }
    cnp->spec = json_object_get(spec);
    error = parse_tier_priority(spec, cnp, err);
    if (!error) {
        error = parse_subject(spec, cnp, err);
    }
    for (int dir = 0; dir < CNP_N_DIRS && !error; dir++) {
        error = parse_rules(spec, dir, cnp, err);
    }
out:
    if (error) {
        cnp_destroy(cnp);
        return error;
    }
    *cnpp = cnp;
    return 0;
}

void
cnp_destroy(struct cnp *cnp)
{
    if (!cnp) {
        return;
    }
    for (int dir = 0; dir < CNP_N_DIRS; dir++) {
        for (size_t i = 0; i < cnp->n_rules[dir]; i++) {
            rule_destroy(&cnp->rules[dir][i]);
        }
        free(cnp->rules[dir]);
    }
    labelsel_destroy(cnp->subject_ns_sel);
    labelsel_destroy(cnp->subject_pod_sel);
    if (cnp->spec) {
        json_object_put(cnp->spec);
    }
    free(cnp->name);
    free(cnp);
}

bool
cnp_equal(const struct cnp *a, const struct cnp *b)
{
    return (!strcmp(a->name, b->name)
            && json_object_equal(a->spec, b->spec));
}

/* Resolution. */

/* What one policy resolved to, and what counted in resolving it: the
 * pods it selected or had as peers, and their namespaces. */
struct cnp_res {
    struct ruleparts_vec rules;         /* struct cnp_compiled, no ids */
    struct sset pods_seen;              /* "NS/NAME" */
    struct sset ns_seen;
    size_t n_local;                     /* subject pods of this node */
};

struct compile_ctx {
    const struct cluster *cluster;
    const char *node_name;
    const struct cluster_pod **pods;    /* every pod, in no order */
    size_t n_pods;
    const struct cluster_node **nodes;
    size_t n_nodes;
    struct shash ns_labels;     /* namespace -> struct cluster_labels */
    struct cnp_res *res;        /* of the policy being resolved */
};

/* A pod that counted for the policy being resolved. */
static void
seen_pod(struct compile_ctx *ctx, const struct cluster_pod *pod)
{
    sset_add(&ctx->res->pods_seen, pod->key);
    sset_add(&ctx->res->ns_seen, pod->namespace);
}

static const struct cluster_labels *
ns_labels(struct compile_ctx *ctx, const char *name)
{
    return ruleparts_ns_labels(&ctx->ns_labels, ctx->cluster, name);
}

/* Namespaces and/or pods selectors ('pod_sel' NULL: every pod). */
static bool
pod_selected(struct compile_ctx *ctx, const struct labelsel *ns_sel,
             const struct labelsel *pod_sel, const struct cluster_pod *pod)
{
    return (labelsel_matches(ns_sel, ns_labels(ctx, pod->namespace))
            && (!pod_sel || labelsel_matches(pod_sel, &pod->labels)));
}

/* The subject's pods on this node with an address, and their addresses,
 * sorted by address. */
static void
select_local_pods(struct compile_ctx *ctx, const struct cnp *cnp,
                  struct ruleparts_vec *local, struct ruleparts_vec *local_pods)
{
    for (size_t i = 0; i < ctx->n_pods; i++) {
        const struct cluster_pod *pod = ctx->pods[i];
        struct in_addr addr;

        if (pod->node_name && !strcmp(pod->node_name, ctx->node_name)
            && ruleparts_pod_ip(pod, &addr)
            && pod_selected(ctx, cnp->subject_ns_sel, cnp->subject_pod_sel,
                            pod)) {
            seen_pod(ctx, pod);
            ruleparts_vec_push(local, &addr);
            ruleparts_vec_push(local_pods, &pod);
        }
    }
}

static void
push_host(struct ruleparts_vec *peers, struct in_addr addr)
{
    struct polflows_cidr cidr = { addr, 32 };
    ruleparts_vec_push(peers, &cidr);
}

/* The peers of 'rule' as CIDRs, and the peer pods.  Returns false if a
 * peer is of a kind this version does not know. */
static bool
resolve_peers(struct compile_ctx *ctx, const struct cnp_rule *rule,
              struct ruleparts_vec *peers, struct ruleparts_vec *peer_pods)
{
    bool known = true;

    for (size_t i = 0; i < rule->n_peers; i++) {
        const struct cnp_peer *peer = &rule->peers[i];
        struct in_addr addr;

        switch (peer->kind) {
        case CNP_PEER_NAMESPACES:
        case CNP_PEER_PODS:
            for (size_t j = 0; j < ctx->n_pods; j++) {
                const struct cluster_pod *pod = ctx->pods[j];
                if (ruleparts_pod_ip(pod, &addr)
                    && pod_selected(ctx, peer->ns_sel, peer->pod_sel, pod)) {
                    seen_pod(ctx, pod);
                    push_host(peers, addr);
                    ruleparts_vec_push(peer_pods, &pod);
                }
            }
            break;
        case CNP_PEER_NODES:
            for (size_t j = 0; j < ctx->n_nodes; j++) {
                const struct cluster_node *node = ctx->nodes[j];
                if (node->internal_ip
                    && inet_pton(AF_INET, node->internal_ip, &addr) == 1
                    && labelsel_matches(peer->node_sel, &node->labels)) {
                    push_host(peers, addr);
                }
            }
            break;
        case CNP_PEER_NETWORKS:
            for (size_t j = 0; j < peer->n_networks; j++) {
                ruleparts_vec_push(peers, &peer->networks[j]);
            }
            break;
        case CNP_PEER_UNKNOWN:
            known = false;
            break;
        case CNP_PEER_DOMAIN_NAMES:
        default:
            break;
        }
    }
    return known;
}

static void
compiled_destroy(struct cnp_compiled *c)
{
    free(c->key);
    free(c->pods);
    free(c->peers);
    free(c->ports);
}

/* Adds the compiled rule for 'key' of 'cnp', taking the arrays, unless it
 * matches nothing. */
static void
emit(struct compile_ctx *ctx, const struct cnp *cnp, enum polflows_dir dir,
     size_t index, enum cnp_action action, char *key, struct ruleparts_vec *pods,
     struct ruleparts_vec *peers, bool any_peer, struct ruleparts_vec *ports, bool any_port)
{
    static const enum polflows_action actions[] = {
        [CNP_ACCEPT] = POLFLOWS_ALLOW,
        [CNP_DENY] = POLFLOWS_DENY,
        [CNP_PASS] = POLFLOWS_PASS,
    };
    struct cnp_compiled c = { .key = key };
    struct polflows_rule *r = &c.rule;

    c.pods = pods->data;
    r->n_pods = ruleparts_sort_unique(c.pods, pods->n, sizeof *c.pods, ruleparts_addr_compare);
    c.peers = peers->data;
    r->n_peers = ruleparts_sort_unique(c.peers, peers->n, sizeof *c.peers,
                             ruleparts_cidr_compare);
    c.ports = ports->data;
    r->n_ports = ruleparts_sort_unique(c.ports, ports->n, sizeof *c.ports,
                             ruleparts_port_compare);
    r->pods = c.pods;
    r->peers = c.peers;
    r->ports = c.ports;
    r->any_peer = any_peer;
    r->any_port = any_port;
    r->dir = dir;
    r->action = actions[action];
    r->table = cnp_table(cnp->tier, dir);
    r->priority = cnp_of_priority(cnp->priority, index);
    r->next_table = cnp_accept_table(dir);
    r->pass_table = cnp_pass_table(cnp->tier, dir);
    if (!r->n_pods || (!any_peer && !r->n_peers)
        || (!any_port && !r->n_ports)) {
        compiled_destroy(&c);
        return;
    }
    ruleparts_vec_push(&ctx->res->rules, &c);
}

static char *
rule_key(const struct cnp *cnp, enum polflows_dir dir, size_t index,
         const char *suffix)
{
    return (suffix
            ? xasprintf("cnp/%s/%s/%zu/%s", cnp->name, dir_names[dir], index,
                        suffix)
            : xasprintf("cnp/%s/%s/%zu", cnp->name, dir_names[dir], index));
}

/* The named ports of 'rule' on 'pod': each name is the container port of
 * that name, whatever its protocol. */
static void
resolve_named(const struct cnp_rule *rule, const struct cluster_pod *pod,
              struct ruleparts_vec *ports)
{
    for (size_t i = 0; i < rule->n_protocols; i++) {
        const char *name = rule->protocols[i].named_port;

        for (size_t j = 0; name && j < pod->n_ports; j++) {
            const struct cluster_container_port *cp = &pod->ports[j];
            if (cp->name && !strcmp(cp->name, name)) {
                struct polflows_port port = { cp->proto, cp->port, 0 };
                ruleparts_vec_push(ports, &port);
            }
        }
    }
    ports->n = ruleparts_sort_unique(ports->data, ports->n, ports->size, ruleparts_port_compare);
}

struct port_group {
    struct ruleparts_vec ports;           /* struct polflows_port */
    struct ruleparts_vec members;         /* struct in_addr */
};

/* Puts 'addr' into the group of what the named ports resolve to on
 * 'pod'. */
static void
group_pod(struct shash *groups, const struct cnp_rule *rule,
          const struct cluster_pod *pod, struct in_addr addr)
{
    struct ruleparts_vec ports = RULEPARTS_VEC_INIT(struct polflows_port);
    const struct polflows_port *p;
    struct port_group *g;
    struct ds key = DS_EMPTY_INITIALIZER;

    resolve_named(rule, pod, &ports);
    if (!ports.n) {
        free(ports.data);
        return;
    }
    p = ports.data;
    for (size_t i = 0; i < ports.n; i++) {
        ds_put_format(&key, "%s%s:%u", i ? "," : "", ruleparts_proto_name(p[i].proto),
                      p[i].port);
    }
    g = shash_find_data(groups, ds_cstr(&key));
    if (!g) {
        g = xmalloc(sizeof *g);
        g->ports = ports;
        g->members = (struct ruleparts_vec) RULEPARTS_VEC_INIT(struct in_addr);
        shash_add(groups, ds_cstr(&key), g);
    } else {
        free(ports.data);
    }
    ds_destroy(&key);
    ruleparts_vec_push(&g->members, &addr);
}

/* One rule per named-port group: ingress groups the subject's pods (the
 * destinations), egress the peer pods. */
static void
compile_named(struct compile_ctx *ctx, const struct cnp *cnp,
              enum polflows_dir dir, size_t index, const struct ruleparts_vec *local,
              const struct ruleparts_vec *local_pods, const struct ruleparts_vec *peers,
              const struct ruleparts_vec *peer_pods)
{
    const struct cnp_rule *rule = &cnp->rules[dir][index];
    const struct ruleparts_vec *members = dir == POLFLOWS_INGRESS ? local_pods
                                                        : peer_pods;
    const struct cluster_pod *const *pods = members->data;
    struct shash_node *node;
    struct shash groups;

    shash_init(&groups);
    for (size_t i = 0; i < members->n; i++) {
        struct in_addr addr;
        if (ruleparts_pod_ip(pods[i], &addr)) {
            group_pod(&groups, rule, pods[i], addr);
        }
    }
    SHASH_FOR_EACH_SAFE (node, &groups) {
        struct port_group *g = node->data;
        char *key = rule_key(cnp, dir, index, node->name);
        struct ruleparts_vec subject, peer_vec;

        if (dir == POLFLOWS_INGRESS) {
            subject = g->members;
            peer_vec = ruleparts_vec_clone(peers);
        } else {
            const struct in_addr *addrs = g->members.data;

            subject = ruleparts_vec_clone(local);
            peer_vec = (struct ruleparts_vec) RULEPARTS_VEC_INIT(struct polflows_cidr);
            for (size_t i = 0; i < g->members.n; i++) {
                push_host(&peer_vec, addrs[i]);
            }
            free(g->members.data);
        }
        emit(ctx, cnp, dir, index, rule->action, key, &subject, &peer_vec,
             false, &g->ports, false);
        free(g);
        shash_delete(&groups, node);
    }
    shash_destroy(&groups);
}

static void
compile_rule(struct compile_ctx *ctx, const struct cnp *cnp,
             enum polflows_dir dir, size_t index, const struct ruleparts_vec *local,
             const struct ruleparts_vec *local_pods)
{
    const struct cnp_rule *rule = &cnp->rules[dir][index];
    struct ruleparts_vec peers = RULEPARTS_VEC_INIT(struct polflows_cidr);
    struct ruleparts_vec peer_pods = RULEPARTS_VEC_INIT(const struct cluster_pod *);
    struct ruleparts_vec numeric = RULEPARTS_VEC_INIT(struct polflows_port);
    struct ruleparts_vec pods;
    bool named = false;

    if (!resolve_peers(ctx, rule, &peers, &peer_pods)) {
        /* Fail closed: an Accept matches nothing, Deny and Pass deny
         * everything. */
        if (rule->action != CNP_ACCEPT) {
            pods = ruleparts_vec_clone(local);
            emit(ctx, cnp, dir, index, CNP_DENY,
                 rule_key(cnp, dir, index, NULL), &pods, &peers, true,
                 &numeric, true);
        } else {
            free(peers.data);
        }
        free(peer_pods.data);
        return;
    }
    for (size_t i = 0; i < rule->n_protocols; i++) {
        const struct cnp_protocol *p = &rule->protocols[i];
        if (p->named_port) {
            named = true;
        } else {
            struct polflows_port port = { p->proto, p->port, p->end_port };
            ruleparts_vec_push(&numeric, &port);
        }
    }
    if (named) {
        compile_named(ctx, cnp, dir, index, local, local_pods, &peers,
                      &peer_pods);
    }
    if (numeric.n || !rule->n_protocols) {
        pods = ruleparts_vec_clone(local);
        emit(ctx, cnp, dir, index, rule->action,
             rule_key(cnp, dir, index, NULL), &pods, &peers, false, &numeric,
             !rule->n_protocols);
    } else {
        free(peers.data);
        free(numeric.data);
    }
    free(peer_pods.data);
}

static void
compile_policy(struct compile_ctx *ctx, const struct cnp *cnp)
{
    struct ruleparts_vec local = RULEPARTS_VEC_INIT(struct in_addr);
    struct ruleparts_vec local_pods = RULEPARTS_VEC_INIT(const struct cluster_pod *);

    select_local_pods(ctx, cnp, &local, &local_pods);
    ctx->res->n_local = local.n;
    for (int dir = 0; local.n && dir < CNP_N_DIRS; dir++) {
        for (size_t i = 0; i < cnp->n_rules[dir]; i++) {
            compile_rule(ctx, cnp, dir, i, &local, &local_pods);
        }
    }
    free(local.data);
    free(local_pods.data);
}

/* Ids. */

static int
compiled_key_compare(const void *a_, const void *b_)
{
    const struct cnp_compiled *a = a_, *b = b_;
    return strcmp(a->key, b->key);
}

static int
compiled_id_compare(const void *a_, const void *b_)
{
    const struct cnp_compiled *a = a_, *b = b_;
    return a->rule.id < b->rule.id ? -1 : a->rule.id > b->rule.id;
}

static int
id_compare(const void *a_, const void *b_)
{
    const uint32_t *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

struct id_node {
    struct hmap_node node;
    uint32_t id;
};

static bool
id_taken(const struct hmap *ids, const uint32_t *taken, size_t n_taken,
         uint32_t id)
{
    const struct id_node *n;

    HMAP_FOR_EACH_WITH_HASH (n, node, hash_int(id, 0), ids) {
        if (n->id == id) {
            return true;
        }
    }
    return n_taken && bsearch(&id, taken, n_taken, sizeof *taken,
                              id_compare);
}

/* The hash of each key with CNP_ID_BIT, or the next free id in that half,
 * keys in sorted order. */
static void
assign_ids(struct cnp_compiled *rules, size_t n, const uint32_t *taken,
           size_t n_taken)
{
    struct hmap ids = HMAP_INITIALIZER(&ids);
    struct id_node *nodes = xcalloc(n + 1, sizeof *nodes);

    if (n) {
        qsort(rules, n, sizeof *rules, compiled_key_compare);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = hash_string(rules[i].key, 0) | CNP_ID_BIT;

        while (id_taken(&ids, taken, n_taken, id)) {
            id = (id + 1) | CNP_ID_BIT;
        }
        rules[i].rule.id = nodes[i].id = id;
        hmap_insert(&ids, &nodes[i].node, hash_int(id, 0));
    }
    hmap_destroy(&ids);
    free(nodes);
    if (n) {
        qsort(rules, n, sizeof *rules, compiled_id_compare);
    }
}

/* Incremental resolution. */

struct cnp_state {
    char *node_name;
    struct shash policies;      /* name -> struct cnp_res */
};

static struct cnp_res *
cnp_res_create(void)
{
    struct cnp_res *res = xzalloc(sizeof *res);

    res->rules = (struct ruleparts_vec) RULEPARTS_VEC_INIT(
        struct cnp_compiled);
    sset_init(&res->pods_seen);
    sset_init(&res->ns_seen);
    return res;
}

static void
cnp_res_destroy(struct cnp_res *res)
{
    if (res) {
        struct cnp_compiled *rules = res->rules.data;

        for (size_t i = 0; i < res->rules.n; i++) {
            compiled_destroy(&rules[i]);
        }
        free(res->rules.data);
        sset_destroy(&res->pods_seen);
        sset_destroy(&res->ns_seen);
        free(res);
    }
}

struct cnp_state *
cnp_state_create(const char *node_name)
{
    struct cnp_state *st = xzalloc(sizeof *st);

    st->node_name = xstrdup(node_name);
    shash_init(&st->policies);
    return st;
}

static void
state_clear(struct cnp_state *st)
{
    struct shash_node *node;

    SHASH_FOR_EACH_SAFE (node, &st->policies) {
        cnp_res_destroy(node->data);
        shash_delete(&st->policies, node);
    }
}

void
cnp_state_destroy(struct cnp_state *st)
{
    if (st) {
        state_clear(st);
        shash_destroy(&st->policies);
        free(st->node_name);
        free(st);
    }
}

/* Every pod of the model, in no order, from its namespace index. */
static const struct cluster_pod **
all_pods(const struct cluster *cluster, size_t *n_pods)
{
    size_t n_ns, n = 0;
    const char **names = cluster_pod_namespaces(cluster, &n_ns);
    const struct cluster_pod **pods = xmalloc(
        (cluster_count(cluster, CLUSTER_POD) + 1) * sizeof *pods);

    for (size_t i = 0; i < n_ns; i++) {
        size_t k;
        const struct cluster_pod *const *in
            = cluster_namespace_pods(cluster, names[i], &k);
        memcpy(&pods[n], in, k * sizeof *pods);
        n += k;
    }
    free(names);
    *n_pods = n;
    return pods;
}

static void
ctx_init(struct compile_ctx *ctx, const struct cluster *cluster,
         const char *node_name)
{
    *ctx = (struct compile_ctx) {
        .cluster = cluster,
        .node_name = node_name,
    };
    ctx->pods = all_pods(cluster, &ctx->n_pods);
    ctx->nodes = (const struct cluster_node **) cluster_list(
        cluster, CLUSTER_NODE, &ctx->n_nodes);
    shash_init(&ctx->ns_labels);
}

static void
ctx_destroy(struct compile_ctx *ctx)
{
    ruleparts_ns_labels_clear(&ctx->ns_labels);
    free(ctx->nodes);
    free(ctx->pods);
}

static void
state_recompute_one(struct cnp_state *st, struct compile_ctx *ctx,
                    const char *name)
{
    const struct cnp *cnp = cluster_find_cnp(ctx->cluster, name);

    cnp_res_destroy(shash_find_and_delete(&st->policies, name));
    if (cnp) {
        ctx->res = cnp_res_create();
        compile_policy(ctx, cnp);
        shash_add(&st->policies, name, ctx->res);
        ctx->res = NULL;
    }
}

void
cnp_state_recompute_all(struct cnp_state *st, const struct cluster *cluster)
{
    struct compile_ctx ctx;
    const struct cnp **cnps;
    size_t n;

    state_clear(st);
    ctx_init(&ctx, cluster, st->node_name);
    cnps = (const struct cnp **) cluster_list(
        cluster, CLUSTER_CLUSTER_NETWORK_POLICY, &n);
    for (size_t i = 0; i < n; i++) {
        state_recompute_one(st, &ctx, cnps[i]->name);
    }
    free(cnps);
    ctx_destroy(&ctx);
}

void
cnp_state_recompute(struct cnp_state *st, const struct cluster *cluster,
                    const struct sset *names)
{
    struct compile_ctx ctx;
    const char *name;

    if (sset_is_empty(names)) {
        return;
    }
    ctx_init(&ctx, cluster, st->node_name);
    SSET_FOR_EACH (name, names) {
        state_recompute_one(st, &ctx, name);
    }
    ctx_destroy(&ctx);
}

/* Whether 'pred' holds for a peer of 'cnp'.  Peers count only for a
 * policy with subjects on this node ('res' NULL: not resolved yet). */
static bool
any_peer(struct compile_ctx *ctx, const struct cnp *cnp,
         const struct cnp_res *res,
         bool (*pred)(struct compile_ctx *, const struct cnp_peer *,
                      const void *aux),
         const void *aux)
{
    for (int dir = 0; (!res || res->n_local) && dir < CNP_N_DIRS; dir++) {
        for (size_t i = 0; i < cnp->n_rules[dir]; i++) {
            const struct cnp_rule *rule = &cnp->rules[dir][i];
            for (size_t j = 0; j < rule->n_peers; j++) {
                if (pred(ctx, &rule->peers[j], aux)) {
                    return true;
                }
            }
        }
    }
    return false;
}

static bool
peer_selects_pod(struct compile_ctx *ctx, const struct cnp_peer *peer,
                 const void *pod)
{
    return ((peer->kind == CNP_PEER_NAMESPACES || peer->kind == CNP_PEER_PODS)
            && pod_selected(ctx, peer->ns_sel, peer->pod_sel, pod));
}

static bool
is_local(const struct compile_ctx *ctx, const struct cluster_pod *pod)
{
    return pod->node_name && !strcmp(pod->node_name, ctx->node_name);
}

/* Whether 'cnp' may select (if on this node) or, having subjects here, have
 * as a peer pod 'pod' now. */
static bool
pod_may_count(struct compile_ctx *ctx, const struct cnp *cnp,
              const struct cnp_res *res, const struct cluster_pod *pod)
{
    return ((is_local(ctx, pod)
             && pod_selected(ctx, cnp->subject_ns_sel, cnp->subject_pod_sel,
                             pod))
            || any_peer(ctx, cnp, res, peer_selects_pod, pod));
}

/* Whether namespace 'name' holds a pod that 'pod_sel' (NULL: any) matches,
 * of this node if 'local_only'. */
static bool
ns_pods_match(struct compile_ctx *ctx, const char *name,
              const struct labelsel *pod_sel, bool local_only)
{
    size_t n;
    const struct cluster_pod *const *pods
        = cluster_namespace_pods(ctx->cluster, name, &n);

    for (size_t i = 0; i < n; i++) {
        if ((!local_only || is_local(ctx, pods[i]))
            && (!pod_sel || labelsel_matches(pod_sel, &pods[i]->labels))) {
            return true;
        }
    }
    return false;
}

static bool
peer_selects_in_ns(struct compile_ctx *ctx, const struct cnp_peer *peer,
                   const void *name)
{
    return (peer->ns_sel
            && labelsel_matches(peer->ns_sel, ns_labels(ctx, name))
            && ns_pods_match(ctx, name, peer->pod_sel, false));
}

static bool
peer_is_nodes(struct compile_ctx *ctx OVS_UNUSED, const struct cnp_peer *peer,
              const void *aux OVS_UNUSED)
{
    return peer->kind == CNP_PEER_NODES;
}

/* Whether a selector of 'cnp' may now select something through the
 * namespace or node of 'change': for a namespace, its subject's selectors
 * (pods of this node in it) or, if the policy has subjects here, a peer's
 * (pods in it); for a node, a nodes peer of a policy with subjects here. */
static bool
selector_may_count(struct compile_ctx *ctx, const struct cnp *cnp,
                   const struct cnp_res *res,
                   const struct cluster_change *change)
{
    if (change->kind != CLUSTER_NAMESPACE) {
        return any_peer(ctx, cnp, res, peer_is_nodes, NULL);
    }
    return ((labelsel_matches(cnp->subject_ns_sel,
                              ns_labels(ctx, change->name))
             && ns_pods_match(ctx, change->name, cnp->subject_pod_sel, true))
            || any_peer(ctx, cnp, res, peer_selects_in_ns, change->name));
}

void
cnp_state_affected(const struct cnp_state *st, const struct cluster *cluster,
                   const struct cluster_change *change, struct sset *names)
{
    struct compile_ctx ctx = { .cluster = cluster,
                               .node_name = st->node_name };
    const struct cluster_pod *pod = NULL;
    const struct cnp **cnps;
    char *pod_key = NULL;
    size_t n;

    if (change->kind == CLUSTER_CLUSTER_NETWORK_POLICY) {
        sset_add(names, change->name);
        return;
    }
    if (change->kind != CLUSTER_POD && change->kind != CLUSTER_NAMESPACE
        && change->kind != CLUSTER_NODE) {
        return;
    }
    if (change->kind == CLUSTER_POD) {
        pod = cluster_find_pod(cluster, change->namespace, change->name);
        pod_key = xasprintf("%s/%s", change->namespace, change->name);
    }
    shash_init(&ctx.ns_labels);
    cnps = (const struct cnp **) cluster_list(
        cluster, CLUSTER_CLUSTER_NETWORK_POLICY, &n);
    for (size_t i = 0; i < n; i++) {
        const struct cnp_res *res = shash_find_data(&st->policies,
                                                    cnps[i]->name);
        bool hit;

        if (change->kind == CLUSTER_POD) {
            hit = ((res && sset_contains(&res->pods_seen, pod_key))
                   || (pod && pod_may_count(&ctx, cnps[i], res, pod)));
        } else {
            hit = ((change->kind == CLUSTER_NAMESPACE && res
                    && sset_contains(&res->ns_seen, change->name))
                   || selector_may_count(&ctx, cnps[i], res, change));
        }
        if (hit) {
            sset_add(names, cnps[i]->name);
        }
    }
    free(cnps);
    free(pod_key);
    ruleparts_ns_labels_clear(&ctx.ns_labels);
}

static void
compiled_clone(struct cnp_compiled *dst, const struct cnp_compiled *src)
{
    ruleparts_rule_clone(&dst->rule, &src->rule, &dst->pods, &dst->peers,
                         &dst->ports);
    dst->key = xstrdup(src->key);
}

void
cnp_state_result(const struct cnp_state *st, const uint32_t *taken,
                 size_t n_taken, struct cnp_result *result)
{
    struct ruleparts_vec out = RULEPARTS_VEC_INIT(struct cnp_compiled);
    const struct shash_node *node;

    SHASH_FOR_EACH (node, &st->policies) {
        const struct cnp_res *res = node->data;
        const struct cnp_compiled *rules = res->rules.data;

        for (size_t i = 0; i < res->rules.n; i++) {
            struct cnp_compiled copy;
            compiled_clone(&copy, &rules[i]);
            ruleparts_vec_push(&out, &copy);
        }
    }
    assign_ids(out.data, out.n, taken, n_taken);
    result->rules = out.data;
    result->n_rules = out.n;
}

void
cnp_resolve(const struct cluster *cluster, const char *node_name,
            const uint32_t *taken, size_t n_taken, struct cnp_result *result)
{
    struct cnp_state *st = cnp_state_create(node_name);

    cnp_state_recompute_all(st, cluster);
    cnp_state_result(st, taken, n_taken, result);
    cnp_state_destroy(st);
}

void
cnp_result_destroy(struct cnp_result *result)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        compiled_destroy(&result->rules[i]);
    }
    free(result->rules);
    memset(result, 0, sizeof *result);
}

const struct cnp_compiled *
cnp_result_find(const struct cnp_result *result, const char *key)
{
    for (size_t i = 0; i < result->n_rules; i++) {
        if (!strcmp(result->rules[i].key, key)) {
            return &result->rules[i];
        }
    }
    return NULL;
}

static void
format_rule(struct ds *s, const struct cnp_compiled *c)
{
    const struct polflows_rule *r = &c->rule;
    char buf[INET_ADDRSTRLEN];

    ds_put_format(s, "%s table=%u priority=%u ", c->key, r->table,
                  r->priority);
    if (r->action == POLFLOWS_ALLOW) {
        ds_put_format(s, "allow:%u", r->next_table);
    } else if (r->action == POLFLOWS_PASS) {
        ds_put_format(s, "pass:%u", r->pass_table);
    } else {
        ds_put_cstr(s, "deny");
    }
    ds_put_cstr(s, " pods=");
    for (size_t i = 0; i < r->n_pods; i++) {
        ds_put_format(s, "%s%s", i ? "," : "",
                      inet_ntop(AF_INET, &r->pods[i], buf, sizeof buf));
    }
    ds_put_format(s, " peers=%s", r->any_peer ? "any" : "");
    for (size_t i = 0; i < r->n_peers; i++) {
        ds_put_format(s, "%s%s/%d", i ? "," : "",
                      inet_ntop(AF_INET, &r->peers[i].addr, buf, sizeof buf),
                      r->peers[i].plen);
    }
    ds_put_format(s, " ports=%s", r->any_port ? "any" : "");
    for (size_t i = 0; i < r->n_ports; i++) {
        const struct polflows_port *p = &r->ports[i];
        ds_put_format(s, "%s%s:%u", i ? "," : "", ruleparts_proto_name(p->proto),
                      p->port);
        if (p->end_port && p->end_port != p->port) {
            ds_put_format(s, "-%u", p->end_port);
        }
    }
    ds_put_char(s, '\n');
}

static int
compiled_ptr_key_compare(const void *a_, const void *b_)
{
    const struct cnp_compiled *const *a = a_, *const *b = b_;
    return strcmp((*a)->key, (*b)->key);
}

void
cnp_result_format(const struct cnp_result *result, struct ds *s)
{
    const struct cnp_compiled **sorted = xmalloc((result->n_rules + 1)
                                                 * sizeof *sorted);

    for (size_t i = 0; i < result->n_rules; i++) {
        sorted[i] = &result->rules[i];
    }
    if (result->n_rules) {
        qsort(sorted, result->n_rules, sizeof *sorted, compiled_ptr_key_compare);
    }
    for (size_t i = 0; i < result->n_rules; i++) {
        format_rule(s, sorted[i]);
    }
    free(sorted);
}
