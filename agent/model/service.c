/*
 * Service parsing and validation.
 *
 * Validation follows the API server's (ValidateService): what it would
 * reject is rejected here with the field's path, so a manifest that the
 * agent accepts is one a cluster would accept too.  The checks that need
 * other objects (a nodePort already taken by another service, an IP out of
 * the service CIDR) are the allocator's, not validation's, and are not
 * made.
 */
#include <config.h>
#include "agent/model/service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/model/kjson.h"
#include "util.h"

/* Member 'key' of 'obj' as a string, NULL when left out. */
/* Names. */

/* 'len' bytes of 's' are a DNS label without the length limit. */
static bool
is_label_chars(const char *s, size_t len)
{
    if (!len || s[0] == '-' || s[len - 1] == '-') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9')
            && s[i] != '-') {
            return false;
        }
    }
    return true;
}

bool
service_is_dns_label(const char *s)
{
    size_t len = strlen(s);
    return len <= 63 && is_label_chars(s, len);
}

bool
service_is_dns_subdomain(const char *s)
{
    if (strlen(s) > 253) {
        return false;
    }
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t) (dot - s) : strlen(s);

        if (!is_label_chars(s, len)) {
            return false;
        }
        if (!dot) {
            return true;
        }
        s = dot + 1;
    }
}

/* Addresses. */

enum ip_family { IP_NONE, IP_V4, IP_V6 };

/* Which family 's' is an address of (IP_NONE: not an address); an IPv4
 * one goes to '*v4', an IPv6 one to '*v6' when it is not NULL. */
static enum ip_family
parse_ip6(const char *s, struct in_addr *v4, struct in6_addr *v6)
{
    struct in6_addr scratch;

    if (inet_pton(AF_INET, s, v4) == 1) {
        return IP_V4;
    }
    return inet_pton(AF_INET6, s, v6 ? v6 : &scratch) == 1 ? IP_V6 : IP_NONE;
}

static enum ip_family
parse_ip(const char *s, struct in_addr *v4)
{
    return parse_ip6(s, v4, NULL);
}

/* ValidateNonSpecialIP: addresses that cannot name a service from outside
 * the node. */
static bool
is_special_ip(const char *s)
{
    struct in6_addr v6;
    struct in_addr v4;

    if (inet_pton(AF_INET, s, &v4) == 1) {
        uint32_t a = ntohl(v4.s_addr);
        return (!a || (a >> 24) == 127 || (a >> 16) == 0xa9fe
                || (a >> 8) == 0xe00000);
    }
    return (inet_pton(AF_INET6, s, &v6) == 1
            && (IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_LOOPBACK(&v6)
                || IN6_IS_ADDR_LINKLOCAL(&v6)
                || IN6_IS_ADDR_MC_LINKLOCAL(&v6)));
}

/* The address of entry 'entry' of an address list: the entry itself (a
 * string), or with 'ip_member' its member of that name, which may be left
 * out ('*ipp' NULL). */
static int
addr_entry(struct json_object *entry, const char *field,
           const char *ip_member, const char **ipp, char **err)
{
    *ipp = NULL;
    if (ip_member) {
        if (!json_object_is_type(entry, json_type_object)) {
            *err = xasprintf("%s: not a mapping", field);
            return -EINVAL;
        }
        return kjson_string(entry, ip_member, field, ipp, err);
    }
    if (!json_object_is_type(entry, json_type_string)) {
        *err = xasprintf("%s: not a string", field);
        return -EINVAL;
    }
    *ipp = json_object_get_string(entry);
    return 0;
}

/* Reads the address list at 'obj'.'key', keeping the IPv4 addresses in
 * '*addrsp'.  With 'non_special', addresses that cannot reach a service
 * from outside the node are rejected. */
static int
parse_addr_list(struct json_object *obj, const char *key, const char *path,
                const char *ip_member, bool non_special,
                struct in_addr **addrsp, size_t *np, char **err)
{
    struct json_object *list;
    size_t n;
    int error = kjson_list(obj, key, path, &list, &n, err);

