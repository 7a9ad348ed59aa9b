/*
 * EndpointSlice parsing and validation.
 *
 * Validation follows the API server's (ValidateEndpointSlice): every
 * address must be of the slice's addressType, an endpoint has 1 to 100
 * addresses and a slice at most 1000 endpoints, port names are unique
 * ("" counting as a name) and empty or DNS labels.
 */
#include <config.h>
#include "agent/model/epslice.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/model/kjson.h"
#include "agent/model/service.h"
#include "util.h"

#define MAX_ENDPOINTS 1000
#define MAX_ADDRESSES 100
#define MAX_PORTS 20000

enum address_type { ADDR_IPV4, ADDR_IPV6, ADDR_FQDN };

/* metadata.labels[EPSLICE_SERVICE_LABEL]. */
static int
parse_service_label(struct json_object *obj, struct epslice *slice,
                    char **err)
{
    struct json_object *labels = kjson_child(kjson_child(obj, "metadata"),
                                             "labels");
    const char *service;
    int error;

    if (labels && !json_object_is_type(labels, json_type_object)) {
        *err = xstrdup("metadata.labels: not a mapping");
        return -EINVAL;
    }
    error = kjson_string(labels, EPSLICE_SERVICE_LABEL, "metadata.labels",
                       &service, err);
    if (!error && service && service[0]) {
        slice->service = xstrdup(service);
    }
    return error;
}

static int
parse_address_type(struct json_object *obj, enum address_type *typep,
                   char **err)
{
    const char *type;
    int error = kjson_string(obj, "addressType", NULL, &type, err);

    if (error) {
        return error;
    }
    if (!type) {
        *err = xstrdup("addressType: required");
        return -EINVAL;
    }
    if (!strcmp(type, "IPv4")) {
        *typep = ADDR_IPV4;
    } else if (!strcmp(type, "IPv6")) {
        *typep = ADDR_IPV6;
    } else if (!strcmp(type, "FQDN")) {
        *typep = ADDR_FQDN;
    } else {
        *err = xasprintf("addressType: unsupported value '%s' (IPv4, IPv6 or "
                         "FQDN)", type);
        return -EINVAL;
    }
    return 0;
}

/* Endpoints. */

static int
parse_address(struct json_object *v, const char *path, enum address_type type,
              struct epslice_endpoint *ep, char **err)
{
    static const char *const type_names[] = {
        [ADDR_IPV4] = "an IPv4 address",
        [ADDR_IPV6] = "an IPv6 address",
        [ADDR_FQDN] = "a fully qualified domain name",
    };
    const char *s = json_object_get_string(v);
    struct in6_addr v6;
    struct in_addr v4;
    bool ok;

    if (!json_object_is_type(v, json_type_string)) {
        *err = xasprintf("%s: not a string", path);
        return -EINVAL;
    }
    switch (type) {
    case ADDR_IPV4:
        ok = inet_pton(AF_INET, s, &v4) == 1;
        if (ok) {
            ep->addrs[ep->n_addrs++] = v4;
        }
        break;
    case ADDR_IPV6:
        ok = inet_pton(AF_INET6, s, &v6) == 1;
        if (ok) {
            ep->addrs6[ep->n_addrs6++] = v6;
        }
        break;
    case ADDR_FQDN:
    default:
        ok = strchr(s, '.') && service_is_dns_subdomain(s);
        break;
    }
    if (!ok) {
        *err = xasprintf("%s: '%s' is not %s", path, s, type_names[type]);
        return -EINVAL;
    }
    return 0;
}

/* conditions.NAME: true, false, or left out for 'dflt'. */
static int
parse_condition(struct json_object *conditions, const char *name,
                const char *path, bool dflt, bool *valuep, char **err)
{
    struct json_object *v = kjson_child(conditions, name);

    if (v && !json_object_is_type(v, json_type_boolean)) {
        *err = xasprintf("%s.conditions.%s: not a boolean", path, name);
        return -EINVAL;
    }
    *valuep = v ? json_object_get_boolean(v) : dflt;
    return 0;
}

