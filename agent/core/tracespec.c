#include <config.h>
#include "agent/core/tracespec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/core/agent.h"
#include "agent/model/cluster.h"
#include "agent/model/service.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "packets.h"
#include "random.h"
#include "util.h"


struct tf_args {
    const char *from, *to, *proto;
    long long int sport, dport, timeout;
    bool is_static;
};

static bool
parse_number(const char *s, long long int max, long long int *value)
{
    char *end;
    long long int v = s ? strtoll(s, &end, 10) : -1;
    if (!s || *end || v < 1 || v > max) {
        return false;
    }
    *value = v;
    return true;
}

/* '*err' set on a bad argument. */
static void
parse_args(int argc, const char *argv[], struct tf_args *a, char **err)
{
    memset(a, 0, sizeof *a);
    a->proto = "tcp";
    for (int i = 1; i < argc && !*err; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!strcmp(opt, "--static")) {
            a->is_static = true;
            continue;
        } else if (!strcmp(opt, "--from") && val) {
            a->from = val;
        } else if (!strcmp(opt, "--to") && val) {
            a->to = val;
        } else if (!strcmp(opt, "--proto") && val) {
            a->proto = val;
        } else if (!strcmp(opt, "--sport")) {
            ok = parse_number(val, 65535, &a->sport);
        } else if (!strcmp(opt, "--dport")) {
            ok = parse_number(val, 65535, &a->dport);
        } else if (!strcmp(opt, "--timeout")) {
            ok = parse_number(val, TRACESPEC_MAX_TIMEOUT_S, &a->timeout);
        } else {
            ok = false;
        }
        if (!ok) {
            *err = xasprintf("bad argument \"%s%s%s\"", opt, val ? " " : "",
                             val ? val : "");
        }
        i++;
    }
    if (!*err && (!a->from || !a->to)) {
        *err = xstrdup("--from NS/POD and --to NS/POD|IP|svc:NS/NAME are "
                       "required");
    }
}

static int
parse_proto(const char *name, uint8_t *proto)
{
    *proto = (!strcasecmp(name, "tcp") ? IPPROTO_TCP
              : !strcasecmp(name, "udp") ? IPPROTO_UDP
              : !strcasecmp(name, "icmp") ? IPPROTO_ICMP : 0);
    return *proto ? 0 : -EINVAL;
}

/* Splits "NS/NAME" (a bare NAME is in "default"). */
static void
split_key(const char *key, char **ns, char **name)
{
    const char *slash = strchr(key, '/');

    *ns = slash ? xmemdup0(key, slash - key) : xstrdup("default");
    *name = xstrdup(slash ? slash + 1 : key);
}

static const struct podrec *
find_local_pod(const struct agent *agent, const char *key)
{
    const struct podrec *rec, *found = NULL;
    char *ns, *name;

    split_key(key, &ns, &name);
    HMAP_FOR_EACH (rec, node, &agent->store.recs) {
        if (rec->pod_name && !strcmp(rec->pod_name, name)
            && !strcmp(rec->pod_namespace ? rec->pod_namespace : "default",
                       ns)
            && rec->ofport > 0 && (!found || rec->default_route)) {
            found = rec;
        }
    }
    free(ns);
    free(name);
    return found;
}

/* The destination: a pod of the model, a Service's cluster IP (and, when
 * no port is given, its first port of the protocol), or an address. */