    *addrsp = xcalloc(n + 1, sizeof **addrsp);
    for (size_t i = 0; i < n && !error; i++) {
        char *field = (ip_member
                       ? xasprintf("%s.%s[%zu].%s", path, key, i, ip_member)
                       : xasprintf("%s.%s[%zu]", path, key, i));
        enum ip_family family = IP_NONE;
        struct in_addr v4;
        const char *ip;

        error = addr_entry(json_object_array_get_idx(list, i), field,
                           ip_member, &ip, err);
        if (!error && ip) {
            family = parse_ip(ip, &v4);
            if (family == IP_NONE) {
                *err = xasprintf("%s: '%s' is not a valid IP address", field,
                                 ip);
                error = -EINVAL;
            } else if (non_special && is_special_ip(ip)) {
                *err = xasprintf("%s: '%s' may not be unspecified, loopback "
                                 "or link-local", field, ip);
                error = -EINVAL;
            }
        }
        if (!error && family == IP_V4) {
            (*addrsp)[(*np)++] = v4;
        }
        free(field);
    }
    return error;
}

/* spec.type. */

static const char *const type_names[] = {
    [SERVICE_CLUSTER_IP] = "ClusterIP",
    [SERVICE_NODE_PORT] = "NodePort",
    [SERVICE_LOAD_BALANCER] = "LoadBalancer",
    [SERVICE_EXTERNAL_NAME] = "ExternalName",
};

const char *
service_type_name(enum service_type type)
{
    return (type < ARRAY_SIZE(type_names) ? type_names[type] : "unknown");
}

static int
parse_type(struct json_object *spec, struct service *svc, char **err)
{
    const char *type;
    int error = kjson_string(spec, "type", "spec", &type, err);

    if (error || !type || !type[0]) {
        return error;
    }
    for (size_t i = 0; i < ARRAY_SIZE(type_names); i++) {
        if (!strcmp(type, type_names[i])) {
            svc->type = i;
            return 0;
        }
    }
    *err = xasprintf("spec.type: unsupported value '%s' (ClusterIP, NodePort, "
                     "LoadBalancer or ExternalName)", type);
    return -EINVAL;
}

/* spec.clusterIP and spec.clusterIPs. */

static int
parse_cluster_ip(const char *ip, const char *field, enum ip_family *familyp,
                 struct service *svc, char **err)
{
    struct in6_addr v6;
    struct in_addr v4;

    *familyp = parse_ip6(ip, &v4, &v6);
    if (*familyp == IP_NONE) {
        *err = xasprintf("%s: '%s' is not a valid IP address (or \"None\", "
                         "or empty)", field, ip);
        return -EINVAL;
    }
    if (*familyp == IP_V4) {
        svc->cluster_ips[svc->n_cluster_ips++] = v4;
    } else {
        svc->cluster_ips6[svc->n_cluster_ips6++] = v6;
    }
    return 0;
}

static int
parse_cluster_ips_list(struct json_object *list, size_t n, const char *ip,
                       struct service *svc, char **err)
{
    enum ip_family families[2] = { IP_NONE, IP_NONE };

    if (n > 2) {
        *err = xstrdup("spec.clusterIPs: may have at most 2 entries, one "
                       "per IP family");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *v = json_object_array_get_idx(list, i);
        const char *entry = json_object_get_string(v);
        char *field = xasprintf("spec.clusterIPs[%zu]", i);
        int error = 0;

        if (!json_object_is_type(v, json_type_string)) {
            *err = xasprintf("%s: not a string", field);
            error = -EINVAL;
        } else if (!i && ip && strcmp(entry, ip)) {
            *err = xasprintf("%s: '%s' must match spec.clusterIP '%s'", field,
                             entry, ip);
            error = -EINVAL;
        } else if (!strcmp(entry, "None") || !entry[0]) {
            if (i || n > 1) {
                *err = xasprintf("%s: '%s' must be the only entry",
                                 field, entry);
                error = -EINVAL;
            }
            svc->headless = !strcmp(entry, "None");
        } else {
            error = parse_cluster_ip(entry, field, &families[i], svc, err);
            if (!error && i && families[0] == families[1]) {
                *err = xasprintf("%s: must be of a different IP family than "
                                 "spec.clusterIPs[0]", field);
                error = -EINVAL;
            }
        }
        free(field);
        if (error) {
            return error;
        }
    }
    return 0;
}

