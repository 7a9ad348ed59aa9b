#include <config.h>
#include "agent/core/attach.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "agent/lib/hostlink.h"
#include "agent/core/agent.h"
#include "agent/core/agentconf.h"
#include "agent/model/cluster.h"
#include "agent/pods/ipam.h"
#include "agent/pods/netns.h"
#include "agent/pods/podif.h"
#include "agent/pods/podstore.h"
#include "agent/pods/podsweep.h"
#include "agent/pods/sriovvf.h"
#include "agent/sources/source.h"
#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/pipeline.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(attach);

#define ATTACH_SUN_PATH_MAX 107     /* sizeof sun_path - 1 */
#define ATTACH_VHOST_SOCKET "vhost.sock"
#define ATTACH_VHOST_CONFIG "pod.json"

/* FNV-1a: a stable 64-bit name for an attachment, so that its port name
 * and cookie are the same in every agent run, even without a record. */
static uint64_t
attach_hash(const char *container_id, const char *ifname)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const char *s = container_id; *s; s++) {
        h = (h ^ (uint8_t) *s) * UINT64_C(0x100000001b3);
    }
    h = (h ^ '/') * UINT64_C(0x100000001b3);
    for (const char *s = ifname; *s; s++) {
        h = (h ^ (uint8_t) *s) * UINT64_C(0x100000001b3);
    }
    return h;
}

static char *
attach_owner_key(const char *container_id, const char *ifname)
{
    return xasprintf("%s/%s", container_id, ifname);
}

static char *
attach_socket_dir(const struct agent *agent, const struct cniproto_request *req,
                  const char *port_name)
{
    const char *base = (req->vhost_socket_dir ? req->vhost_socket_dir
                        : agent->conf->vhost_socket_dir);
    return xasprintf("%s/%.12s-%s-%s", base, req->container_id, req->ifname,
                     port_name + strlen(port_name) - 2);
}

/* A new record for the request whose port is 'port_name' (NULL: none is
 * known), with every derived name filled in. */
static struct podrec *
attach_rec_new(const struct agent *agent, const struct cniproto_request *req,
               const char *port_name)
{
    struct podrec *rec = xzalloc(sizeof *rec);
    uint64_t h = attach_hash(req->container_id, req->ifname);

    rec->container_id = xstrdup(req->container_id);
    rec->ifname = xstrdup(req->ifname);
    rec->netns = nullable_xstrdup(req->netns);
    rec->owner = cookie_owner(COOKIE_KIND_POD, h);
    if (port_name) {
        rec->port_name = xstrdup(port_name);
        rec->socket_dir = attach_socket_dir(agent, req, port_name);
        rec->socket_path = xasprintf("%s/%s", rec->socket_dir,
                                     ATTACH_VHOST_SOCKET);
    }
    rec->pod_namespace = nullable_xstrdup(req->pod_namespace);
    rec->pod_name = nullable_xstrdup(req->pod_name);
    rec->pod_uid = nullable_xstrdup(req->pod_uid);
    /* The network's MTU may not exceed what the node carries: between
     * nodes, the tunnel's overhead comes off the underlay's. */
    rec->mtu = (req->mtu && req->mtu < agent_pod_mtu(agent)
                ? req->mtu : agent_pod_mtu(agent));
    rec->prefix_len = agent->pnode.prefix_len;
    return rec;
}

/* A port name for a new ADD that neither the switch nor the kernel knows. */
static char *
attach_new_port_name(struct agent *agent, const struct cniproto_request *req)
{
    uint64_t h = attach_hash(req->container_id, req->ifname);

    for (int i = 0; i <= UINT8_MAX; i++) {
        /* A new sequence number each ADD, so that a DEL then ADD of the
         * same container never reuses the name of the port ovs-vswitchd is
         * still releasing (its netdev acts on the interface by name while
         * it goes). */
        char *name = podstore_port_name(h, agent->port_seq++);
        struct ovsbridge_port_status st;

        ovsbridge_port_status(agent->br, name, &st);
        free(st.error);
        if (!st.exists && !hostlink_exists(name)) {
            return name;
        }
        free(name);
    }
    return NULL;
}

static void
remove_socket_dir(const char *dir)
{
    char *config = xasprintf("%s/%s", dir, ATTACH_VHOST_CONFIG);
    char *sock = xasprintf("%s/%s", dir, ATTACH_VHOST_SOCKET);

    unlink(config);
    unlink(sock);
    if (rmdir(dir) && errno != ENOENT) {
        VLOG_WARN("%s: %s", dir, ovs_strerror(errno));
    }
    free(config);
    free(sock);
}

static void
rec_fill_spec(const struct agent *agent, const struct podrec *rec,
              struct podif_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->netns_path = rec->netns;
    spec->ifname = rec->ifname;
    spec->host_ifname = rec->port_name;
    memcpy(spec->mac.b, rec->mac, 6);
    spec->ip = rec->ip;
    spec->prefix_len = rec->prefix_len;
    spec->gateway = (rec->default_route ? agent->pnode.gw_ip
                     : (struct in_addr) { .s_addr = INADDR_ANY });
    spec->has_ip6 = rec->has_ip6;
    spec->ip6 = rec->ip6;
    spec->prefix_len6 = rec->prefix_len6;
    spec->gateway6 = (rec->default_route && rec->has_ip6 ? agent->pnode.gw_ip6
                      : in6addr_any);
    spec->mtu = rec->mtu;
}

/* Whether the attachment's OVS port is a host link (a veth's host end, a
 * kernel VF's representor) and whether the pod has a kernel interface of
 * it: a vhost-user or DPDK-mode VF pod has neither. */
static bool
rec_has_host_link(const struct podrec *rec)
{
    return (rec->type == PODSTORE_AFXDP
            || (rec->type == PODSTORE_SRIOV && rec->vf && rec->vf->netdev));
}

static bool
rec_has_pod_link(const struct podrec *rec)
{
    return (rec->type != PODSTORE_VHOSTUSER
            && !(rec->type == PODSTORE_SRIOV && rec->vf && !rec->vf->netdev));
}

static void
set_error(struct cniproto_response *resp, int code, int error,
          const char *what)
{
    cniproto_response_error(resp, code, error ? ovs_strerror(-error) : NULL,
                            "%s", what);
}

/* A write to the state directory failed (read-only, full, I/O error):
 * the runtime learns which folder and why, not just that ADD failed. */
static void
set_state_error(const struct agent *agent, struct cniproto_response *resp,
                int error)
{
    cniproto_response_error(resp, ATTACH_ERR_STATE_DIR, ovs_strerror(-error),
                            "state directory %s is unusable: %s",
                            agent->conf->state_dir, ovs_strerror(-error));
}

/* The interface type: the pod's annotation for this interface, else the
 * pod's annotation, else the network configuration, else the agent's
 * default. */
static const char *
attach_type_name(const struct agent *agent, const struct cniproto_request *req)
{
    const struct cluster_pod *pod = NULL;

    if (req->pod_namespace && req->pod_name) {
        pod = cluster_find_pod(agent->cluster, req->pod_namespace,
                               req->pod_name);
    }
    if (pod) {
        char *key = xasprintf("%s.%s", ATTACH_TYPE_ANNOTATION, req->ifname);
        const char *type = cluster_labels_get(&pod->annotations, key);
        free(key);
        if (!type) {
            type = cluster_labels_get(&pod->annotations,
                                      ATTACH_TYPE_ANNOTATION);
        }
        if (type) {
            return type;
        }
    }
    return (req->interface_type ? req->interface_type
            : agent->conf->default_interface_type);
}

static int
write_vhost_config(const struct agent *agent, const struct podrec *rec)
{
    char *path = xasprintf("%s/%s", rec->socket_dir, ATTACH_VHOST_CONFIG);
    struct json_object *obj = json_object_new_object();
    char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], mac[18];
    int error = 0;

    inet_ntop(AF_INET, &rec->ip, ip, sizeof ip);
    inet_ntop(AF_INET, &agent->pnode.gw_ip, gw, sizeof gw);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", rec->mac[0],
             rec->mac[1], rec->mac[2], rec->mac[3], rec->mac[4], rec->mac[5]);
    json_object_object_add(obj, "mac", json_object_new_string(mac));
    json_object_object_add(obj, "ip", json_object_new_string(ip));
    json_object_object_add(obj, "prefixLength",
                           json_object_new_int(rec->prefix_len));
    json_object_object_add(obj, "gateway", json_object_new_string(gw));
    if (rec->has_ip6) {
        char ip6[INET6_ADDRSTRLEN], gw6[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, &rec->ip6, ip6, sizeof ip6);
        inet_ntop(AF_INET6, &agent->pnode.gw_ip6, gw6, sizeof gw6);
        json_object_object_add(obj, "ip6", json_object_new_string(ip6));
        json_object_object_add(obj, "prefixLength6",
                               json_object_new_int(rec->prefix_len6));
        json_object_object_add(obj, "gateway6", json_object_new_string(gw6));
    }
    json_object_object_add(obj, "mtu", json_object_new_int(rec->mtu));
    json_object_object_add(obj, "socketPath",
                           json_object_new_string(rec->socket_path));
    json_object_object_add(obj, "containerID",
                           json_object_new_string(rec->container_id));
    json_object_object_add(obj, "ifname",
                           json_object_new_string(rec->ifname));
    if (json_object_to_file_ext(path, obj, JSON_C_TO_STRING_PRETTY)) {
        error = errno ? -errno : -EIO;
    }
    json_object_put(obj);
    free(path);
    return error;
}

