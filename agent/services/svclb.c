#include <config.h>
#include "agent/services/svclb.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/ipproto.h"
#include "agent/lib/vec.h"
#include "agent/model/cluster.h"
#include "agent/model/epslice.h"
#include "agent/model/service.h"
#include "dataplane/flowtab.h"
#include "dataplane/svcflows.h"
#include "dataplane/tables.h"
#include "bitmap.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "simap.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(svclb);

/* One load balancer of a Service and the arrays its lb points into. */
struct lb_entry {
    char *key;
    struct svcflows_lb lb;
    struct svcflows_addr *frontends;
    struct svcflows_addr *endpoints;
};

/* What one Service became, and the EndpointSlices that counted. */
struct svc_state {
    struct lb_entry *entries;
    size_t n_entries;
    struct sset slices;             /* "NS/SLICE" */
};

struct svclb {
    char *node_name;
    struct shash services;          /* "NS/NAME" -> struct svc_state */
    struct shash slice_service;     /* "NS/SLICE" -> "NS/NAME" (char *) */
    unsigned long *ids;             /* load balancer ids in use */
    struct simap removals;          /* load balancer key -> times removed */
    struct simap kept_ids;          /* load balancer key -> its id before
                                     * svclb_reset(), until the next sync */
    bool changed;
};

struct svclb *
svclb_create(const char *node_name)
{
    struct svclb *s = xzalloc(sizeof *s);

    s->node_name = xstrdup(node_name);
    shash_init(&s->services);
    shash_init(&s->slice_service);
    s->ids = bitmap_allocate(SVCFLOWS_MAX_ID + 1);
    bitmap_set1(s->ids, 0);
    simap_init(&s->removals);
    simap_init(&s->kept_ids);
    return s;
}

static void
entry_destroy(struct lb_entry *e)
{
    free(e->key);
    free(e->frontends);
    free(e->endpoints);
}

static void
state_destroy(struct svc_state *st)
{
    if (st) {
        for (size_t i = 0; i < st->n_entries; i++) {
            entry_destroy(&st->entries[i]);
        }
        free(st->entries);
        sset_destroy(&st->slices);
        free(st);
    }
}

static void
forget_services(struct svclb *s)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &s->services) {
        state_destroy(node->data);
    }
    shash_clear(&s->services);
    shash_clear_free_data(&s->slice_service);
}

void
svclb_reset(struct svclb *s)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &s->services) {
        const struct svc_state *st = node->data;

        for (size_t i = 0; i < st->n_entries; i++) {
            if (st->entries[i].lb.id) {
                simap_put(&s->kept_ids, st->entries[i].key,
                          st->entries[i].lb.id);
            }
        }
    }
    forget_services(s);
    /* The kept ids stay taken, so that no other load balancer takes one
     * before its own comes back. */
}

void
svclb_destroy(struct svclb *s)
{
    if (!s) {
        return;
    }
    forget_services(s);
    shash_destroy(&s->services);
    shash_destroy(&s->slice_service);
    simap_destroy(&s->removals);
    simap_destroy(&s->kept_ids);
    free(s->ids);
    free(s->node_name);
    free(s);
}

/* Computing one Service. */

static int
addr_compare(const void *a_, const void *b_)
{
    const struct svcflows_addr *a = a_, *b = b_;
    uint32_t x = ntohl(a->addr.s_addr), y = ntohl(b->addr.s_addr);
    int cmp6 = memcmp(&a->addr6, &b->addr6, sizeof a->addr6);

    if (x != y) {
        return x < y ? -1 : 1;
    }
    if (cmp6) {
        return cmp6;
    }
    return a->port < b->port ? -1 : a->port > b->port;
}

static void
push_addrs(struct vec *v, const struct in_addr *addrs, size_t n,
           uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        struct svcflows_addr a = { .addr = addrs[i], .port = port };
        vec_push(v, &a);
    }
}