static int
parse_conditions(struct json_object *obj, const char *path,
                 struct epslice_endpoint *ep, char **err)
{
    struct json_object *conditions = kjson_child(obj, "conditions");
    int error;

    if (conditions && !json_object_is_type(conditions, json_type_object)) {
        *err = xasprintf("%s.conditions: not a mapping", path);
        return -EINVAL;
    }
    error = parse_condition(conditions, "ready", path, true, &ep->ready, err);
    if (!error) {
        error = parse_condition(conditions, "serving", path, true,
                                &ep->serving, err);
    }
    if (!error) {
        error = parse_condition(conditions, "terminating", path, false,
                                &ep->terminating, err);
    }
    return error;
}

static int
parse_endpoint(struct json_object *obj, const char *path,
               enum address_type type, struct epslice_endpoint *ep,
               char **err)
{
    struct json_object *addrs;
    const char *node_name;
    size_t n;
    int error;

    if (!json_object_is_type(obj, json_type_object)) {
        *err = xasprintf("%s: not a mapping", path);
        return -EINVAL;
    }
    error = kjson_list(obj, "addresses", path, &addrs, &n, err);
    if (error) {
        return error;
    }
    if (n < 1 || n > MAX_ADDRESSES) {
        *err = xasprintf("%s.addresses: must have 1 to %d addresses", path,
                         MAX_ADDRESSES);
        return -EINVAL;
    }
    ep->addrs = xcalloc(n, sizeof *ep->addrs);
    ep->addrs6 = xcalloc(n, sizeof *ep->addrs6);
    for (size_t i = 0; i < n && !error; i++) {
        char *field = xasprintf("%s.addresses[%zu]", path, i);
        error = parse_address(json_object_array_get_idx(addrs, i), field,
                              type, ep, err);
        free(field);
    }
    if (!error) {
        error = parse_conditions(obj, path, ep, err);
    }
    if (!error) {
        error = kjson_string(obj, "nodeName", path, &node_name, err);
    }
    if (!error && node_name) {
        if (!service_is_dns_subdomain(node_name)) {
            *err = xasprintf("%s.nodeName: '%s' is not a valid node name",
                             path, node_name);
            return -EINVAL;
        }
        ep->node_name = xstrdup(node_name);
    }
    return error;
}

static int
parse_endpoints(struct json_object *obj, enum address_type type,
                struct epslice *slice, char **err)
{
    struct json_object *list;
    size_t n;
    int error = kjson_list(obj, "endpoints", NULL, &list, &n, err);

    if (error) {
        return error;
    }
    if (n > MAX_ENDPOINTS) {
        *err = xasprintf("endpoints: must have at most %d items",
                         MAX_ENDPOINTS);
        return -EINVAL;
    }
    slice->endpoints = xcalloc(n + 1, sizeof *slice->endpoints);
    for (size_t i = 0; i < n && !error; i++) {
        char *path = xasprintf("endpoints[%zu]", i);
        error = parse_endpoint(json_object_array_get_idx(list, i), path, type,
                               &slice->endpoints[slice->n_endpoints++], err);
        free(path);
    }
    return error;
}

/* Ports. */

static int
parse_port(struct json_object *obj, const char *path,
           struct epslice_port *port, char **err)
{
    struct json_object *number = kjson_child(obj, "port");
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
    port->name = name && name[0] ? xstrdup(name) : NULL;
    error = kjson_proto(obj, path, &port->proto, err);
    if (error || !number) {
        return error;
    }
    char *field = xasprintf("%s.port", path);
    error = kjson_port(number, field, false, &port->port, err);
    free(field);
    return error;
}