/* One address of the result, with the default route of its family when
 * the pod's default route is this interface's. */
static void
result_add_ip(struct cniproto_result *res, const struct podrec *rec,
              const char *ip, int prefix_len, const char *gw,
              const char *default_dst)
{
    struct cniproto_ip *rip = &res->ips[res->n_ips++];

    rip->address = xasprintf("%s/%d", ip, prefix_len);
    rip->gateway = xstrdup(gw);
    rip->interface = 0;
    if (rec->default_route) {
        struct cniproto_route *route = &res->routes[res->n_routes++];
        route->dst = xstrdup(default_dst);
        route->gw = xstrdup(gw);
    }
}

static void
result_fill(const struct agent *agent, const struct podrec *rec,
            struct cniproto_result *res)
{
    char ip[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
    struct cniproto_iface *iface = &res->ifaces[res->n_ifaces++];

    iface->name = xstrdup(rec->ifname);
    iface->mac = xasprintf("%02x:%02x:%02x:%02x:%02x:%02x", rec->mac[0],
                           rec->mac[1], rec->mac[2], rec->mac[3], rec->mac[4],
                           rec->mac[5]);
    iface->sandbox = nullable_xstrdup(rec->netns);
    iface->mtu = rec->mtu;
    iface->socket_path = (rec->type == PODSTORE_VHOSTUSER
                          ? xstrdup(rec->socket_path) : NULL);
    iface->pci_id = rec->vf ? xstrdup(rec->vf->pci) : NULL;
    result_add_ip(res, rec, inet_ntop(AF_INET, &rec->ip, ip, sizeof ip),
                  rec->prefix_len,
                  inet_ntop(AF_INET, &agent->pnode.gw_ip, gw, sizeof gw),
                  "0.0.0.0/0");
    if (rec->has_ip6) {
        result_add_ip(res, rec, inet_ntop(AF_INET6, &rec->ip6, ip, sizeof ip),
                      rec->prefix_len6,
                      inet_ntop(AF_INET6, &agent->pnode.gw_ip6, gw, sizeof gw),
                      "::/0");
    }
}

static void
result_ok(const struct agent *agent, const struct podrec *rec,
          struct cniproto_response *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->ok = true;
    resp->has_result = true;
    result_fill(agent, rec, &resp->result);
}

/* 0a:58 followed by the IPv4 address, as Kubernetes network plugins do:
 * unique on the node and stable across restarts. */
static void
mac_from_ip(struct in_addr ip, uint8_t mac[6])
{
    mac[0] = 0x0a;
    mac[1] = 0x58;
    memcpy(&mac[2], &ip.s_addr, 4);
}

/* The address the runtime asked for ("A.B.C.D[/LEN]"), which must be a
 * free address of the node's subnet. */
static int
allocate_static_ip(struct agent *agent, const char *text, const char *key,
                   struct podrec *rec, struct cniproto_response *resp)
{
    char addr[INET_ADDRSTRLEN] = "";
    int prefix_len = rec->prefix_len;
    int n = sscanf(text, "%15[0-9.]/%d", addr, &prefix_len);

    ovs_be32 mask = be32_prefix_mask(rec->prefix_len);

    if (n < 1 || inet_pton(AF_INET, addr, &rec->ip) != 1
        || prefix_len != rec->prefix_len
        || (rec->ip.s_addr & mask) != agent->pnode.subnet.s_addr) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, text,
                                "the address asked for is outside the node's "
                                "pod subnet "IP_FMT"/%d",
                                IP_ARGS(agent->pnode.subnet.s_addr),
                                rec->prefix_len);
        return -EINVAL;
    }
    int error = ipam_allocate_at(agent->ipam, key, rec->ip);
    if (error == -EDOM) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, text,
                                "the address asked for is the network, "
                                "gateway or broadcast address of the node's "
                                "pod subnet");
    } else if (error == -EADDRINUSE) {
        cniproto_response_error(resp, ATTACH_ERR_NO_ADDRESS, text,
                                "the address asked for is another pod's");
    } else if (error == -EINVAL) {
        set_error(resp, ATTACH_ERR_INTERNAL, error,
                  "the address asked for could not be allocated");
    } else if (error) {
        set_state_error(agent, resp, error);
    }
    return error;
}

/* Says why an allocation from the pod subnet 'subnet' failed. */
static void
set_allocation_error(const struct agent *agent, struct cniproto_response *resp,
                     int error, const char *subnet, const struct ipam *ipam)
{
    if (error == -EADDRNOTAVAIL) {
        cniproto_response_error(resp, ATTACH_ERR_NO_ADDRESS,
                                ovs_strerror(-error), "the pod subnet %s is "
                                "full: %zu addresses allocated", subnet,
                                ipam_count(ipam));
    } else if (error == -EINVAL) {
        set_error(resp, ATTACH_ERR_INTERNAL, error,
                  "no pod address available");
    } else if (error) {
        set_state_error(agent, resp, error);
    }
}

/* A dual-stack node gives the pod an IPv6 address too. */
static int
allocate_ip6(struct agent *agent, const char *key, struct podrec *rec,
             struct cniproto_response *resp)
{
    const struct pipeline_node *p = &agent->pnode;

    if (!agent->ipam6) {
        return 0;
    }
    int error = ipam_allocate6(agent->ipam6, key, &rec->ip6);
    if (error) {
        char addr[INET6_ADDRSTRLEN];
        char *subnet = xasprintf("%s/%d", inet_ntop(AF_INET6, &p->subnet6,
                                                    addr, sizeof addr),
                                 p->prefix_len6);
        set_allocation_error(agent, resp, error, subnet, agent->ipam6);
        free(subnet);
        return error;
    }
    rec->has_ip6 = true;
    rec->prefix_len6 = p->prefix_len6;
    return 0;
}

static int
allocate_ip(struct agent *agent, const struct cniproto_request *req,
            struct podrec *rec, struct cniproto_response *resp)
{
    char *key = attach_owner_key(rec->container_id, rec->ifname);
    int error;

    if (req->static_ip) {
        error = allocate_static_ip(agent, req->static_ip, key, rec, resp);
    } else {
        error = ipam_allocate(agent->ipam, key, &rec->ip);
        if (error) {
            char *subnet = xasprintf(IP_FMT"/%d",
                                     IP_ARGS(agent->pnode.subnet.s_addr),
                                     rec->prefix_len);
            set_allocation_error(agent, resp, error, subnet, agent->ipam);
            free(subnet);
        }
    }
    if (!error) {
        error = allocate_ip6(agent, key, rec, resp);
    }
    free(key);
    return error;
}

/* The MAC asked for, else one made from the address; either way one no
 * other attachment of the node has (L2Forwarding outputs by MAC). */
static int
choose_mac(struct agent *agent, const struct cniproto_request *req,
           struct podrec *rec, struct cniproto_response *resp)
{
    struct eth_addr mac;
    struct podrec *other;

    if (!req->static_mac) {
        mac_from_ip(rec->ip, rec->mac);
    } else if (!eth_addr_from_string(req->static_mac, &mac)
               || eth_addr_is_multicast(mac) || eth_addr_is_zero(mac)) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG,
                                req->static_mac, "the MAC asked for is not "
                                "a unicast MAC");
        return -EINVAL;
    } else {
        memcpy(rec->mac, mac.ea, sizeof rec->mac);
    }
    PODSTORE_FOR_EACH_SAFE (other, &agent->store) {
        if (!memcmp(other->mac, rec->mac, sizeof rec->mac)) {
            cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG,
                                    req->static_mac, "MAC "ETH_ADDR_FMT" is "
                                    "already attachment %s/%s's",
                                    ETH_ADDR_BYTES_ARGS(rec->mac),
                                    other->container_id, other->ifname);
            return -EADDRINUSE;
        }
    }
    return 0;
}