static int
parse_cluster_ips(struct json_object *spec, struct service *svc, char **err)
{
    struct json_object *list;
    enum ip_family family;
    const char *ip;
    size_t n;
    int error = kjson_string(spec, "clusterIP", "spec", &ip, err);

    if (!error) {
        error = kjson_list(spec, "clusterIPs", "spec", &list, &n, err);
    }
    if (error) {
        return error;
    }
    svc->cluster_ips = xcalloc(n + 2, sizeof *svc->cluster_ips);
    svc->cluster_ips6 = xcalloc(n + 2, sizeof *svc->cluster_ips6);
    if (n) {
        error = parse_cluster_ips_list(list, n, ip, svc, err);
    } else if (ip && !strcmp(ip, "None")) {
        svc->headless = true;
    } else if (ip && ip[0]) {
        error = parse_cluster_ip(ip, "spec.clusterIP", &family, svc, err);
    }
    if (error) {
        return error;
    }

    if (svc->type == SERVICE_EXTERNAL_NAME
        && (svc->headless || svc->n_cluster_ips || (ip && ip[0]) || n)) {
        *err = xstrdup("spec.clusterIP: may not be set for ExternalName "
                       "services");
        return -EINVAL;
    }
    if (svc->headless && (svc->type == SERVICE_NODE_PORT
                          || svc->type == SERVICE_LOAD_BALANCER)) {
        *err = xasprintf("spec.clusterIP: may not be 'None' for %s services",
                         service_type_name(svc->type));
        return -EINVAL;
    }
    return 0;
}

/* spec.ipFamilies: at most one of each family, in the order of the
 * cluster IPs they name (spec.clusterIPs, or spec.clusterIP alone). */
static int
check_ip_families(struct json_object *spec, char **err)
{
    struct json_object *families, *ips;
    enum ip_family seen[2] = { IP_NONE, IP_NONE };
    size_t n, n_ips;
    int error = kjson_list(spec, "ipFamilies", "spec", &families, &n, err);

    if (!error) {
        error = kjson_list(spec, "clusterIPs", "spec", &ips, &n_ips, err);
    }
    if (!error && n > 2) {
        *err = xstrdup("spec.ipFamilies: may have at most 2 entries");
        error = -EINVAL;
    }
    for (size_t i = 0; i < n && !error; i++) {
        struct json_object *v = json_object_array_get_idx(families, i);
        const char *name = json_object_get_string(v);
        struct json_object *ip = (n_ips ? json_object_array_get_idx(ips, i)
                                  : i ? NULL : kjson_child(spec, "clusterIP"));
        struct in_addr v4;
        enum ip_family ip_family;

        if (!json_object_is_type(v, json_type_string)
            || (strcmp(name, "IPv4") && strcmp(name, "IPv6"))) {
            *err = xasprintf("spec.ipFamilies[%zu]: unsupported value "
                             "(IPv4 or IPv6)", i);
            return -EINVAL;
        }
        seen[i] = strcmp(name, "IPv4") ? IP_V6 : IP_V4;
        if (i && seen[0] == seen[1]) {
            *err = xasprintf("spec.ipFamilies[%zu]: duplicate value '%s'", i,
                             name);
            return -EINVAL;
        }
        ip_family = (json_object_is_type(ip, json_type_string)
                     ? parse_ip(json_object_get_string(ip), &v4) : IP_NONE);
        if (ip_family != IP_NONE && ip_family != seen[i]) {
            *err = xasprintf("spec.ipFamilies[%zu]: '%s' does not match the "
                             "family of the cluster IP '%s'", i, name,
                             json_object_get_string(ip));
            return -EINVAL;
        }
    }
    return error;
}

/* spec.ports. */

/* 'zero_ok' for the fields where 0 stands for "left out". */
static int
parse_port_number(struct json_object *v, const char *path, const char *key,
                  bool zero_ok, uint16_t *portp, char **err)
{
    char *field = xasprintf("%s.%s", path, key);
    int error = kjson_port(v, field, zero_ok, portp, err);

    free(field);
    return error;
}

/* targetPort: a number, a port name, or left out (0 or "" too) for the
 * port itself. */
static int
parse_target_port(struct json_object *obj, const char *path,
                  struct service_port *port, char **err)
{
    struct json_object *v = kjson_child(obj, "targetPort");

