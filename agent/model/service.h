/*
 * service: a Kubernetes Service (core v1), validated as the API server
 * validates it and kept as the typed fields a service load balancer needs.
 *
 * What is kept, with the API server's defaults applied:
 *
 *   - spec.type, ClusterIP when left out.
 *   - The IPv4 addresses of the service: spec.clusterIPs (or spec.clusterIP
 *     alone), spec.externalIPs and status.loadBalancer.ingress[].ip; and
 *     its IPv6 cluster IP, apart, so that a load balancer is of one family.
 *     IPv6 external and ingress addresses are validated and left out, the
 *     dataplane having no IPv6 way in from outside the cluster; a headless
 *     service (clusterIP "None") has no cluster IP.  spec.ipFamilies is
 *     validated against spec.clusterIPs and not kept: the addresses say
 *     which families the service has.
 *   - Each of spec.ports: protocol (TCP when left out), port, nodePort (0:
 *     none yet), and targetPort, either a number (the port itself when left
 *     out or 0) or the name of a container port, resolved per endpoint.
 *   - Session affinity (ClientIP, timeout 10800 s when left out), the
 *     external and internal traffic policies, and whether the service has
 *     a selector (without one, its EndpointSlices are written by hand).
 *
 * Fields the agent does not use (metadata other than the name,
 * ipFamilyPolicy, appProtocol...) are not kept, so service_equal() tells whether a new
 * version of a service matters to the agent.
 */
#ifndef SERVICE_H
#define SERVICE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <json-c/json.h>

enum service_type {
    SERVICE_CLUSTER_IP,
    SERVICE_NODE_PORT,
    SERVICE_LOAD_BALANCER,
    SERVICE_EXTERNAL_NAME,
};

#define SERVICE_AFFINITY_TIMEOUT_DEFAULT 10800
#define SERVICE_AFFINITY_TIMEOUT_MAX 86400

struct service_port {
    char *name;                 /* may be NULL */
    uint8_t proto;              /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
    uint16_t port;
    uint16_t node_port;         /* 0: none */
    uint16_t target_port;       /* numeric; 0 when named */
    char *target_port_name;     /* named targetPort, or NULL */
};

struct service {
    char *namespace;
    char *name;
    char *key;                  /* "NAMESPACE/NAME" */
    enum service_type type;
    bool headless;              /* spec.clusterIP "None" */
    struct in_addr *cluster_ips;
    size_t n_cluster_ips;
    struct in6_addr *cluster_ips6;  /* at most one, being of one family */
    size_t n_cluster_ips6;
    struct in_addr *external_ips;
    size_t n_external_ips;
    struct in_addr *lb_ips;     /* status.loadBalancer.ingress[].ip */
    size_t n_lb_ips;
    struct service_port *ports;
    size_t n_ports;
    bool affinity;              /* sessionAffinity ClientIP */
    uint32_t affinity_timeout;  /* seconds, 1..86400 */
    bool external_local;        /* externalTrafficPolicy Local */
    bool internal_local;        /* internalTrafficPolicy Local */
    bool has_selector;          /* spec.selector present, not empty */
};

/* Parses and validates a Service object.  'ns' and 'name' name it; NULL
 * takes them from its metadata (namespace "default" when unset).  0, or
 * -EINVAL with '*err' naming the field ("spec.ports[1].targetPort: ...";
 * caller frees). */
int service_parse(struct json_object *obj, const char *ns, const char *name,
                  struct service **svcp, char **err);
void service_destroy(struct service *);
bool service_equal(const struct service *, const struct service *);

const char *service_type_name(enum service_type);

/* Validation shared with EndpointSlices (epslice.h). */

/* Whether 's' is a DNS label (RFC 1123): 1 to 63 of [a-z0-9-], starting
 * and ending with a letter or digit. */
bool service_is_dns_label(const char *s);
/* Whether 's' is a DNS subdomain (RFC 1123): at most 253 characters of
 * dot-separated labels. */
bool service_is_dns_subdomain(const char *s);

#endif /* service.h */