/* The attachment of the pod's network namespace that holds its default
 * route, or NULL. */
static const struct podrec *
default_route_holder(const struct agent *agent, const char *netns)
{
    struct podrec *rec;

    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        if (rec->default_route && rec->netns && !strcmp(rec->netns, netns)) {
            return rec;
        }
    }
    return NULL;
}

/* Whether the new attachment takes the pod's default route: as the
 * network configuration says, else if it is the pod's first kernel
 * interface to be added that can (two networks added in any order keep
 * one default route). */
static int
choose_default_route(const struct agent *agent,
                     const struct cniproto_request *req, struct podrec *rec,
                     struct cniproto_response *resp)
{
    const struct podrec *holder = default_route_holder(agent, rec->netns);
    bool kernel = rec->type != PODSTORE_VHOSTUSER;

    if (req->default_route == CNIPROTO_ROUTE_YES && (!kernel || holder)) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, NULL,
                                "\"defaultRoute\": true, but %s%s%s",
                                kernel ? "the pod's default route is via "
                                       : "a vhost-user interface has no "
                                         "kernel routes",
                                kernel ? holder->ifname : "",
                                kernel ? " already" : "");
        return -EINVAL;
    }
    rec->default_route = (kernel && req->default_route != CNIPROTO_ROUTE_NO
                          && !holder);
    return 0;
}

static char *
check_attachment(struct agent *agent, const struct podrec *rec)
{
    struct ovsbridge_port_status st;
    char *why = NULL;

    ovsbridge_port_status(agent->br, rec->port_name, &st);
    if (!st.exists || st.ofport <= 0) {
        why = xasprintf("OVS port %s is %s", rec->port_name,
                        st.exists ? "without an ofport" : "missing");
    } else if (st.ofport != rec->ofport) {
        why = xasprintf("OVS port %s is ofport %"PRId64"; the pod's flows "
                        "use %"PRId64, rec->port_name, st.ofport, rec->ofport);
    } else if (rec_has_host_link(rec) && hostlink_up(rec->port_name)) {
        why = xasprintf("host end %s of the pod's interface is down",
                        rec->port_name);
    } else if (!st.link_up && rec->type != PODSTORE_TAP) {
        /* (OVS reads a tap's link in its own namespace, where the tap no
         * longer is: podif_check() below sees it in the pod's.) */
        why = xasprintf("OVS port %s reports its link down%s", rec->port_name,
                        rec->type == PODSTORE_VHOSTUSER
                        ? " (the pod's vhost-user server is not connected)"
                        : "");
    } else if (!flowtab_verify_owner(agent->ft, agent->of, rec->owner, &why)
               && rec_has_pod_link(rec)) {
        struct podif_spec spec;
        rec_fill_spec(agent, rec, &spec);
        podif_check(&spec, &why);
    }
    free(st.error);
    return why;
}

static void
attach_check(struct agent *agent, const struct cniproto_request *req,
             struct cniproto_response *resp)
{
    struct podrec *rec = podstore_find(&agent->store, req->container_id,
                                       req->ifname);
    if (!rec) {
        cniproto_response_error(resp, CNI_ERR_UNKNOWN_CONTAINER, NULL,
                                "no attachment %s/%s on this node",
                                req->container_id, req->ifname);
        return;
    }
    char *why = check_attachment(agent, rec);
    if (why) {
        cniproto_response_error(resp, ATTACH_ERR_CHECK_FAILED, why,
                                "attachment %s/%s is not as configured",
                                req->container_id, req->ifname);
        free(why);
        return;
    }
    memset(resp, 0, sizeof *resp);
    resp->ok = true;
}

static bool
is_valid_attachment(const struct cniproto_request *req,
                    const struct podrec *rec)
{
    for (size_t i = 0; i < req->n_valid; i++) {
        if (!strcmp(req->valid[i].container_id, rec->container_id)
            && !strcmp(req->valid[i].ifname, rec->ifname)) {
            return true;
        }
    }
    return false;
}


/* Requests that wait for the switch.
 *
 * ADD and DEL go through steps, each waiting for an answer from OVS: the
 * port's database change, ovs-vswitchd opening it (its ofport, its link),
 * the bundle with the pod's flows.  The job holds where the request is;
 * attach_run() moves it on from the poll loop, so other sockets are served
 * while a step waits.  A request that has waited cniTimeoutMs for the
 * switch is answered "try again later" (11), once what it made is torn
 * down. */

enum attach_step {
    STEP_ADD_LOOKUP,            /* the state source reading the Pod */
    STEP_ADD_PORT,              /* the port's database change */
    STEP_ADD_OFPORT,            /* ovs-vswitchd opening it */
    STEP_ADD_LINK,              /* AF_XDP: the port reporting its link up */
    STEP_ADD_FLOWS,             /* the commit with the pod's flows */
    STEP_ADD_SWITCH,            /* a restarted switch: the agent's
                                 * reconnection, then the port's number */
    STEP_DEL_FLOWS,             /* the commit without an attachment's flows */
    STEP_DEL_PORT,              /* the port's removal */
};

/* An attachment to tear down, with or without a record in the store. */
struct attach_victim {
    struct podrec *rec;
    bool recorded;
    bool keep_ip;               /* the address is a live record's */
};

struct attach_job {
    enum cniproto_cmd cmd;
    const struct cniproto_request *req; /* ADD: valid until answered */
    enum attach_step step;
    long long int deadline;
    struct podrec *rec;             /* ADD: the attachment being made */
    struct ovsbridge_change *change;    /* the step's, or NULL */
    uint64_t flows_gen;             /* the commit the step waits for */
    unsigned int of_epoch;          /* the OpenFlow connection's, when the
                                     * pod's flows were set */
    struct attach_victim *victims;  /* DEL, GC and a failed ADD */
    size_t n_victims, next_victim;
    bool wait_flows;                /* teardown confirms the flows' removal */
    bool answered;              /* 'resp' holds the answer already */
    int error;                      /* teardown: the first error */
    int error_code;                 /* ... and its CNI error code */
};

static const char *const step_waits_for[] = {
    [STEP_ADD_LOOKUP] = "the API server's Pod object",
    [STEP_ADD_PORT] = "the OVS database to add the port",
    [STEP_ADD_OFPORT] = "ovs-vswitchd to open the port",
    [STEP_ADD_LINK] = "the OVS port to report its link up",
    [STEP_ADD_FLOWS] = "ovs-vswitchd to install the pod's flows",
    [STEP_ADD_SWITCH] = "the agent to reconnect to the restarted ovs-vswitchd",
    [STEP_DEL_FLOWS] = "ovs-vswitchd to remove the pod's flows",
    [STEP_DEL_PORT] = "the OVS port's removal",
};

static struct attach_job *
job_create(struct agent *agent, enum cniproto_cmd cmd)
{
    struct attach_job *job = xzalloc(sizeof *job);

    job->cmd = cmd;
    /* A teardown with no victims (a GC or sweep that finds nothing) is
     * done at once, never in an ADD's step. */
    job->step = cmd == CNIPROTO_ADD ? STEP_ADD_PORT : STEP_DEL_FLOWS;
    job->deadline = time_msec() + agent->conf->cni_timeout_ms;
    agent->attach_job = job;
    return job;
}

/* Gives up on the teardowns not done: a retried DEL finds what is left. */
static void
job_drop_victims(struct attach_job *job)
{
    ovsbridge_change_abandon(job->change);
    job->change = NULL;
    for (; job->next_victim < job->n_victims; job->next_victim++) {
        if (!job->victims[job->next_victim].recorded) {
            podrec_destroy(job->victims[job->next_victim].rec);
        }
    }
}

static void
job_destroy(struct agent *agent, struct attach_job *job)
{
    job_drop_victims(job);
    free(job->victims);
    podrec_destroy(job->rec);
    free(job);
    agent->attach_job = NULL;
}

static struct attach_victim *
job_add_victim(struct attach_job *job, struct podrec *rec, bool recorded)
{
    job->victims = xrealloc(job->victims,
                            (job->n_victims + 1) * sizeof *job->victims);
    struct attach_victim *v = &job->victims[job->n_victims++];
    *v = (struct attach_victim) { .rec = rec, .recorded = recorded };
    return v;
}

/* Keeps the teardown's first error. */
static void
job_fail(struct attach_job *job, int code, int error)
{
    if (error && !job->error) {
        job->error = error;
        job->error_code = code;
    }
}

/* Teardown: everything an attachment may have, in the reverse order of
 * ADD.  Each step tolerates its piece being gone already. */