static int
parse_ports(struct json_object *obj, struct epslice *slice, char **err)
{
    struct json_object *list;
    size_t n;
    int error = kjson_list(obj, "ports", NULL, &list, &n, err);

    if (error) {
        return error;
    }
    if (n > MAX_PORTS) {
        *err = xasprintf("ports: must have at most %d items", MAX_PORTS);
        return -EINVAL;
    }
    slice->ports = xcalloc(n + 1, sizeof *slice->ports);
    for (size_t i = 0; i < n && !error; i++) {
        char *path = xasprintf("ports[%zu]", i);
        struct epslice_port *port = &slice->ports[slice->n_ports++];

        error = parse_port(json_object_array_get_idx(list, i), path, port,
                           err);
        for (size_t j = 0; j < i && !error; j++) {
            if (nullable_string_is_equal(slice->ports[j].name, port->name)) {
                *err = xasprintf("%s.name: duplicate value '%s'", path,
                                 port->name ? port->name : "");
                error = -EINVAL;
            }
        }
        free(path);
    }
    return error;
}

/* The object. */

int
epslice_parse(struct json_object *obj, const char *ns, const char *name,
              struct epslice **slicep, char **err)
{
    enum address_type type;
    struct epslice *slice;
    int error;

    *slicep = NULL;
    slice = xzalloc(sizeof *slice);
    error = kjson_object_id(obj, "EndpointSlice", ns, name, &slice->namespace,
                            &slice->name, &slice->key, err);
    if (!error) {
        error = parse_service_label(obj, slice, err);
    }
    if (!error) {
        error = parse_address_type(obj, &type, err);
    }
    if (!error) {
        slice->ipv4 = type == ADDR_IPV4;
        slice->ipv6 = type == ADDR_IPV6;
        error = parse_endpoints(obj, type, slice, err);
    }
    if (!error) {
        error = parse_ports(obj, slice, err);
    }
    if (error) {
        epslice_destroy(slice);
        return error;
    }
    *slicep = slice;
    return 0;
}

void
epslice_destroy(struct epslice *slice)
{
    if (!slice) {
        return;
    }
    for (size_t i = 0; i < slice->n_endpoints; i++) {
        free(slice->endpoints[i].addrs);
        free(slice->endpoints[i].addrs6);
        free(slice->endpoints[i].node_name);
    }
    free(slice->endpoints);
    for (size_t i = 0; i < slice->n_ports; i++) {
        free(slice->ports[i].name);
    }
    free(slice->ports);
    free(slice->namespace);
    free(slice->name);
    free(slice->key);
    free(slice->service);
    free(slice);
}

static bool
endpoint_equal(const struct epslice_endpoint *a,
               const struct epslice_endpoint *b)
{
    return (a->n_addrs == b->n_addrs
            && (!a->n_addrs
                || !memcmp(a->addrs, b->addrs, a->n_addrs * sizeof *a->addrs))
            && a->n_addrs6 == b->n_addrs6
            && (!a->n_addrs6
                || !memcmp(a->addrs6, b->addrs6,
                           a->n_addrs6 * sizeof *a->addrs6))
            && a->ready == b->ready
            && a->serving == b->serving
            && a->terminating == b->terminating
            && nullable_string_is_equal(a->node_name, b->node_name));
}

bool
epslice_equal(const struct epslice *a, const struct epslice *b)
{
    if (strcmp(a->namespace, b->namespace) || strcmp(a->name, b->name)
        || !nullable_string_is_equal(a->service, b->service)
        || a->ipv4 != b->ipv4 || a->ipv6 != b->ipv6
        || a->n_endpoints != b->n_endpoints || a->n_ports != b->n_ports) {
        return false;
    }
    for (size_t i = 0; i < a->n_endpoints; i++) {
        if (!endpoint_equal(&a->endpoints[i], &b->endpoints[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < a->n_ports; i++) {
        const struct epslice_port *x = &a->ports[i], *y = &b->ports[i];
        if (!nullable_string_is_equal(x->name, y->name)
            || x->proto != y->proto || x->port != y->port) {
            return false;
        }
    }
    return true;
}
