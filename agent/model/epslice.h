/*
 * epslice: a Kubernetes EndpointSlice (discovery.k8s.io/v1), validated as
 * the API server validates it and kept as the typed fields a service load
 * balancer needs.
 *
 * A slice names its Service with the label kubernetes.io/service-name and
 * lists endpoints (addresses of one family, addressType, with conditions)
 * and the ports they serve.  The addresses of an IPv4 slice are kept in
 * an endpoint's 'addrs', those of an IPv6 slice in its 'addrs6': a load
 * balancer is of one family and takes the slices of its own.  FQDN slices
 * are validated and kept with their endpoints' conditions but no
 * addresses.
 *
 * Conditions take the API's meaning of a condition left out: ready and
 * serving are then true (unknown counts as ready), terminating false.  A
 * port without a number means every port.  Fields the agent does not use
 * (hostname, zone, hints, targetRef, appProtocol, other labels) are not
 * kept, so epslice_equal() tells whether a new version matters.
 */
#ifndef EPSLICE_H
#define EPSLICE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <json-c/json.h>

/* The label that names a slice's Service. */
#define EPSLICE_SERVICE_LABEL "kubernetes.io/service-name"

struct epslice_port {
    char *name;                 /* NULL when "" or left out */
    uint8_t proto;              /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
    uint16_t port;              /* 0 when left out: every port */
};

struct epslice_endpoint {
    struct in_addr *addrs;      /* IPv4 addresses */
    size_t n_addrs;
    struct in6_addr *addrs6;    /* IPv6 addresses */
    size_t n_addrs6;
    bool ready;
    bool serving;
    bool terminating;
    char *node_name;            /* may be NULL */
};

struct epslice {
    char *namespace;
    char *name;
    char *key;                  /* "NAMESPACE/NAME" */
    char *service;              /* EPSLICE_SERVICE_LABEL's value, or NULL */
    bool ipv4;                  /* addressType IPv4 */
    bool ipv6;                  /* addressType IPv6 */
    struct epslice_endpoint *endpoints;
    size_t n_endpoints;
    struct epslice_port *ports;
    size_t n_ports;
};

/* Parses and validates an EndpointSlice object.  'ns' and 'name' name it;
 * NULL takes them from its metadata (namespace "default" when unset).  0, or
 * -EINVAL with '*err' naming the field ("endpoints[2].addresses[0]: ...";
 * caller frees). */
int epslice_parse(struct json_object *obj, const char *ns, const char *name,
                  struct epslice **slicep, char **err);
void epslice_destroy(struct epslice *);
bool epslice_equal(const struct epslice *, const struct epslice *);

#endif /* epslice.h */
