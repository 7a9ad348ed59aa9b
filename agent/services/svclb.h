/*
 * svclb: the Services of the cluster model, with their EndpointSlices,
 * as service load balancers in br-int (svcflows.h), kept in line with the
 * model as it changes.
 *
 * One Service port becomes one load balancer, or two when its internal and
 * external traffic policies choose different endpoints:
 *
 *   - frontends: the cluster IPs (internal), the external IPs and the
 *     load balancer ingress IPs (external), each with the port's 'port',
 *     and NODEPORT_IP with its 'nodePort' (external, nodeport.h);
 *   - endpoints: the IPv4 addresses of the EndpointSlices labelled for the
 *     Service whose 'ready' condition holds, with the slice port of the
 *     same name and protocol (which resolves a named targetPort per pod);
 *     a Local traffic policy keeps those whose nodeName is this node.
 *     Serving-but-terminating endpoints get no new connection; connections
 *     they already have go on (conntrack keeps them, whatever the group).
 *
 * A Service with an IPv6 cluster IP has one more load balancer per port,
 * key "NS/NAME/PORT/PROTO/v6": that cluster IP alone as frontend, to the
 * ready endpoints of its IPv6 slices (internalTrafficPolicy applies),
 * without session affinity.  IPv6 external and ingress IPs and node
 * ports over IPv6 are not served.
 *
 * Headless Services (clusterIP None) and ExternalName Services get
 * nothing.  A port without a ready endpoint
 * keeps its frontends and rejects new connections (svcflows.h).
 *
 * Load balancer ids are kept per key ("NS/NAME/PORT/PROTO" plus "/ext" for
 * the external half of a split port), chosen from a hash of the key with
 * the next free id on a collision, and reused only after their key is
 * gone, so an endpoint change rewrites a group in place.
 */
#ifndef SVCLB_H
#define SVCLB_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct cluster;
struct cluster_change;
struct ds;
struct flowtab;
struct ipproto_port;
struct svcflows_lb;

struct svclb *svclb_create(const char *node_name);
void svclb_destroy(struct svclb *);

/* Forgets every Service's load balancers (not how often a Service was
 * deleted, which names its incarnations, nor which id each load balancer
 * had, which the next svclb_sync_all() gives it again): that sync then
 * computes everything from scratch. */
void svclb_reset(struct svclb *);

/* Computes every Service again and rewrites what differs. */
void svclb_sync_all(struct svclb *, const struct cluster *,
                    struct flowtab *);

/* Recomputes the Services that 'changes' (Services, EndpointSlices) touch
 * and rewrites what differs.  Returns how many Services were recomputed. */
size_t svclb_handle_changes(struct svclb *, const struct cluster *,
                            const struct cluster_change *, size_t n,
                            struct flowtab *);

/* Whether load balancer flows changed since the last call (and resets
 * it). */
bool svclb_take_changed(struct svclb *);

/* The node ports of every Service (sorted, no duplicates), in an array
 * the caller frees. */
void svclb_node_ports(const struct svclb *, struct ipproto_port **,
                      size_t *n);

/* A load balancer in force and its key ("NS/NAME/PORT/PROTO", PORT the
 * port's name or else its number, "/ext" after it for the external half
 * of a split port); its id is also its group id. */
struct svclb_ref {
    const char *key;
    const struct svcflows_lb *lb;
};

/* Every load balancer, in key order, in an array the caller frees; the
 * load balancers stay svclb's, valid until its next change. */
struct svclb_ref *svclb_list(const struct svclb *, size_t *n);

/* The load balancer numbered 'id', or when 'id' is 0 the one with the
 * frontend 'addr':'port' of 'proto': true and '*ref' set, or false.  No
 * allocation: for a lookup per packet-in or per flow record. */
bool svclb_find(const struct svclb *, uint16_t id, uint8_t proto,
                struct in_addr addr, uint16_t port, struct svclb_ref *ref);

/* One line per load balancer, in key order:
 *
 *   default/web/http/tcp id=812 frontends=10.96.0.10:80 endpoints=10.244.1.2:8080,10.244.1.3:8080 affinity=0
 */
void svclb_format(const struct svclb *, struct ds *);

#endif /* svclb.h */