static void
push_addrs6(struct vec *v, const struct in6_addr *addrs, size_t n,
            uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        struct svcflows_addr a = { .addr6 = addrs[i], .port = port };
        vec_push(v, &a);
    }
}

static bool
nullable_equal(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

/* The port of 'slice' that serves service port 'sp', or NULL. */
static const struct epslice_port *
slice_port(const struct epslice *slice, const struct service_port *sp)
{
    for (size_t i = 0; i < slice->n_ports; i++) {
        const struct epslice_port *p = &slice->ports[i];
        if (nullable_equal(p->name, sp->name) && p->proto == sp->proto
            && p->port) {
            return p;
        }
    }
    return NULL;
}

/* The ready endpoints of 'sp' in the slices of one family, IPv6 if
 * 'ipv6' (of this node only if 'local_only'). */
static void
collect_endpoints(const struct svclb *s, const struct epslice *const *slices,
                  size_t n_slices, const struct service_port *sp,
                  bool ipv6, bool local_only, struct vec *out)
{
    for (size_t i = 0; i < n_slices; i++) {
        const struct epslice_port *port = slice_port(slices[i], sp);
        bool family = ipv6 ? slices[i]->ipv6 : slices[i]->ipv4;

        for (size_t j = 0; port && family && j < slices[i]->n_endpoints;
             j++) {
            const struct epslice_endpoint *ep = &slices[i]->endpoints[j];

            if (!ep->ready
                || (local_only && !nullable_equal(ep->node_name,
                                                  s->node_name))) {
                continue;
            }
            if (ipv6) {
                push_addrs6(out, ep->addrs6, ep->n_addrs6, port->port);
            } else {
                push_addrs(out, ep->addrs, ep->n_addrs, port->port);
            }
        }
    }
    out->n = vec_sort_unique_array(out->data, out->n, out->size,
                                   addr_compare);
}

static char *
port_key(const struct service *svc, const struct service_port *sp,
         const char *half)
{
    const char *proto = ipproto_name(sp->proto);

    return (sp->name
            ? xasprintf("%s/%s/%s%s", svc->key, sp->name, proto, half)
            : xasprintf("%s/%u/%s%s", svc->key, sp->port, proto, half));
}

/* Adds an entry (taking the vectors) unless it has no frontend. */
static void
add_entry(struct vec *entries, char *key,
          const struct service *svc, const struct service_port *sp,
          bool ipv6, struct vec *frontends, struct vec *endpoints)
{
    struct lb_entry e = { .key = key };

    frontends->n = vec_sort_unique_array(frontends->data, frontends->n,
                                         frontends->size, addr_compare);
    e.frontends = frontends->data;
    e.endpoints = endpoints->data;
    e.lb = (struct svcflows_lb) {
        .proto = sp->proto,
        .frontends = e.frontends,
        .n_frontends = frontends->n,
        .endpoints = e.endpoints,
        .n_endpoints = endpoints->n,
        .affinity_timeout = (svc->affinity && !ipv6
                             ? svc->affinity_timeout : 0),
        .ipv6 = ipv6,
    };
    if (!frontends->n) {
        entry_destroy(&e);
        return;
    }
    vec_push(entries, &e);
}

static void
compute_port(const struct svclb *s, const struct service *svc,
             const struct epslice *const *slices, size_t n_slices,
             const struct service_port *sp, struct vec *entries)
{
    struct vec fe_int = VEC_INIT(struct svcflows_addr);
    struct vec fe_ext = VEC_INIT(struct svcflows_addr);
    struct vec ep_int = VEC_INIT(struct svcflows_addr);
    struct vec ep_ext = VEC_INIT(struct svcflows_addr);

    push_addrs(&fe_int, svc->cluster_ips, svc->n_cluster_ips, sp->port);
    push_addrs(&fe_ext, svc->external_ips, svc->n_external_ips, sp->port);
    push_addrs(&fe_ext, svc->lb_ips, svc->n_lb_ips, sp->port);
    if (sp->node_port) {
        struct in_addr nodeport_ip;

        inet_pton(AF_INET, NODEPORT_IP, &nodeport_ip);
        push_addrs(&fe_ext, &nodeport_ip, 1, sp->node_port);
    }
    collect_endpoints(s, slices, n_slices, sp, false, svc->internal_local,
                      &ep_int);
    if (svc->internal_local == svc->external_local) {
        for (size_t i = 0; i < fe_ext.n; i++) {
            vec_push(&fe_int, (struct svcflows_addr *) fe_ext.data
                                        + i);
        }
        fe_ext.n = 0;
    } else {
        collect_endpoints(s, slices, n_slices, sp, false,
                          svc->external_local, &ep_ext);
    }
    add_entry(entries, port_key(svc, sp, ""), svc, sp, false, &fe_int,
              &ep_int);
    add_entry(entries, port_key(svc, sp, "/ext"), svc, sp, false, &fe_ext,
              &ep_ext);
}

/* The IPv6 load balancer of port 'sp': its cluster IP alone is a
 * frontend, to the IPv6 slices' endpoints.  Session affinity is left
 * out (svcflows.h). */
static void
compute_port6(const struct svclb *s, const struct service *svc,
              const struct epslice *const *slices, size_t n_slices,
              const struct service_port *sp, struct vec *entries)
{
    struct vec fe = VEC_INIT(struct svcflows_addr);
    struct vec ep = VEC_INIT(struct svcflows_addr);

    push_addrs6(&fe, svc->cluster_ips6, svc->n_cluster_ips6, sp->port);
    collect_endpoints(s, slices, n_slices, sp, true, svc->internal_local,
                      &ep);
    add_entry(entries, port_key(svc, sp, "/v6"), svc, sp, true, &fe, &ep);
}

/* The entries of Service 'svc' (without ids), and the slices that
 * counted. */
static struct svc_state *
compute_service(const struct svclb *s, const struct cluster *cluster,
                const struct service *svc)
{
    struct svc_state *st = xzalloc(sizeof *st);
    struct vec entries = VEC_INIT(struct lb_entry);
    const struct epslice *const *slices;
    size_t n_slices;

    sset_init(&st->slices);
    slices = cluster_service_slices(cluster, svc->namespace, svc->name,
                                    &n_slices);
    for (size_t i = 0; i < n_slices; i++) {
        sset_add(&st->slices, slices[i]->key);
    }
    if (!svc->headless && svc->type != SERVICE_EXTERNAL_NAME) {
        for (size_t i = 0; i < svc->n_ports; i++) {
            compute_port(s, svc, slices, n_slices, &svc->ports[i], &entries);
            compute_port6(s, svc, slices, n_slices, &svc->ports[i],
                          &entries);
        }
    }
    st->entries = entries.data;
    st->n_entries = entries.n;
    return st;
}

/* Ids. */

static const struct lb_entry *
find_entry(const struct svc_state *st, const char *key)
{
    for (size_t i = 0; st && i < st->n_entries; i++) {
        if (!strcmp(st->entries[i].key, key)) {
            return &st->entries[i];
        }
    }
    return NULL;
}

/* A free id for 'key': its hash, or the next free one after it. */
static uint16_t
allocate_id(struct svclb *s, const char *key)
{
    /* After a reset, a load balancer gets the id it had: ids given in
     * another order could settle a collision otherwise. */
    uint32_t id = simap_get(&s->kept_ids, key);

    if (id) {
        return id;
    }
    id = hash_string(key, 0) % SVCFLOWS_MAX_ID + 1;

    for (size_t tries = 0; tries < SVCFLOWS_MAX_ID; tries++) {
        if (!bitmap_is_set(s->ids, id)) {
            bitmap_set1(s->ids, id);
            return id;
        }
        id = id % SVCFLOWS_MAX_ID + 1;
    }
    return 0;
}

/* After a sync that followed svclb_reset(): the ids kept for load
 * balancers that did not come back are free again. */
static void
release_unkept_ids(struct svclb *s)
{
    struct shash_node *node;

    bitmap_set_multiple(s->ids, 1, SVCFLOWS_MAX_ID, false);
    SHASH_FOR_EACH (node, &s->services) {
        const struct svc_state *st = node->data;

        for (size_t i = 0; i < st->n_entries; i++) {
            if (st->entries[i].lb.id) {
                bitmap_set1(s->ids, st->entries[i].lb.id);
            }
        }
    }
    simap_clear(&s->kept_ids);
}

/* Applying. */

static bool
addrs_equal(const struct svcflows_addr *a, const struct svcflows_addr *b,
            size_t n)
{
    return !n || !memcmp(a, b, n * sizeof *a);
}

static bool
lb_equal(const struct svcflows_lb *a, const struct svcflows_lb *b)
{
    return (a->id == b->id && a->proto == b->proto && a->ipv6 == b->ipv6
            && a->affinity_timeout == b->affinity_timeout
            && a->affinity_salt == b->affinity_salt
            && a->n_frontends == b->n_frontends
            && a->n_endpoints == b->n_endpoints
            && addrs_equal(a->frontends, b->frontends, a->n_frontends)
            && addrs_equal(a->endpoints, b->endpoints, a->n_endpoints));
}

/* Gives the entries of 'new' their ids (those of 'old' for the same key),
 * writes what differs from 'old' and removes what 'old' had alone. */
static void
apply(struct svclb *s, const struct svc_state *old, struct svc_state *new,
      struct flowtab *ft)
{
    for (size_t i = 0; new && i < new->n_entries; i++) {
        struct lb_entry *e = &new->entries[i];
        const struct lb_entry *was = find_entry(old, e->key);

        e->lb.id = was ? was->lb.id : allocate_id(s, e->key);
        /* A Service deleted and made again is a new incarnation: what its
         * clients learned before must not stick to it. */
        e->lb.affinity_salt = hash_string(e->key,
                                          simap_get(&s->removals, e->key));
        if (!e->lb.id) {
            VLOG_WARN("%s: no free load balancer id", e->key);
        } else if (!was || !lb_equal(&was->lb, &e->lb)) {
            svcflows_set(ft, &e->lb);
            s->changed = true;
        }
    }
    for (size_t i = 0; old && i < old->n_entries; i++) {
        const struct lb_entry *e = &old->entries[i];

        if (e->lb.id && !find_entry(new, e->key)) {
            svcflows_remove(ft, e->lb.id);
            bitmap_set0(s->ids, e->lb.id);
            simap_increase(&s->removals, e->key, 1);
            s->changed = true;
        }
    }
}

static void
remember_slices(struct svclb *s, const char *svc_key,
                const struct svc_state *st)
{
    const char *slice;

    SSET_FOR_EACH (slice, &st->slices) {
        free(shash_replace(&s->slice_service, slice, xstrdup(svc_key)));
    }
}

/* Recomputes Service 'key' ("NS/NAME"). */
static void
recompute(struct svclb *s, const struct cluster *cluster, const char *key,
          struct flowtab *ft)
{
    char *ns = xmemdup0(key, strcspn(key, "/"));
    const struct service *svc = cluster_find_service(cluster, ns,
                                                     key + strlen(ns) + 1);
    struct svc_state *old = shash_find_and_delete(&s->services, key);
    struct svc_state *new = svc ? compute_service(s, cluster, svc) : NULL;

    apply(s, old, new, ft);
    if (new) {
        remember_slices(s, key, new);
        shash_add(&s->services, key, new);
    }
    state_destroy(old);
    free(ns);
}

/* The conntrack flows of every load balancer there is now: they share
 * endpoints, so they are written together. */
static void
apply_conntrack(const struct svclb *s, struct flowtab *ft)
{
    struct svcflows_lb *lbs = NULL;
    size_t n = 0, allocated = 0;
    struct shash_node *node;

    SHASH_FOR_EACH (node, &s->services) {
        const struct svc_state *st = node->data;

        for (size_t i = 0; i < st->n_entries; i++) {
            uint16_t id = st->entries[i].lb.id;

            /* A load balancer the switch could not take has no flows:
             * its frontends are no service's. */
            if (id && flowtab_count_owner(ft, svcflows_owner(id))) {
                if (n >= allocated) {
                    lbs = x2nrealloc(lbs, &allocated, sizeof *lbs);
                }
                lbs[n++] = st->entries[i].lb;
            }
        }
    }
    svcflows_set_conntrack(ft, lbs, n);
    free(lbs);
}

void
svclb_sync_all(struct svclb *s, const struct cluster *cluster,
               struct flowtab *ft)
{
    struct sset keys = SSET_INITIALIZER(&keys);
    const struct service **svcs;
    struct shash_node *node;
    const char *key;
    size_t n;

    svcs = (const struct service **) cluster_list(cluster, CLUSTER_SERVICE,
                                                  &n);
    for (size_t i = 0; i < n; i++) {
        sset_add(&keys, svcs[i]->key);
    }
    SHASH_FOR_EACH (node, &s->services) {
        sset_add(&keys, node->name);
    }
    SSET_FOR_EACH (key, &keys) {
        recompute(s, cluster, key, ft);
    }
    if (!simap_is_empty(&s->kept_ids)) {
        release_unkept_ids(s);
    }
    apply_conntrack(s, ft);
    sset_destroy(&keys);
    free(svcs);
}

/* The Services a change of slice NS/NAME may touch: the one it is labelled
 * for now and the one it was counted for. */
static void
slice_services(const struct svclb *s, const struct cluster *cluster,
               const struct cluster_change *change, struct sset *keys)
{
    const struct epslice *slice = cluster_find_epslice(
        cluster, change->namespace, change->name);
    char *slice_key = xasprintf("%s/%s", change->namespace, change->name);
    const char *was = shash_find_data(&s->slice_service, slice_key);

    if (slice && slice->service) {
        sset_add_and_free(keys, xasprintf("%s/%s", change->namespace,
                                          slice->service));
    }
    if (was) {
        sset_add(keys, was);
    }
    free(slice_key);
}

size_t
svclb_handle_changes(struct svclb *s, const struct cluster *cluster,
                     const struct cluster_change *changes, size_t n,
                     struct flowtab *ft)
{
    struct sset keys = SSET_INITIALIZER(&keys);
    const char *key;
    size_t n_keys;

    for (size_t i = 0; i < n; i++) {
        const struct cluster_change *c = &changes[i];

        if (c->kind == CLUSTER_SERVICE) {
            sset_add_and_free(&keys, xasprintf("%s/%s", c->namespace,
                                               c->name));
        } else if (c->kind == CLUSTER_ENDPOINT_SLICE) {
            slice_services(s, cluster, c, &keys);
        }
    }
    SSET_FOR_EACH (key, &keys) {
        recompute(s, cluster, key, ft);
    }
    n_keys = sset_count(&keys);
    if (n_keys) {
        apply_conntrack(s, ft);
    }
    sset_destroy(&keys);
    return n_keys;
}

bool
svclb_take_changed(struct svclb *s)
{
    bool changed = s->changed;
    s->changed = false;
    return changed;
}

static int
nodeport_compare(const void *a_, const void *b_)
{
    const struct ipproto_port *a = a_, *b = b_;

    if (a->proto != b->proto) {
        return a->proto < b->proto ? -1 : 1;
    }
    return a->port < b->port ? -1 : a->port > b->port;
}

void
svclb_node_ports(const struct svclb *s, struct ipproto_port **portsp,
                 size_t *np)
{
    struct vec ports = VEC_INIT(struct ipproto_port);
    const struct shash_node *node;
    struct in_addr nodeport_ip;

    inet_pton(AF_INET, NODEPORT_IP, &nodeport_ip);
    SHASH_FOR_EACH (node, &s->services) {
        const struct svc_state *st = node->data;

        for (size_t i = 0; i < st->n_entries; i++) {
            const struct lb_entry *e = &st->entries[i];

            for (size_t j = 0; !e->lb.ipv6 && j < e->lb.n_frontends; j++) {
                if (e->frontends[j].addr.s_addr == nodeport_ip.s_addr) {
                    struct ipproto_port p = { e->lb.proto,
                                               e->frontends[j].port };
                    vec_push(&ports, &p);
                }
            }
        }
    }
    *np = vec_sort_unique_array(ports.data, ports.n, ports.size,
                                nodeport_compare);
    *portsp = ports.data;
}

static void
format_addrs(struct ds *ds, const char *what, bool ipv6,
             const struct svcflows_addr *a, size_t n)
{
    char ip[INET6_ADDRSTRLEN];

    ds_put_format(ds, " %s=", what);
    for (size_t i = 0; i < n; i++) {
        if (ipv6) {
            ds_put_format(ds, "%s[%s]:%u", i ? "," : "",
                          inet_ntop(AF_INET6, &a[i].addr6, ip, sizeof ip),
                          a[i].port);
        } else {
            ds_put_format(ds, "%s%s:%u", i ? "," : "",
                          inet_ntop(AF_INET, &a[i].addr, ip, sizeof ip),
                          a[i].port);
        }
    }
}

struct svclb_ref *
svclb_list(const struct svclb *s, size_t *np)
{
    const struct shash_node **nodes = shash_sort(&s->services);
    size_t n_services = shash_count(&s->services);
    struct vec refs = VEC_INIT(struct svclb_ref);

    for (size_t i = 0; i < n_services; i++) {
        const struct svc_state *st = nodes[i]->data;

        for (size_t j = 0; j < st->n_entries; j++) {
            struct svclb_ref ref = { st->entries[j].key, &st->entries[j].lb };
            vec_push(&refs, &ref);
        }
    }
    free(nodes);
    *np = refs.n;
    return refs.data;
}

static bool
lb_matches(const struct svcflows_lb *lb, uint16_t id, uint8_t proto,
           struct in_addr addr, uint16_t port)
{
    if (id) {
        return lb->id == id;
    }
    for (size_t k = 0; !lb->ipv6 && lb->proto == proto
                       && k < lb->n_frontends; k++) {
        if (lb->frontends[k].addr.s_addr == addr.s_addr
            && lb->frontends[k].port == port) {
            return true;
        }
    }
    return false;
}

bool
svclb_find(const struct svclb *s, uint16_t id, uint8_t proto,
           struct in_addr addr, uint16_t port, struct svclb_ref *ref)
{
    const struct shash_node *node;

    SHASH_FOR_EACH (node, &s->services) {
        const struct svc_state *st = node->data;
        for (size_t j = 0; j < st->n_entries; j++) {
            if (lb_matches(&st->entries[j].lb, id, proto, addr, port)) {
                *ref = (struct svclb_ref) { st->entries[j].key,
                                            &st->entries[j].lb };
                return true;
            }
        }
    }
    return false;
}

void
svclb_format(const struct svclb *s, struct ds *ds)
{
    size_t n;
    struct svclb_ref *refs = svclb_list(s, &n);

    for (size_t i = 0; i < n; i++) {
        const struct svcflows_lb *lb = refs[i].lb;

        ds_put_format(ds, "%s id=%u", refs[i].key, lb->id);
        format_addrs(ds, "frontends", lb->ipv6, lb->frontends,
                     lb->n_frontends);
        format_addrs(ds, "endpoints", lb->ipv6, lb->endpoints,
                     lb->n_endpoints);
        ds_put_format(ds, " affinity=%"PRIu32"\n", lb->affinity_timeout);
    }
    free(refs);
}