static void
teardown_begin(struct agent *agent, struct attach_job *job)
{
    struct podrec *rec = job->victims[job->next_victim].rec;

    flowtab_remove_owner(agent->ft, rec->owner);
    agent_set_pod_ip(agent, rec, false);
    agent_apply_changes(agent);
    job->flows_gen = agent_request_commit(agent);
    job->step = job->wait_flows ? STEP_DEL_FLOWS : STEP_DEL_PORT;
}

/* The VF back in the host namespace as it was before ADD.  A VF that is
 * nowhere (its netns is gone and took a stand-in's veth with it) is no
 * error: there is nothing left to restore. */
static void
teardown_vf(struct agent *agent, struct attach_job *job,
            const struct podrec *rec)
{
    char *why = NULL;
    int error = sriovvf_restore(agent->conf->sriov_sysfs_root, rec->netns,
                                rec->ifname, rec->vf, &why);

    if (!error) {
        VLOG_INFO("%s/%s: VF %s is back as %s", rec->container_id,
                  rec->ifname, rec->vf->pci, rec->vf->netdev);
    } else if (error == -ENODEV) {
        VLOG_WARN("%s/%s: %s; nothing to restore", rec->container_id,
                  rec->ifname, why);
    } else {
        VLOG_WARN("%s/%s: %s", rec->container_id, rec->ifname, why);
        job_fail(job, ATTACH_ERR_INTERFACE, error);
    }
    free(why);
}

/* The VF's settings on its PF back as ADD found them.  What the PF
 * refuses stays as the pod left it, and DEL goes on: some drivers refuse
 * an all-zero administrative MAC, and retrying DEL would not change that. */
static void
restore_vf_settings(struct agent *agent, const struct podrec *rec)
{
    char *why = NULL;

    if (sriovvf_restore_pf(agent->conf->sriov_sysfs_root, rec->vf, &why)) {
        VLOG_WARN("%s/%s: %s", rec->container_id, rec->ifname, why);
    }
    free(why);
}

/* What is left once the port is gone from the switch. */
/* Both families' addresses of attachment 'owner' go. */
static void
release_addresses(struct agent *agent, struct attach_job *job,
                  const char *owner)
{
    job_fail(job, ATTACH_ERR_STATE_DIR, ipam_release(agent->ipam, owner));
    if (agent->ipam6) {
        job_fail(job, ATTACH_ERR_STATE_DIR, ipam_release(agent->ipam6, owner));
    }
}

static void
teardown_local(struct agent *agent, struct attach_job *job)
{
    struct attach_victim *v = &job->victims[job->next_victim++];
    struct podrec *rec = v->rec;
    char *key = attach_owner_key(rec->container_id, rec->ifname);

    /* Only the links the agent made go: an sriov attachment's port is the
     * VF's representor, the NIC's (also when the sweep finds it without a
     * record). */
    if (rec->port_name && podstore_is_port_name(rec->port_name)) {
        podif_delete_host(rec->port_name);
    }
    if (rec->vf && rec->vf->netdev) {
        teardown_vf(agent, job, rec);
    }
    if (rec->vf) {
        restore_vf_settings(agent, rec);
    }
    if (rec->vf && rec->vf->devinfo_path && unlink(rec->vf->devinfo_path)
        && errno != ENOENT) {
        VLOG_WARN("%s: %s", rec->vf->devinfo_path, ovs_strerror(errno));
    }
    if (rec->netns && rec->type == PODSTORE_TAP) {
        podif_delete_in_netns(rec->netns, rec->ifname);
    }
    if (rec->socket_dir) {
        remove_socket_dir(rec->socket_dir);
    }
    if (!v->keep_ip) {
        release_addresses(agent, job, key);
    }
    free(key);
    if (!v->recorded) {
        podrec_destroy(rec);
    } else if (!job->error) {
        /* Only once everything else went: a retried DEL needs the record
         * to find what is left. */
        job_fail(job, ATTACH_ERR_STATE_DIR,
                 podstore_remove(&agent->store, rec));
    }
}

static int
step_del_flows(struct agent *agent, struct attach_job *job)
{
    int error = agent_commit_result(agent, job->flows_gen);

    if (error == -EINPROGRESS) {
        return error;
    }
    job_fail(job, ATTACH_ERR_DATAPATH, error);
    job->step = STEP_DEL_PORT;
    return 0;
}

static int
step_del_port(struct agent *agent, struct attach_job *job)
{
    const struct podrec *rec = job->victims[job->next_victim].rec;

    if (rec->port_name && !job->change) {
        /* A failed ADD's port name is never taken again: its removal need
         * not wait for ovs-vswitchd, which may be what it failed on. */
        ovsbridge_del_port_start(agent->br, rec->port_name, job->wait_flows,
                                 &job->change);
    }
    if (job->change) {
        int error = ovsbridge_change_finish(agent->br, job->change);
        if (error == -EINPROGRESS) {
            return error;
        }
        job->change = NULL;
        job_fail(job, ATTACH_ERR_DATAPATH, error);
    }
    teardown_local(agent, job);
    if (job->next_victim < job->n_victims) {
        teardown_begin(agent, job);
    }
    return 0;
}

static void
teardown_start(struct agent *agent, struct attach_job *job, bool wait_flows)
{
    job->wait_flows = wait_flows;
    if (job->n_victims) {
        teardown_begin(agent, job);
    }
}

static bool
teardown_done(const struct attach_job *job)
{
    return job->next_victim >= job->n_victims;
}

/* ADD. */

/* A failed ADD: 'resp' says why; what the steps made goes. */
static void
add_fail(struct agent *agent, struct attach_job *job,
         const struct cniproto_response *resp)
{
    VLOG_WARN("ADD %s/%s failed: %s; rolling back", job->rec->container_id,
              job->rec->ifname, resp->msg);
    ovsbridge_change_abandon(job->change);
    job->change = NULL;
    job_add_victim(job, job->rec, false);
    job->rec = NULL;
    job->answered = true;
    /* The rollback gets its own time: its port removal is bounded. */
    job->deadline = time_msec() + agent->conf->cni_timeout_ms;
    teardown_start(agent, job, false);
}

/* 'devargs': a DPDK port's dpdk-devargs, else NULL. */
static int
add_port_start(struct agent *agent, struct attach_job *job,
               enum ovsbridge_port_type type, const char *devargs,
               struct cniproto_response *resp)
{
    const struct podrec *rec = job->rec;
    char *key = attach_owner_key(rec->container_id, rec->ifname);
    struct ovsbridge_port_spec spec = {
        .name = rec->port_name,
        .type = type,
        .vhost_server_path = rec->socket_path,
        .dpdk_devargs = devargs,
        .owner = key,
    };
    int error = ovsbridge_add_port_start(agent->br, &spec, &job->change);

    free(key);
    if (error) {
        set_error(resp, ATTACH_ERR_DATAPATH, error, "OVS port could not be "
                  "added");
    }
    job->step = STEP_ADD_PORT;
    return error;
}

static int
add_afxdp(struct agent *agent, struct attach_job *job,
          struct cniproto_response *resp)
{
    struct podif_spec spec;

    rec_fill_spec(agent, job->rec, &spec);
    int error = podif_create_veth(&spec);
    if (error) {
        cniproto_response_error(resp, ATTACH_ERR_INTERFACE,
                                ovs_strerror(-error),
                                "veth for %s in %s could not be created",
                                job->rec->ifname, job->rec->netns);
        return error;
    }
    return add_port_start(agent, job, OVSBRIDGE_PORT_AFXDP, NULL, resp);
}

static int
add_vhostuser(struct agent *agent, struct attach_job *job,
              struct cniproto_response *resp)
{
    const struct podrec *rec = job->rec;
    char *why = NULL;
    int error;

    if (!ovsbridge_dpdk_ready(agent->br, "dpdkvhostuserclient", &why)) {
        cniproto_response_error(resp, ATTACH_ERR_NO_DPDK, why,
                                "vhost-user needs ovs-vswitchd's DPDK build "
                                "with other_config:dpdk-init=true and "
                                "hugepages");
        free(why);
        return -ENOTSUP;
    }
    if (strlen(rec->socket_path) > ATTACH_SUN_PATH_MAX) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG,
                                rec->socket_path,
                                "vhost-user socket path is %zu bytes, over "
                                "the %d a unix socket allows: shorten "
                                "vhostSocketDir", strlen(rec->socket_path),
                                ATTACH_SUN_PATH_MAX);
        return -ENAMETOOLONG;
    }
    if (mkdir(rec->socket_dir, 0700) && errno != EEXIST) {
        error = -errno;
        set_error(resp, ATTACH_ERR_INTERFACE, error,
                  "vhost-user socket folder could not be created");
        return error;
    }
    /* The pod's vhost-user server creates the socket; a stale one from an
     * earlier pod would make it fail with "Address already in use". */
    unlink(rec->socket_path);
    error = write_vhost_config(agent, rec);
    if (error) {
        set_error(resp, ATTACH_ERR_INTERFACE, error,
                  "vhost-user pod configuration could not be written");
        return error;
    }
    return add_port_start(agent, job, OVSBRIDGE_PORT_VHOSTUSER, NULL, resp);
}