    if (json_object_is_type(v, json_type_string)) {
        const char *name = json_object_get_string(v);
        if (name[0] && !kjson_is_port_name(name)) {
            *err = xasprintf("%s.targetPort: '%s' is neither a port number "
                             "nor a port name (1-15 of a-z, 0-9 and '-', "
                             "with a letter)", path, name);
            return -EINVAL;
        }
        port->target_port_name = name[0] ? xstrdup(name) : NULL;
    } else if (v) {
        int error = parse_port_number(v, path, "targetPort", true,
                                      &port->target_port, err);
        if (error) {
            return error;
        }
    }
    if (!port->target_port && !port->target_port_name) {
        port->target_port = port->port;
    }
    return 0;
}

static int
parse_port(struct json_object *obj, const char *path, bool name_required,
           enum service_type type, struct service_port *port, char **err)
{
    struct json_object *node_port = kjson_child(obj, "nodePort");
    const char *name;
    int error;

    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        return -EINVAL;
    }
    error = kjson_string(obj, "name", path, &name, err);
    if (error) {
        return error;
    }
    if (name && name[0] && !service_is_dns_label(name)) {
        *err = xasprintf("%s.name: '%s' is not a DNS label (1-63 of a-z, 0-9 "
                         "and '-', starting and ending with a letter or "
                         "digit)", path, name);
        return -EINVAL;
    }
    if (name_required && (!name || !name[0])) {
        *err = xasprintf("%s.name: required when there is more than one "
                         "port", path);
        return -EINVAL;
    }
    port->name = name && name[0] ? xstrdup(name) : NULL;

    error = kjson_proto(obj, path, &port->proto, err);
    if (!error) {
        error = parse_port_number(kjson_child(obj, "port"), path, "port",
                                  false, &port->port, err);
    }
    if (!error && node_port) {
        error = parse_port_number(node_port, path, "nodePort", true,
                                  &port->node_port, err);
    }
    if (!error && port->node_port && type != SERVICE_NODE_PORT
        && type != SERVICE_LOAD_BALANCER) {
        *err = xasprintf("%s.nodePort: may not be used when `type` is '%s'",
                         path, service_type_name(type));
        error = -EINVAL;
    }
    return error ? error : parse_target_port(obj, path, port, err);
}

/* Port 'i' against the ports before it: names, port and protocol, and
 * nodePort and protocol must be unique. */
static int
check_port_unique(const struct service *svc, size_t i, const char *path,
                  char **err)
{
    const struct service_port *p = &svc->ports[i];

    for (size_t j = 0; j < i; j++) {
        const struct service_port *q = &svc->ports[j];

        if (p->name && q->name && !strcmp(p->name, q->name)) {
            *err = xasprintf("%s.name: duplicate value '%s'", path, p->name);
            return -EINVAL;
        }
        if (p->port == q->port && p->proto == q->proto) {
            *err = xasprintf("%s: duplicate port %"PRIu16" of the same "
                             "protocol", path, p->port);
            return -EINVAL;
        }
        if (p->node_port && p->node_port == q->node_port
            && p->proto == q->proto) {
            *err = xasprintf("%s.nodePort: duplicate value %"PRIu16, path,
                             p->node_port);
            return -EINVAL;
        }
    }
    return 0;
}

static int
parse_ports(struct json_object *spec, struct service *svc, char **err)
{
    struct json_object *list;
    size_t n;
    int error = kjson_list(spec, "ports", "spec", &list, &n, err);

    if (error) {
        return error;
    }
    if (!n && !svc->headless && svc->type != SERVICE_EXTERNAL_NAME) {
        *err = xstrdup("spec.ports: required (only headless and "
                       "ExternalName services may have none)");
        return -EINVAL;
    }
    svc->ports = xcalloc(n + 1, sizeof *svc->ports);
    for (size_t i = 0; i < n && !error; i++) {
        char *path = xasprintf("spec.ports[%zu]", i);

        error = parse_port(json_object_array_get_idx(list, i), path, n > 1,
                           svc->type, &svc->ports[svc->n_ports++], err);
        if (!error) {
            error = check_port_unique(svc, i, path, err);
        }
        free(path);
    }
    return error;
}

/* Session affinity, traffic policies, selector, externalName. */