static void
resolve_dst(const struct agent *agent, const char *to, struct tracepkt *p,
            char **err)
{
    char *ns, *name;

    if (inet_pton(AF_INET, to, &p->dst) == 1) {
        return;
    }
    bool svc = !strncmp(to, "svc:", 4);
    split_key(svc ? to + 4 : to, &ns, &name);
    if (svc) {
        const struct service *s = cluster_find_service(agent->cluster, ns,
                                                       name);
        if (!s || !s->n_cluster_ips) {
            *err = xasprintf("no Service %s/%s with a cluster IP", ns, name);
        } else {
            p->dst = s->cluster_ips[0];
            for (size_t i = 0; i < s->n_ports && !p->dport; i++) {
                if (s->ports[i].proto == p->proto) {
                    p->dport = s->ports[i].port;
                }
            }
        }
    } else {
        const struct cluster_pod *pod = cluster_find_pod(agent->cluster, ns,
                                                         name);
        if (!pod || !pod->has_addr) {
            *err = xasprintf("no pod %s/%s with an address", ns, name);
        } else {
            p->dst = pod->addr;
        }
    }
    free(ns);
    free(name);
}

/* The packet the source pod would send. */
static void
resolve(const struct agent *agent, const struct tf_args *a,
        struct tracespec *spec, char **err)
{
    const struct podrec *src = find_local_pod(agent, a->from);
    struct tracepkt *p = &spec->pkt;

    if (!src) {
        *err = xasprintf("no pod %s attached on this node (the source must "
                         "be a local pod)", a->from);
        return;
    }
    if (parse_proto(a->proto, &p->proto)) {
        *err = xasprintf("unknown protocol \"%s\" (tcp, udp or icmp)",
                         a->proto);
        return;
    }
    memcpy(p->src_mac, src->mac, sizeof p->src_mac);
    memcpy(p->dst_mac, agent->pnode.gw_mac, sizeof p->dst_mac);
    p->src = src->ip;
    p->sport = a->sport ? a->sport : 49152 + random_range(16384);
    p->dport = a->dport;
    resolve_dst(agent, a->to, p, err);
    if (!*err && !p->dport && p->proto != IPPROTO_ICMP) {
        *err = xstrdup("--dport is needed for TCP and UDP");
    }
    spec->in_port = src->ofport;
    spec->from = xstrdup(a->from);
    spec->to = xstrdup(a->to);
    spec->is_static = a->is_static;
    spec->timeout_s = a->timeout ? a->timeout : TRACESPEC_DEFAULT_TIMEOUT_S;
}


char *
tracespec_ofproto_flow(const struct tracespec *spec)
{
    const struct tracepkt *p = &spec->pkt;
    char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
    struct ds l4 = DS_EMPTY_INITIALIZER;

    if (p->proto == IPPROTO_ICMP) {
        ds_put_cstr(&l4, "icmp,icmp_type=8,icmp_code=0");
    } else {
        const char *name = p->proto == IPPROTO_TCP ? "tcp" : "udp";
        ds_put_format(&l4, "%s,%s_src=%u,%s_dst=%u", name, name, p->sport,
                      name, p->dport);
        if (p->proto == IPPROTO_TCP) {
            ds_put_cstr(&l4, ",tcp_flags=syn");
        }
    }
    char *flow = xasprintf("in_port=%"PRId64",%s,dl_src="ETH_ADDR_FMT","
                           "dl_dst="ETH_ADDR_FMT",nw_src=%s,nw_dst=%s,"
                           "nw_tos=%d,nw_ttl=64", spec->in_port,
                           ds_cstr(&l4), ETH_ADDR_BYTES_ARGS(p->src_mac),
                           ETH_ADDR_BYTES_ARGS(p->dst_mac),
                           inet_ntop(AF_INET, &p->src, src, sizeof src),
                           inet_ntop(AF_INET, &p->dst, dst, sizeof dst),
                           p->dscp << 2);
    ds_destroy(&l4);
    return flow;
}

char *
tracespec_parse(const struct agent *agent, int argc, const char *argv[],
                struct tracespec *spec)
{
    char *err = NULL;
    struct tf_args a;

    memset(spec, 0, sizeof *spec);
    parse_args(argc, argv, &a, &err);
    if (!err) {
        resolve(agent, &a, spec, &err);
    }
    return err;
}

void
tracespec_destroy(struct tracespec *spec)
{
    free(spec->from);
    free(spec->to);
}