/* The attachment that holds VF 'pci', or NULL. */
static const struct podrec *
vf_holder(const struct agent *agent, const char *pci)
{
    struct podrec *rec;

    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        if (rec->vf && !strcmp(rec->vf->pci, pci)) {
            return rec;
        }
    }
    return NULL;
}

/* The VF the request names, free and usable, into 'dev'. */
static int
sriov_find_vf(struct agent *agent, const struct cniproto_request *req,
              struct sriovvf_dev *dev, struct cniproto_response *resp)
{
    const struct podrec *holder;
    char *why = NULL;
    int error;

    if (!req->device_id) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, NULL,
                                "interface type sriov needs \"deviceID\", "
                                "the VF's PCI address (Multus passes it)");
        return -EINVAL;
    }
    holder = vf_holder(agent, req->device_id);
    if (holder) {
        cniproto_response_error(resp, ATTACH_ERR_DEVICE_BUSY, NULL,
                                "VF %s is already attachment %s/%s's",
                                req->device_id, holder->container_id,
                                holder->ifname);
        return -EBUSY;
    }
    error = sriovvf_lookup(agent->conf->sriov_sysfs_root, req->device_id,
                           dev, &why);
    if (error) {
        cniproto_response_error(resp, ATTACH_ERR_INTERFACE, why,
                                "VF %s cannot be attached", req->device_id);
        free(why);
        return error;
    }
    if (dev->mode != SRIOVFS_VF_NETDEV && dev->mode != SRIOVFS_VF_DPDK) {
        cniproto_response_error(resp, ATTACH_ERR_INTERFACE,
                                dev->driver ? dev->driver : "unbound",
                                "VF %s has no netdev here (mode %s)",
                                dev->pci, sriovfs_vf_mode_name(dev->mode));
        sriovvf_dev_destroy(dev);
        return -ENODEV;
    }
    return 0;
}

/* The VF as it is into the record, before anything changes it, then the
 * pod's MAC as its administrative MAC on the PF (for a DPDK-mode VF, the
 * MAC its application finds on the device). */
static int
save_vf(const struct cniproto_request *req, struct attach_job *job,
        const struct sriovvf_dev *dev, struct cniproto_response *resp)
{
    struct podrec *rec = job->rec;
    char *why = NULL;

    rec->vf = xzalloc(sizeof *rec->vf);
    int error = sriovvf_save(dev, rec->vf);
    if (error) {
        set_error(resp, ATTACH_ERR_INTERFACE, error, "the VF could not be "
                  "read");
        podrec_vf_destroy(rec->vf);
        rec->vf = NULL;
        return error;
    }
    VLOG_INFO("%s/%s: VF %s (%s, %s), representor %s", rec->container_id,
              rec->ifname, dev->pci, dev->netdev ? dev->netdev : "DPDK",
              rec->vf->vf_info, dev->representor);
    error = sriovvf_configure(dev, rec->vf, rec->mac, req->vf_config, &why);
    if (error) {
        cniproto_response_error(resp, (error == -EINVAL
                                       ? CNI_ERR_INVALID_CONFIG
                                       : ATTACH_ERR_INTERFACE),
                                why, "VF %s could not be configured through "
                                "its PF", dev->pci);
        free(why);
    }
    return error;
}

/* sriov, a DPDK-mode VF: the pod's DPDK application drives the VF itself,
 * so nothing is moved and nothing addressed; the application learns the
 * VF from the device-info file and its address from the result.  The
 * representor is a DPDK port of OVS's, which only a DPDK node has. */
static int
add_sriov_dpdk(struct agent *agent, const struct cniproto_request *req,
               struct attach_job *job, const struct sriovvf_dev *dev,
               struct cniproto_response *resp)
{
    struct podrec *rec = job->rec;
    char *why = NULL;

    if (req->default_route == CNIPROTO_ROUTE_YES) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, NULL,
                                "\"defaultRoute\": true, but VF %s is in "
                                "DPDK mode: it has no kernel routes",
                                dev->pci);
        return -EINVAL;
    }
    rec->default_route = false;
    if (!ovsbridge_dpdk_ready(agent->br, "dpdk", &why)) {
        cniproto_response_error(resp, ATTACH_ERR_NO_DPDK, why,
                                "VF %s is in DPDK mode (%s): its representor "
                                "needs ovs-vswitchd's DPDK build with "
                                "other_config:dpdk-init=true", dev->pci,
                                dev->driver);
        free(why);
        return -ENOTSUP;
    }
    int error = save_vf(req, job, dev, resp);
    if (error) {
        return error;
    }
    rec->vf->devinfo_path = xasprintf("%s/seine-%s-%s-device.json",
                                      agent->conf->sriov_devinfo_dir,
                                      rec->container_id, rec->ifname);
    error = sriovvf_write_devinfo(rec->vf->devinfo_path, dev);
    if (error) {
        set_error(resp, ATTACH_ERR_INTERFACE, error, "the VF's device-info "
                  "file could not be written");
        return error;
    }
    char *devargs = sriovvf_rep_devargs(dev);
    error = add_port_start(agent, job, OVSBRIDGE_PORT_DPDK, devargs, resp);
    free(devargs);
    return error;
}

/* sriov, a kernel VF: its netdev into the pod, configured like a veth's
 * pod end; its representor onto br-int as an afxdp port, so the pod's
 * packets, which leave the VF through the NIC's switch and come out of
 * the representor, meet the same flows as any pod's.  The VF's state is
 * saved in the record first, so that the rollback of a failed ADD and DEL
 * put it back. */
static int
add_sriov_netdev(struct agent *agent, const struct cniproto_request *req,
                 struct attach_job *job, const struct sriovvf_dev *dev,
                 struct cniproto_response *resp)
{
    struct podrec *rec = job->rec;
    struct podif_spec spec;

    int error = save_vf(req, job, dev, resp);
    if (error) {
        return error;
    }
    rec_fill_spec(agent, rec, &spec);
    error = podif_move_to_netns(dev->netdev, rec->netns);
    if (!error) {
        error = podif_setup_moved(&spec, dev->netdev);
    }
    if (!error) {
        error = sriovvf_rep_up(dev->representor);
    }
    if (error) {
        cniproto_response_error(resp, ATTACH_ERR_INTERFACE,
                                ovs_strerror(-error), "VF %s (%s) could not "
                                "be set up in %s", dev->pci, dev->netdev,
                                rec->netns);
        return error;
    }
    return add_port_start(agent, job, OVSBRIDGE_PORT_AFXDP, NULL, resp);
}

/* sriov: the VF named by deviceID; its representor is the pod's port. */
static int
add_sriov(struct agent *agent, const struct cniproto_request *req,
          struct attach_job *job, struct cniproto_response *resp)
{
    struct sriovvf_dev dev;
    int error = sriov_find_vf(agent, req, &dev, resp);

    if (error) {
        return error;
    }
    free(job->rec->port_name);
    job->rec->port_name = xstrdup(dev.representor);
    error = (dev.mode == SRIOVFS_VF_DPDK
             ? add_sriov_dpdk(agent, req, job, &dev, resp)
             : add_sriov_netdev(agent, req, job, &dev, resp));
    sriovvf_dev_destroy(&dev);
    return error;
}

/* The first steps, which need no answer from the switch. */
static int
add_begin(struct agent *agent, const struct cniproto_request *req,
          struct attach_job *job, struct cniproto_response *resp)
{
    if (req->vf_config && job->rec->type != PODSTORE_SRIOV) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, req->vf_config,
                                "\"vlan\", \"vlanQoS\", \"spoofchk\", "
                                "\"trust\" and \"link_state\" are for "
                                "interface type sriov, not %s",
                                podstore_type_name(job->rec->type));
        return -EINVAL;
    }
    int error = allocate_ip(agent, req, job->rec, resp);

    if (!error) {
        error = choose_mac(agent, req, job->rec, resp);
    }
    if (error) {
        return error;
    }
    switch (job->rec->type) {
    case PODSTORE_AFXDP:
        return add_afxdp(agent, job, resp);
    case PODSTORE_TAP:
        /* OVS creates the tap. */
        return add_port_start(agent, job, OVSBRIDGE_PORT_TAP, NULL, resp);
    case PODSTORE_VHOSTUSER:
        return add_vhostuser(agent, job, resp);
    case PODSTORE_SRIOV:
        return add_sriov(agent, req, job, resp);
    }
    return -EINVAL;
}