static int
parse_affinity(struct json_object *spec, struct service *svc, char **err)
{
    struct json_object *config = kjson_child(spec, "sessionAffinityConfig");
    struct json_object *timeout;
    const char *affinity;
    int64_t seconds;
    int error = kjson_string(spec, "sessionAffinity", "spec", &affinity, err);

    svc->affinity_timeout = SERVICE_AFFINITY_TIMEOUT_DEFAULT;
    if (error) {
        return error;
    }
    if (affinity && strcmp(affinity, "None") && strcmp(affinity, "ClientIP")) {
        *err = xasprintf("spec.sessionAffinity: unsupported value '%s' "
                         "(ClientIP or None)", affinity);
        return -EINVAL;
    }
    svc->affinity = affinity && !strcmp(affinity, "ClientIP");
    if (config && !svc->affinity) {
        *err = xstrdup("spec.sessionAffinityConfig: must not be set when "
                       "sessionAffinity is None");
        return -EINVAL;
    }
    timeout = kjson_child(kjson_child(config, "clientIP"), "timeoutSeconds");
    if (!timeout) {
        return 0;
    }
    seconds = json_object_get_int64(timeout);
    if (!json_object_is_type(timeout, json_type_int) || seconds < 1
        || seconds > SERVICE_AFFINITY_TIMEOUT_MAX) {
        *err = xasprintf("spec.sessionAffinityConfig.clientIP.timeoutSeconds: "
                         "must be between 1 and %d, inclusive",
                         SERVICE_AFFINITY_TIMEOUT_MAX);
        return -EINVAL;
    }
    svc->affinity_timeout = seconds;
    return 0;
}

/* spec.KEY: Cluster or Local (or left out: Cluster). */
static int
parse_traffic_policy(struct json_object *spec, const char *key, bool *localp,
                     char **err)
{
    const char *policy;
    int error = kjson_string(spec, key, "spec", &policy, err);

    if (error) {
        return error;
    }
    if (policy && strcmp(policy, "Cluster") && strcmp(policy, "Local")) {
        *err = xasprintf("spec.%s: unsupported value '%s' (Cluster or Local)",
                         key, policy);
        return -EINVAL;
    }
    *localp = policy && !strcmp(policy, "Local");
    return 0;
}

static int
parse_traffic_policies(struct json_object *spec, struct service *svc,
                       char **err)
{
    struct json_object *external_ips = kjson_child(spec, "externalIPs");
    bool external = (svc->type == SERVICE_NODE_PORT
                     || svc->type == SERVICE_LOAD_BALANCER
                     || (svc->type == SERVICE_CLUSTER_IP && external_ips
                         && json_object_array_length(external_ips)));
    int error = parse_traffic_policy(spec, "externalTrafficPolicy",
                                     &svc->external_local, err);

    if (!error && !external && kjson_child(spec, "externalTrafficPolicy")) {
        *err = xstrdup("spec.externalTrafficPolicy: may only be set for "
                       "externally-accessible services (NodePort, "
                       "LoadBalancer, or with externalIPs)");
        return -EINVAL;
    }
    return error ? error : parse_traffic_policy(spec, "internalTrafficPolicy",
                                                &svc->internal_local, err);
}

static int
parse_selector(struct json_object *spec, struct service *svc, char **err)
{
    struct json_object *selector = kjson_child(spec, "selector");

    if (selector && !json_object_is_type(selector, json_type_object)) {
        *err = xstrdup("spec.selector: not a mapping");
        return -EINVAL;
    }
    svc->has_selector = selector && json_object_object_length(selector) > 0;
    return 0;
}

static int
check_external_name(struct json_object *spec, const struct service *svc,
                    char **err)
{
    const char *name;
    char *copy;
    size_t len;
    bool ok;
    int error = kjson_string(spec, "externalName", "spec", &name, err);

    if (error || svc->type != SERVICE_EXTERNAL_NAME) {
        return error;
    }
    if (!name || !name[0]) {
        *err = xstrdup("spec.externalName: required for ExternalName "
                       "services");
        return -EINVAL;
    }
    /* A fully qualified name may end in a dot. */
    copy = xstrdup(name);
    len = strlen(copy);
    if (len > 1 && copy[len - 1] == '.') {
        copy[len - 1] = '\0';
    }
    ok = service_is_dns_subdomain(copy);
    free(copy);
    if (!ok) {
        *err = xasprintf("spec.externalName: '%s' is not a DNS name", name);
        return -EINVAL;
    }
    return 0;
}

/* The object. */

