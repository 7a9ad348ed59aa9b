/*
 * ClusterNetworkPolicy parsing: the API object into struct cnp (cnp.h).
 */
#include <config.h>
#include "agent/model/cnp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agent/model/ipblock.h"
#include "agent/model/kjson.h"
#include "agent/model/labelsel.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static const char *const peers_field[CNP_N_DIRS] = {
    [POLFLOWS_INGRESS] = "from",
    [POLFLOWS_EGRESS] = "to",
};

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
    free(peer->networks6);
    for (size_t i = 0; i < peer->n_names; i++) {
        free(peer->names[i]);
    }
    free(peer->names);
}

/* A CIDR in canonical form ("cidr(self) == cidr(self).masked()"): the
 * address as written has no host bits. */
static int
parse_network(struct json_object *v, const char *path, int *familyp,
              struct polflows_cidr *cidr, struct polflows_cidr6 *cidr6,
              char **err)
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
    } else {
        memcpy(&cidr6->addr, addr, 16);
        cidr6->plen = plen;
    }
    return 0;
}

static int
parse_networks(struct json_object *list, size_t n, const char *path,
               struct cnp_peer *peer, char **err)
{
    peer->networks = xcalloc(n, sizeof *peer->networks);
    peer->networks6 = xcalloc(n, sizeof *peer->networks6);
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i);
        char *field = xasprintf("%s[%zu]", path, i);
        int family, error;

        error = parse_network(v, field, &family,
                              &peer->networks[peer->n_networks],
                              &peer->networks6[peer->n_networks6], err);
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
        peer->n_networks6 += family == AF_INET6;
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

/* A port number the CRD's schema requires. */
static int
required_port(struct json_object *v, const char *path, uint16_t *portp,
              char **err)
{
    return v ? kjson_port(v, path, false, portp, err)
             : fail(err, "%s: Required value", path);
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
    error = required_port(kjson_child(range, "start"), start, &p->port, err);
    if (!error) {
        error = required_port(kjson_child(range, "end"), end, &p->end_port,
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
             ? required_port(kjson_child(dport, "number"), sub, &p->port, err)
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
    int error = get_list(spec, polflows_dir_name(dir), "spec", false, 0,
                         CNP_MAX_RULES, &list, &n, err);

    cnp->rules[dir] = xcalloc(n + 1, sizeof *cnp->rules[dir]);
    for (size_t i = 0; i < n && !error; i++) {
        char *path = xasprintf("spec.%s[%zu]", polflows_dir_name(dir), i);
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
    free(cnp->name);
    free(cnp);
}

/* Equality. */

static bool
networks_equal(const struct cnp_peer *a, const struct cnp_peer *b)
{
    if (a->n_networks != b->n_networks || a->n_networks6 != b->n_networks6
        || (a->n_networks6
            && memcmp(a->networks6, b->networks6,
                      a->n_networks6 * sizeof *a->networks6))) {
        return false;
    }
    for (size_t i = 0; i < a->n_networks; i++) {
        if (a->networks[i].addr.s_addr != b->networks[i].addr.s_addr
            || a->networks[i].plen != b->networks[i].plen) {
            return false;
        }
    }
    return true;
}

static bool
peer_equal(const struct cnp_peer *a, const struct cnp_peer *b)
{
    if (a->kind != b->kind || !labelsel_equal(a->ns_sel, b->ns_sel)
        || !labelsel_equal(a->pod_sel, b->pod_sel)
        || !labelsel_equal(a->node_sel, b->node_sel)
        || !networks_equal(a, b) || a->n_names != b->n_names) {
        return false;
    }
    for (size_t i = 0; i < a->n_names; i++) {
        if (strcmp(a->names[i], b->names[i])) {
            return false;
        }
    }
    return true;
}

static bool
protocol_equal(const struct cnp_protocol *a, const struct cnp_protocol *b)
{
    return (a->proto == b->proto && a->port == b->port
            && a->end_port == b->end_port
            && nullable_string_is_equal(a->named_port, b->named_port));
}

static bool
rule_equal(const struct cnp_rule *a, const struct cnp_rule *b)
{
    if (!nullable_string_is_equal(a->name, b->name) || a->action != b->action
        || a->n_peers != b->n_peers || a->n_protocols != b->n_protocols) {
        return false;
    }
    for (size_t i = 0; i < a->n_peers; i++) {
        if (!peer_equal(&a->peers[i], &b->peers[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_protocols; i++) {
        if (!protocol_equal(&a->protocols[i], &b->protocols[i])) {
            return false;
        }
    }
    return true;
}

/* Compares what was parsed, not the JSON, which the model does not keep:
 * it cost more memory than the rest of the policy. */
bool
cnp_equal(const struct cnp *a, const struct cnp *b)
{
    if (strcmp(a->name, b->name) || a->tier != b->tier
        || a->priority != b->priority
        || !labelsel_equal(a->subject_ns_sel, b->subject_ns_sel)
        || !labelsel_equal(a->subject_pod_sel, b->subject_pod_sel)) {
        return false;
    }
    for (int dir = 0; dir < CNP_N_DIRS; dir++) {
        if (a->n_rules[dir] != b->n_rules[dir]) {
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