static int
step_add_port(struct agent *agent, struct attach_job *job,
              struct cniproto_response *resp)
{
    int error = ovsbridge_change_finish(agent->br, job->change);

    if (error == -EINPROGRESS) {
        return error;
    }
    job->change = NULL;
    if (error) {
        cniproto_response_error(resp, ATTACH_ERR_DATAPATH,
                                ovs_strerror(-error), "OVS port %s could not "
                                "be added", job->rec->port_name);
        return error;
    }
    job->step = STEP_ADD_OFPORT;
    return 0;
}

void
attach_pipeline_pod(const struct podrec *rec, struct pipeline_pod *pod)
{
    *pod = (struct pipeline_pod) {
        .owner = rec->owner, .ofport = rec->ofport, .ip = rec->ip,
        .has_ip6 = rec->has_ip6, .ip6 = rec->ip6,
    };
    memcpy(pod->mac, rec->mac, sizeof pod->mac);
}

/* The pod's flows go in one bundle with its policy flows, so it never
 * sends or receives a packet its policies do not allow. */
static int
add_flows(struct agent *agent, struct attach_job *job,
          struct cniproto_response *resp)
{
    const struct podrec *rec = job->rec;
    struct pipeline_pod pod;

    attach_pipeline_pod(rec, &pod);

    /* A switch that restarted numbers its ports anew, and the other pods'
     * flows keep the old numbers until the agent has reconnected and
     * rebuilt them: wait for that, then read this port's number again. */
    if (agent->of_state != AGENT_OF_UP) {
        job->step = STEP_ADD_SWITCH;
        return -EINPROGRESS;
    }
    int error = pipeline_set_pod(agent->ft, &agent->pnode, &pod);
    if (error) {
        set_error(resp, ATTACH_ERR_DATAPATH, error,
                  "the pod's flows could not be installed");
        return error;
    }
    job->of_epoch = agent->of_epoch;
    agent_set_pod_ip(agent, rec, true);
    agent_apply_changes(agent);
    job->flows_gen = agent_request_commit(agent);
    job->step = STEP_ADD_FLOWS;
    return 0;
}

/* OVS created the tap in its own namespace; it is then moved into the
 * pod's, where OVS keeps reading and writing it through its file
 * descriptor. */
static int
tap_move_in(const struct agent *agent, const struct podrec *rec)
{
    struct podif_spec spec;

    rec_fill_spec(agent, rec, &spec);
    int error = podif_move_to_netns(rec->port_name, rec->netns);
    return error ? error : podif_setup_moved(&spec, rec->port_name);
}

static int
add_tap_moved(struct agent *agent, const struct podrec *rec,
              struct cniproto_response *resp)
{
    int error = tap_move_in(agent, rec);

    if (error) {
        cniproto_response_error(resp, ATTACH_ERR_INTERFACE,
                                ovs_strerror(-error),
                                "tap %s could not be set up in %s",
                                rec->port_name, rec->netns);
    }
    return error;
}

void
attach_retake_tap(const struct agent *agent, const struct podrec *rec)
{
    if (rec->type != PODSTORE_TAP || !rec->netns
        || !hostlink_exists(rec->port_name)) {
        return;
    }
    /* The old tap outlives the switch that made it (OVS makes taps
     * persistent) but has nobody reading it now. */
    int error = podif_delete_in_netns(rec->netns, rec->ifname);
    if (error && error != -ENODEV && error != -ENOENT) {
        VLOG_WARN("%s/%s: the old tap %s in %s could not be removed: %s",
                  rec->container_id, rec->ifname, rec->ifname, rec->netns,
                  ovs_strerror(-error));
    }
    error = tap_move_in(agent, rec);
    if (error) {
        VLOG_WARN("%s/%s: tap %s made again by the switch could not be moved "
                  "into %s: %s", rec->container_id, rec->ifname,
                  rec->port_name, rec->netns, ovs_strerror(-error));
    } else {
        VLOG_INFO("%s/%s: tap %s made again by the switch, moved back into "
                  "%s", rec->container_id, rec->ifname, rec->port_name,
                  rec->netns);
    }
}

/* The number the switch gave the pod's port into rec->ofport;
 * -EINPROGRESS until it has one, else an error 'failed' describes. */
static int
read_ofport(struct agent *agent, struct podrec *rec, const char *failed,
            struct cniproto_response *resp)
{
    char *why = NULL;
    int error = ovsbridge_port_ofport(agent->br, rec->port_name, &rec->ofport,
                                      &why);

    if (error == -EAGAIN) {
        error = -EINPROGRESS;
    } else if (error) {
        cniproto_response_error(resp, ATTACH_ERR_DATAPATH,
                                why ? why : ovs_strerror(-error),
                                "OVS port %s %s", rec->port_name, failed);
    }
    free(why);
    return error;
}

static int
step_add_ofport(struct agent *agent, struct attach_job *job,
                struct cniproto_response *resp)
{
    struct podrec *rec = job->rec;
    int error = read_ofport(agent, rec, "could not be added", resp);

    if (error) {
        return error;
    }
    if (rec->type == PODSTORE_TAP) {
        error = add_tap_moved(agent, rec, resp);
    } else if (rec_has_host_link(rec)) {
        /* The port ovs-vswitchd opened must be the interface made for this
         * ADD, up, and the switch must say so. */
        error = hostlink_up(rec->port_name);
        if (error) {
            set_error(resp, ATTACH_ERR_INTERFACE, error, "host end of the "
                      "pod's interface is not up");
            return error;
        }
        job->step = STEP_ADD_LINK;
        return 0;
    }
    return error ? error : add_flows(agent, job, resp);
}

static int
step_add_link(struct agent *agent, struct attach_job *job,
              struct cniproto_response *resp)
{
    int error = ovsbridge_port_link(agent->br, job->rec->port_name);

    if (error == -EAGAIN) {
        return -EINPROGRESS;
    }
    if (error) {
        cniproto_response_error(resp, ATTACH_ERR_DATAPATH,
                                ovs_strerror(-error), "OVS port %s does not "
                                "report its link up", job->rec->port_name);
        return error;
    }
    return add_flows(agent, job, resp);
}

/* Once the agent is connected to the restarted switch (and has rebuilt
 * the other pods' flows with their new port numbers): the port's number
 * in the new switch, a tap it made again moved into the pod, then the
 * flows. */
static int
step_add_switch(struct agent *agent, struct attach_job *job,
                struct cniproto_response *resp)
{
    struct podrec *rec = job->rec;

    if (agent->of_state != AGENT_OF_UP) {
        return -EINPROGRESS;
    }
    int error = read_ofport(agent, rec, "is gone from the restarted switch",
                            resp);
    if (error) {
        return error;
    }
    attach_retake_tap(agent, rec);
    return add_flows(agent, job, resp);
}

/* 1: the ADD is done and answered. */
static int
step_add_flows(struct agent *agent, struct attach_job *job,
               struct cniproto_response *resp)
{
    struct podrec *rec = job->rec;
    int error = agent_commit_result(agent, job->flows_gen);

    if (agent->of_epoch != job->of_epoch || agent->of_state != AGENT_OF_UP) {
        /* The switch restarted under the commit: the port may have another
         * number now, and the flows must go to the new switch. */
        job->step = STEP_ADD_SWITCH;
        return -EINPROGRESS;
    }
    if (error == -EINPROGRESS) {
        return error;
    }
    if (error) {
        set_error(resp, ATTACH_ERR_DATAPATH, error,
                  "the pod's flows could not be installed");
        return error;
    }
    error = podstore_put(&agent->store, rec);
    if (error) {
        set_state_error(agent, resp, error);
        return error;
    }
    job->rec = NULL;
    VLOG_INFO("ADD %s/%s: %s port %s, "IP_FMT, rec->container_id, rec->ifname,
              podstore_type_name(rec->type), rec->port_name,
              IP_ARGS(rec->ip.s_addr));
    result_ok(agent, rec, resp);
    return 1;
}