static int
parse_spec(struct json_object *obj, struct service *svc, char **err)
{
    struct json_object *spec = kjson_child(obj, "spec");
    struct json_object *status = kjson_child(obj, "status");
    struct json_object *lb = kjson_child(status, "loadBalancer");
    int error = 0;

    if (spec && !json_object_is_type(spec, json_type_object)) {
        *err = xstrdup("spec: not a mapping");
        return -EINVAL;
    }
    if (lb && !json_object_is_type(lb, json_type_object)) {
        *err = xstrdup("status.loadBalancer: not a mapping");
        return -EINVAL;
    }
    error = parse_type(spec, svc, err);
    if (!error) {
        error = parse_cluster_ips(spec, svc, err);
    }
    if (!error) {
        error = check_ip_families(spec, err);
    }
    if (!error) {
        error = parse_ports(spec, svc, err);
    }
    if (!error) {
        error = parse_addr_list(spec, "externalIPs", "spec", NULL, true,
                                &svc->external_ips, &svc->n_external_ips,
                                err);
    }
    if (!error) {
        error = parse_addr_list(lb, "ingress", "status.loadBalancer", "ip",
                                false, &svc->lb_ips, &svc->n_lb_ips, err);
    }
    if (!error) {
        error = parse_affinity(spec, svc, err);
    }
    if (!error) {
        error = parse_traffic_policies(spec, svc, err);
    }
    if (!error) {
        error = parse_selector(spec, svc, err);
    }
    return error ? error : check_external_name(spec, svc, err);
}

int
service_parse(struct json_object *obj, const char *ns, const char *name,
              struct service **svcp, char **err)
{
    struct service *svc;
    int error;

    *svcp = NULL;
    svc = xzalloc(sizeof *svc);
    error = kjson_object_id(obj, "Service", ns, name, &svc->namespace,
                            &svc->name, &svc->key, err);
    if (!error) {
        error = parse_spec(obj, svc, err);
    }
    if (error) {
        service_destroy(svc);
        return error;
    }
    *svcp = svc;
    return 0;
}

void
service_destroy(struct service *svc)
{
    if (!svc) {
        return;
    }
    for (size_t i = 0; i < svc->n_ports; i++) {
        free(svc->ports[i].name);
        free(svc->ports[i].target_port_name);
    }
    free(svc->ports);
    free(svc->cluster_ips);
    free(svc->cluster_ips6);
    free(svc->external_ips);
    free(svc->lb_ips);
    free(svc->namespace);
    free(svc->name);
    free(svc->key);
    free(svc);
}

static bool
addrs_equal(const struct in_addr *a, size_t n_a,
            const struct in_addr *b, size_t n_b)
{
    return n_a == n_b && (!n_a || !memcmp(a, b, n_a * sizeof *a));
}

static bool
port_equal(const struct service_port *a, const struct service_port *b)
{
    return (nullable_string_is_equal(a->name, b->name)
            && a->proto == b->proto
            && a->port == b->port
            && a->node_port == b->node_port
            && a->target_port == b->target_port
            && nullable_string_is_equal(a->target_port_name,
                                        b->target_port_name));
}

bool
service_equal(const struct service *a, const struct service *b)
{
    if (strcmp(a->namespace, b->namespace) || strcmp(a->name, b->name)
        || a->type != b->type || a->headless != b->headless
        || !addrs_equal(a->cluster_ips, a->n_cluster_ips,
                        b->cluster_ips, b->n_cluster_ips)
        || a->n_cluster_ips6 != b->n_cluster_ips6
        || (a->n_cluster_ips6
            && memcmp(a->cluster_ips6, b->cluster_ips6,
                      a->n_cluster_ips6 * sizeof *a->cluster_ips6))
        || !addrs_equal(a->external_ips, a->n_external_ips,
                        b->external_ips, b->n_external_ips)
        || !addrs_equal(a->lb_ips, a->n_lb_ips, b->lb_ips, b->n_lb_ips)
        || a->affinity != b->affinity
        || a->affinity_timeout != b->affinity_timeout
        || a->external_local != b->external_local
        || a->internal_local != b->internal_local
        || a->has_selector != b->has_selector
        || a->n_ports != b->n_ports) {
        return false;
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        if (!port_equal(&a->ports[i], &b->ports[i])) {
            return false;
        }
    }
    return true;
}