static int
step_add(struct agent *agent, struct attach_job *job,
         struct cniproto_response *resp)
{
    switch (job->step) {
    case STEP_ADD_PORT:
        return step_add_port(agent, job, resp);
    case STEP_ADD_OFPORT:
        return step_add_ofport(agent, job, resp);
    case STEP_ADD_LINK:
        return step_add_link(agent, job, resp);
    case STEP_ADD_FLOWS:
        return step_add_flows(agent, job, resp);
    case STEP_ADD_SWITCH:
        return step_add_switch(agent, job, resp);
    case STEP_ADD_LOOKUP:
    case STEP_DEL_FLOWS:
    case STEP_DEL_PORT:
        break;
    }
    OVS_NOT_REACHED();
}

/* ADD once the model has what it knows of the Pod: the interface type
 * (the Pod's annotations), the port, the address.  1 when 'resp' is the
 * answer already. */
static int
add_prepare(struct agent *agent, struct attach_job *job,
            struct cniproto_response *resp)
{
    const struct cniproto_request *req = job->req;
    const char *type_name = attach_type_name(agent, req);
    enum podstore_type type;

    if (podstore_type_from_name(type_name, &type)) {
        cniproto_response_error(resp, CNI_ERR_INVALID_CONFIG, NULL,
                                "unknown interface type '%s' (afxdp, "
                                "vhostuser, tap or sriov)", type_name);
        return 1;
    }
    char *port_name = attach_new_port_name(agent, req);
    if (!port_name) {
        cniproto_response_error(resp, ATTACH_ERR_INTERNAL, NULL,
                                "every port name of %s/%s is still in use",
                                req->container_id, req->ifname);
        return 1;
    }
    struct podrec *rec = attach_rec_new(agent, req, port_name);
    rec->type = type;
    free(port_name);
    if (choose_default_route(agent, req, rec, resp)) {
        podrec_destroy(rec);
        return 1;
    }
    job->rec = rec;
    if (add_begin(agent, req, job, resp)) {
        add_fail(agent, job, resp);
    }
    return 0;
}

/* The runtime may call ADD before the watch has brought the Pod: the
 * source reads it first. */
static int
step_add_lookup(struct agent *agent, struct attach_job *job,
                struct cniproto_response *resp)
{
    const struct cniproto_request *req = job->req;
    int error = source_fetch_pod(&agent->source, req->pod_namespace,
                                 req->pod_name);

    if (error == -EINPROGRESS) {
        return error;
    }
    job->step = STEP_ADD_PORT;
    return add_prepare(agent, job, resp);
}

/* Moves the job on as far as it goes now: -EINPROGRESS while it waits, 1
 * once 'resp' is its answer. */
static int
job_step(struct agent *agent, struct attach_job *job,
         struct cniproto_response *resp)
{
    for (;;) {
        int error;

        if (job->step == STEP_ADD_LOOKUP) {
            error = step_add_lookup(agent, job, resp);
        } else if (job->rec) {
            error = step_add(agent, job, resp);
            if (error < 0 && error != -EINPROGRESS) {
                add_fail(agent, job, resp);
                error = 0;
            }
        } else if (teardown_done(job)) {
            return 1;
        } else if (job->step == STEP_DEL_FLOWS) {
            error = step_del_flows(agent, job);
        } else {
            error = step_del_port(agent, job);
        }
        if (error) {
            return error;
        }
    }
}

static void
job_timed_out(struct agent *agent, struct attach_job *job,
              struct cniproto_response *resp)
{
    if (job->answered) {
        /* 'resp' says why the ADD failed; the rest is left to a DEL. */
        job_drop_victims(job);
        return;
    }
    cniproto_response_destroy(resp);
    cniproto_response_error(resp, CNI_ERR_TRY_AGAIN, NULL,
                            "timed out after %d ms waiting for %s; try "
                            "again later", agent->conf->cni_timeout_ms,
                            step_waits_for[job->step]);
    if (job->rec) {
        add_fail(agent, job, resp);
    } else {
        job_drop_victims(job);
        job->answered = true;
    }
}

/* Answers DEL and GC from the teardown's outcome. */
static void
teardown_answer(const struct agent *agent, const struct attach_job *job,
                struct cniproto_response *resp)
{
    if (job->answered) {
        return;
    }
    if (job->error_code == ATTACH_ERR_STATE_DIR) {
        set_state_error(agent, resp, job->error);
    } else if (job->error) {
        set_error(resp, ATTACH_ERR_DATAPATH, job->error,
                  job->cmd == CNIPROTO_GC
                  ? "some stale attachments could not be removed"
                  : "the attachment could not be removed completely");
    } else {
        memset(resp, 0, sizeof *resp);
        resp->ok = true;
    }
}

bool
attach_run(struct agent *agent, struct cniproto_response *resp)
{
    struct attach_job *job = agent->attach_job;

    if (!job) {
        return true;
    }
    int done = job_step(agent, job, resp);
    if (done != 1 && time_msec() >= job->deadline) {
        job_timed_out(agent, job, resp);
        done = job_step(agent, job, resp);
    }
    if (done != 1) {
        return false;
    }
    if (!job->rec && job->cmd != CNIPROTO_ADD) {
        teardown_answer(agent, job, resp);
    }
    job_destroy(agent, job);
    return true;
}

void
attach_wait(const struct agent *agent)
{
    const struct attach_job *job = agent->attach_job;

    if (job) {
        if (job->change) {
            ovsbridge_change_wait(job->change);
        }
        poll_timer_wait_until(job->deadline);
    }
}

static bool
attach_add(struct agent *agent, const struct cniproto_request *req,
           struct cniproto_response *resp)
{
    struct podrec *rec = podstore_find(&agent->store, req->container_id,
                                       req->ifname);
    if (rec) {
        /* The runtime retried an ADD that already succeeded. */
        result_ok(agent, rec, resp);
        return true;
    }
    struct attach_job *job = job_create(agent, CNIPROTO_ADD);
    job->req = req;
    if (req->pod_namespace && req->pod_name
        && !cluster_find_pod(agent->cluster, req->pod_namespace,
                             req->pod_name)) {
        job->step = STEP_ADD_LOOKUP;
    } else if (add_prepare(agent, job, resp)) {
        job_destroy(agent, job);
        return true;
    }
    return attach_run(agent, resp);
}

/* The attachments of a DEL without a record (unknown to us, or a crash
 * between steps): whatever its derived names and its ports' owner key
 * still find; the flows and the address may be there without a port. */
static void
del_unrecorded(struct agent *agent, const struct cniproto_request *req,
               struct attach_job *job)
{
    char *key = attach_owner_key(req->container_id, req->ifname);
    char **names;
    size_t n;

    ovsbridge_list_owned_ports(agent->br, key, &names, &n);
    free(key);
    if (!n) {
        /* No port to name the vhost-user folder: every folder of the
         * attachment's ADDs goes. */
        char *pattern = attach_socket_dir(agent, req, "??");
        glob_t g;

        if (!glob(pattern, GLOB_NOSORT, NULL, &g)) {
            for (size_t i = 0; i < g.gl_pathc; i++) {
                remove_socket_dir(g.gl_pathv[i]);
            }
            globfree(&g);
        }
        free(pattern);
    }
    for (size_t i = 0; i < MAX(n, 1); i++) {
        struct podrec *rec = attach_rec_new(agent, req, n ? names[i] : NULL);
        rec->type = PODSTORE_AFXDP;
        job_add_victim(job, rec, false);
    }
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

static bool
attach_del(struct agent *agent, const struct cniproto_request *req,
           struct cniproto_response *resp)
{
    struct podrec *rec = podstore_find(&agent->store, req->container_id,
                                       req->ifname);
    int error = rec ? podstore_check_writable(&agent->store) : 0;

    if (error) {
        /* Nothing is undone that the record could not then stop naming:
         * the pod keeps its address and its traffic until a retry. */
        set_state_error(agent, resp, error);
        return true;
    }

    struct attach_job *job = job_create(agent, CNIPROTO_DEL);
    if (rec) {
        job_add_victim(job, rec, true);
    } else {
        del_unrecorded(agent, req, job);
    }
    teardown_start(agent, job, true);
    return attach_run(agent, resp);
}

/* The sweep (podsweep.h). */

/* Every folder of the vhost-user bases: the agent's, and the ones records
 * name (a network configuration may choose its own). */
static void
sweep_list_socket_dirs(const struct agent *agent, struct sset *dirs)
{
    struct sset bases = SSET_INITIALIZER(&bases);
    const struct podrec *rec;
    const char *base;

    sset_add(&bases, agent->conf->vhost_socket_dir);
    PODSTORE_FOR_EACH_SAFE (rec, &CONST_CAST(struct agent *, agent)->store) {
        const char *slash = rec->socket_dir ? strrchr(rec->socket_dir, '/')
                                            : NULL;
        if (slash && slash > rec->socket_dir) {
            sset_add_and_free(&bases, xmemdup0(rec->socket_dir,
                                               slash - rec->socket_dir));
        }
    }
    SSET_FOR_EACH (base, &bases) {
        DIR *dir = opendir(base);
        struct dirent *de;

        while (dir && (de = readdir(dir)) != NULL) {
            if (de->d_name[0] != '.' && de->d_type == DT_DIR) {
                sset_add_and_free(dirs, xasprintf("%s/%s", base, de->d_name));
            }
        }
        if (dir) {
            closedir(dir);
        }
    }
    sset_destroy(&bases);
}

/* What the node holds, for podsweep_decide(); sweep_input_destroy() frees
 * it. */
struct sweep_input {
    struct podsweep_input in;
    struct podrec **recs;
    struct ovsbridge_port_info *infos;
    struct sset links, dirs, owners;
};

static void
sweep_input_gather(struct agent *agent, struct sweep_input *s)
{
    size_t n_recs = podstore_count(&agent->store), n_ports, i = 0;
    struct podsweep_record *recs = xcalloc(MAX(n_recs, 1), sizeof *recs);
    struct podrec *rec;

    s->recs = xcalloc(MAX(n_recs, 1), sizeof *s->recs);
    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        s->recs[i] = rec;
        recs[i++] = (struct podsweep_record) {
            .owner = attach_owner_key(rec->container_id, rec->ifname),
            .port_name = rec->port_name,
            .socket_dir = rec->socket_dir,
            .netns_gone = rec->netns && netns_is_gone(rec->netns),
        };
    }
    ovsbridge_list_ports(agent->br, &s->infos, &n_ports);
    struct podsweep_port *ports = xcalloc(MAX(n_ports, 1), sizeof *ports);
    for (i = 0; i < n_ports; i++) {
        ports[i] = (struct podsweep_port) {
            .name = s->infos[i].name, .owner = s->infos[i].owner,
        };
    }
    sset_init(&s->links);
    sset_init(&s->dirs);
    sset_init(&s->owners);
    hostlink_list(PODSTORE_PORT_PREFIX, &s->links);
    sweep_list_socket_dirs(agent, &s->dirs);
    ipam_owners(agent->ipam, &s->owners);
    if (agent->ipam6) {
        ipam_owners(agent->ipam6, &s->owners);
    }
    s->in = (struct podsweep_input) {
        .recs = recs, .n_recs = n_recs, .ports = ports, .n_ports = n_ports,
        .links = &s->links, .socket_dirs = &s->dirs, .ip_owners = &s->owners,
    };
}

static void
sweep_input_destroy(struct sweep_input *s)
{
    for (size_t i = 0; i < s->in.n_recs; i++) {
        free(CONST_CAST(char *, s->in.recs[i].owner));
    }
    free(CONST_CAST(struct podsweep_record *, s->in.recs));
    free(CONST_CAST(struct podsweep_port *, s->in.ports));
    ovsbridge_port_infos_free(s->infos, s->in.n_ports);
    free(s->recs);
    sset_destroy(&s->links);
    sset_destroy(&s->dirs);
    sset_destroy(&s->owners);
}

/* A port no record names, as a victim: its flows, the port and its host
 * link go; its address is decided on its own (a live record may hold it). */
static void
sweep_add_port(struct agent *agent, struct attach_job *job,
               const struct podsweep_port *port)
{
    const char *slash = strrchr(port->owner, '/');
    struct cniproto_request req = {
        .container_id = (slash ? xmemdup0(port->owner, slash - port->owner)
                         : xstrdup(port->owner)),
        .ifname = CONST_CAST(char *, slash ? slash + 1 : ""),
    };
    struct podrec *rec = attach_rec_new(agent, &req, port->name);

    free(rec->socket_dir);
    free(rec->socket_path);
    rec->socket_dir = rec->socket_path = NULL;
    job_add_victim(job, rec, false)->keep_ip = true;
    free(req.container_id);
}

/* Removes at once what needs no answer from OVS and makes victims of the
 * rest; 'victims' gets the records made victims.  The number of pieces. */
static size_t
sweep_start(struct agent *agent, struct attach_job *job, struct sset *victims)
{
    struct sweep_input s;
    struct podsweep_plan plan;
    const char *name;

    sweep_input_gather(agent, &s);
    podsweep_decide(&s.in, &plan);
    SSET_FOR_EACH (name, &plan.links) {
        VLOG_INFO("sweep: host link %s has no pod record", name);
        podif_delete_host(name);
    }
    SSET_FOR_EACH (name, &plan.socket_dirs) {
        VLOG_INFO("sweep: vhost-user folder %s has no pod record", name);
        remove_socket_dir(name);
    }
    SSET_FOR_EACH (name, &plan.ip_owners) {
        VLOG_INFO("sweep: the address of %s has no pod record", name);
        release_addresses(agent, job, name);
    }
    for (size_t i = 0; i < plan.stale_recs.n; i++) {
        struct podrec *rec = s.recs[plan.stale_recs.idx[i]];

        if (s.in.recs[plan.stale_recs.idx[i]].netns_gone) {
            VLOG_INFO("sweep: pod record %s/%s: its namespace %s is gone",
                      rec->container_id, rec->ifname, rec->netns);
        } else {
            VLOG_INFO("sweep: pod record %s/%s without its OVS port %s",
                      rec->container_id, rec->ifname, rec->port_name);
        }
        sset_add(victims, s.in.recs[plan.stale_recs.idx[i]].owner);
        job_add_victim(job, rec, true);
    }
    for (size_t i = 0; i < plan.ports.n; i++) {
        const struct podsweep_port *port = &s.in.ports[plan.ports.idx[i]];

        VLOG_INFO("sweep: OVS port %s of %s has no pod record", port->name,
                  port->owner);
        sweep_add_port(agent, job, port);
    }
    size_t n = podsweep_plan_count(&plan);
    podsweep_plan_destroy(&plan);
    sweep_input_destroy(&s);
    return n;
}

bool
attach_sweep(struct agent *agent)
{
    struct cniproto_response resp;

    if (!agent->attach_job) {
        struct attach_job *job = job_create(agent, CNIPROTO_GC);
        struct sset victims = SSET_INITIALIZER(&victims);
        size_t n = sweep_start(agent, job, &victims);

        VLOG_INFO("sweep at start: %zu pieces without a whole attachment", n);
        sset_destroy(&victims);
        teardown_start(agent, job, true);
    }
    memset(&resp, 0, sizeof resp);
    if (!attach_run(agent, &resp)) {
        return false;
    }
    if (!resp.ok) {
        VLOG_WARN("sweep at start: %s%s%s", resp.msg,
                  resp.details ? ": " : "", resp.details ? resp.details : "");
    }
    cniproto_response_destroy(&resp);
    return true;
}

static bool
attach_gc(struct agent *agent, const struct cniproto_request *req,
          struct cniproto_response *resp)
{
    struct attach_job *job = job_create(agent, CNIPROTO_GC);
    struct sset victims = SSET_INITIALIZER(&victims);
    struct podrec *rec;

    sweep_start(agent, job, &victims);
    PODSTORE_FOR_EACH_SAFE (rec, &agent->store) {
        char *key = attach_owner_key(rec->container_id, rec->ifname);

        if (!is_valid_attachment(req, rec) && !sset_contains(&victims, key)) {
            VLOG_INFO("GC %s/%s", rec->container_id, rec->ifname);
            job_add_victim(job, rec, true);
        }
        free(key);
    }
    sset_destroy(&victims);
    teardown_start(agent, job, true);
    return attach_run(agent, resp);
}

bool
attach_start(struct agent *agent, const struct cniproto_request *req,
             struct cniproto_response *resp)
{
    memset(resp, 0, sizeof *resp);
    ovs_assert(!agent->attach_job);
    if (!agent_is_ready(agent)) {
        cniproto_response_error(resp, req->cmd == CNIPROTO_STATUS
                                ? CNI_ERR_PLUGIN_NOT_AVAILABLE
                                : CNI_ERR_TRY_AGAIN,
                                agent->not_ready, "seine-agent is not ready");
        return true;
    }
    switch (req->cmd) {
    case CNIPROTO_ADD:
        return attach_add(agent, req, resp);
    case CNIPROTO_DEL:
        return attach_del(agent, req, resp);
    case CNIPROTO_CHECK:
        attach_check(agent, req, resp);
        return true;
    case CNIPROTO_GC:
        return attach_gc(agent, req, resp);
    case CNIPROTO_STATUS:
        resp->ok = true;
        return true;
    }
    return true;
}

void
attach_cancel(struct agent *agent)
{
    if (agent->attach_job) {
        job_destroy(agent, agent->attach_job);
    }
}
