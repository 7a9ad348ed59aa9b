#include <config.h>
#include "dataplane/ovsbridge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "smap.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(ovsbridge);

/* The IDL replicates the whole database: it is small on a node, and the
 * status columns (ofport, link_state, error) are what the agent watches. */
struct ovsbridge {
    struct ovsdb_idl *idl;
    char *name;
};

#define OVSBRIDGE_OWNER_KEY "seine-owner"
#define OVSBRIDGE_TXN_TRIES 5
#define OVSBRIDGE_RETRY_WAIT_MS 1000
/* How long a port change waits for ovs-vswitchd to have applied it. */
#define OVSBRIDGE_APPLY_TIMEOUT_MS 5000

static const char *const bridge_protocols[] = {
    "OpenFlow13", "OpenFlow14", "OpenFlow15",
};

/* Runs the IDL until 'check' returns 0 (done) or a negative errno, or
 * until 'deadline' (-ETIMEDOUT).  'check' returns a positive value while
 * it wants to keep waiting. */
static int
idl_wait_for(struct ovsbridge *br, long long int deadline,
             int (*check)(struct ovsbridge *, void *aux), void *aux)
{
    for (;;) {
        ovsdb_idl_run(br->idl);
        int retval = check(br, aux);
        if (retval <= 0) {
            return retval;
        }
        if (time_msec() >= deadline) {
            return -ETIMEDOUT;
        }
        ovsdb_idl_wait(br->idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static int
check_connected(struct ovsbridge *br, void *aux OVS_UNUSED)
{
    return !ovsdb_idl_has_ever_connected(br->idl);
}

int
ovsbridge_open(const char *remote, const char *bridge_name, int timeout_ms,
               struct ovsbridge **brp)
{
    struct ovsbridge *br = xzalloc(sizeof *br);

    br->idl = ovsdb_idl_create(remote, &ovsrec_idl_class, true, true);
    br->name = xstrdup(bridge_name);
    int error = idl_wait_for(br, time_msec() + timeout_ms, check_connected,
                             NULL);
    if (error) {
        VLOG_WARN("%s: no database contents after %d ms", remote, timeout_ms);
        ovsbridge_close(br);
        br = NULL;
    }
    *brp = br;
    return error;
}

void
ovsbridge_close(struct ovsbridge *br)
{
    if (br) {
        ovsdb_idl_destroy(br->idl);
        free(br->name);
        free(br);
    }
}

void
ovsbridge_run(struct ovsbridge *br)
{
    ovsdb_idl_run(br->idl);
}

void
ovsbridge_wait(struct ovsbridge *br)
{
    ovsdb_idl_wait(br->idl);
}

static const struct ovsrec_bridge *
find_bridge(const struct ovsbridge *br)
{
    const struct ovsrec_bridge *row;

    OVSREC_BRIDGE_FOR_EACH (row, br->idl) {
        if (!strcmp(row->name, br->name)) {
            return row;
        }
    }
    return NULL;
}

static const struct ovsrec_port *
find_port(const struct ovsrec_bridge *bridge, const char *name)
{
    for (size_t i = 0; bridge && i < bridge->n_ports; i++) {
        if (!strcmp(bridge->ports[i]->name, name)) {
            return bridge->ports[i];
        }
    }
    return NULL;
}

static const struct ovsrec_interface *
find_iface(const struct ovsrec_port *port, const char *name)
{
    for (size_t i = 0; port && i < port->n_interfaces; i++) {
        if (!strcmp(port->interfaces[i]->name, name)) {
            return port->interfaces[i];
        }
    }
    return NULL;
}

/* Makes the transaction bump Open_vSwitch.next_cfg, which ovs-vswitchd
 * copies to cur_cfg once it has reconfigured itself from the database that
 * includes the transaction (as ovs-vsctl waits without --no-wait). */
static void
txn_request_cfg(struct ovsbridge *br, struct ovsdb_idl_txn *txn)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);

    if (ovs) {
        ovsdb_idl_txn_increment(txn, &ovs->header_,
                                &ovsrec_open_vswitch_col_next_cfg, false);
    }
}

typedef int build_func(struct ovsbridge *, struct ovsdb_idl_txn *,
                       const void *aux);

/* One change to the database: a transaction built with 'build' and
 * committed, built again on the IDL's latest contents when the database
 * changed under it (TXN_TRY_AGAIN).  With 'want_cfg', the transaction asks
 * ovs-vswitchd to confirm it, and the change ends only once ovs-vswitchd
 * has applied it (cur_cfg), or a few seconds later. */
struct ovsbridge_change {
    char *what;
    build_func *build;
    void *aux;
    void (*aux_free)(void *);
    bool want_cfg;
    struct ovsdb_idl_txn *txn;      /* committed, not yet answered */
    int tries;
    unsigned int seqno;             /* the IDL's when last built */
    long long int retry_at;         /* after TXN_TRY_AGAIN */
    int64_t next_cfg;               /* > 0: waiting for cur_cfg */
    long long int cfg_deadline;
    int early;                      /* how the first try ended: a build
                                     * error, or -EINPROGRESS */
};

static struct ovsbridge_change *
change_create(const char *what, build_func *build, void *aux,
              void (*aux_free)(void *), bool want_cfg)
{
    struct ovsbridge_change *c = xzalloc(sizeof *c);

    c->what = xstrdup(what);
    c->build = build;
    c->aux = aux;
    c->aux_free = aux_free;
    c->want_cfg = want_cfg;
    c->early = -EINPROGRESS;
    return c;
}

void
ovsbridge_change_abandon(struct ovsbridge_change *c)
{
    if (c) {
        /* An abandoned transaction may still commit; nobody is told. */
        if (c->txn) {
            ovsdb_idl_txn_destroy(c->txn);
        }
        if (c->aux_free) {
            c->aux_free(c->aux);
        }
        free(c->what);
        free(c);
    }
}

static int
change_commit(struct ovsbridge *br, struct ovsbridge_change *c)
{
    c->seqno = ovsdb_idl_get_seqno(br->idl);
    c->txn = ovsdb_idl_txn_create(br->idl);
    ovsdb_idl_txn_add_comment(c->txn, "seine: %s", c->what);
    int error = c->build(br, c->txn, c->aux);
    if (error) {
        ovsdb_idl_txn_abort(c->txn);
        ovsdb_idl_txn_destroy(c->txn);
        c->txn = NULL;
        return error;
    }
    if (c->want_cfg) {
        txn_request_cfg(br, c->txn);
    }
    ovsdb_idl_txn_commit(c->txn);
    return -EINPROGRESS;
}

/* The transaction has an answer: the change is done, waits for ovs-vswitchd,
 * or is tried again. */
static int
change_answered(struct ovsbridge *br, struct ovsbridge_change *c,
                enum ovsdb_idl_txn_status status)
{
    if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
        if (c->want_cfg && status == TXN_SUCCESS) {
            c->next_cfg = ovsdb_idl_txn_get_increment_new_value(c->txn);
            c->cfg_deadline = time_msec() + OVSBRIDGE_APPLY_TIMEOUT_MS;
        }
        ovsdb_idl_txn_destroy(c->txn);
        c->txn = NULL;
        return c->next_cfg > 0 ? -EINPROGRESS : 0;
    }
    const char *why = ovsdb_idl_txn_get_error(c->txn);
    VLOG_WARN("%s on %s: %s%s%s", c->what, br->name,
              ovsdb_idl_txn_status_to_string(status), why ? ": " : "",
              why ? why : "");
    ovsdb_idl_txn_destroy(c->txn);
    c->txn = NULL;
    if (status != TXN_TRY_AGAIN) {
        return -EIO;
    }
    if (++c->tries >= OVSBRIDGE_TXN_TRIES) {
        return -EAGAIN;
    }
    c->retry_at = time_msec() + OVSBRIDGE_RETRY_WAIT_MS;
    return -EINPROGRESS;
}

static int
change_poll(struct ovsbridge *br, struct ovsbridge_change *c)
{
    if (c->txn) {
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit(c->txn);
        return (status == TXN_INCOMPLETE ? -EINPROGRESS
                : change_answered(br, c, status));
    }
    if (c->next_cfg > 0) {
        const struct ovsrec_open_vswitch *ovs
            = ovsrec_open_vswitch_first(br->idl);
        if (!ovs || ovs->cur_cfg >= c->next_cfg) {
            return 0;
        }
        if (time_msec() < c->cfg_deadline) {
            return -EINPROGRESS;
        }
        /* The rows are gone: a switch that comes back never opens them. */
        VLOG_WARN("%s: in the database; ovs-vswitchd did not confirm "
                  "within %d ms", c->what, OVSBRIDGE_APPLY_TIMEOUT_MS);
        return 0;
    }
    if (c->tries && ovsdb_idl_get_seqno(br->idl) == c->seqno
        && time_msec() < c->retry_at) {
        return -EINPROGRESS;
    }
    return change_commit(br, c);
}

int
ovsbridge_change_finish(struct ovsbridge *br, struct ovsbridge_change *c)
{
    int error = c->early != -EINPROGRESS ? c->early : change_poll(br, c);

    if (error != -EINPROGRESS) {
        ovsbridge_change_abandon(c);
    }
    return error;
}

void
ovsbridge_change_wait(const struct ovsbridge_change *c)
{
    if (c->txn) {
        ovsdb_idl_txn_wait(c->txn);
    } else if (c->next_cfg > 0) {
        poll_timer_wait_until(c->cfg_deadline);
    } else {
        poll_timer_wait_until(c->retry_at);
    }
}

/* Runs the IDL until change 'c' has ended. */
static int
change_block(struct ovsbridge *br, struct ovsbridge_change *c)
{
    for (;;) {
        ovsdb_idl_run(br->idl);
        int error = ovsbridge_change_finish(br, c);
        if (error != -EINPROGRESS) {
            return error;
        }
        ovsdb_idl_wait(br->idl);
        ovsbridge_change_wait(c);
        poll_block();
    }
}

static int
transact(struct ovsbridge *br, const char *what, build_func *build,
         const void *aux)
{
    struct ovsbridge_change *c = change_create(what, build,
                                               CONST_CAST(void *, aux), NULL,
                                               false);
    c->early = change_poll(br, c);
    return change_block(br, c);
}

static bool
bridge_protocols_ok(const struct ovsrec_bridge *bridge)
{
    if (bridge->n_protocols != ARRAY_SIZE(bridge_protocols)) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(bridge_protocols); i++) {
        bool found = false;
        for (size_t j = 0; j < bridge->n_protocols; j++) {
            found = found
                    || !strcmp(bridge->protocols[j], bridge_protocols[i]);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static struct ovsrec_port *
insert_port(struct ovsdb_idl_txn *txn, const struct ovsrec_bridge *bridge,
            const char *name, const char *type)
{
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn);
    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, type);

    struct ovsrec_port *port = ovsrec_port_insert(txn);
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_bridge_update_ports_addvalue(bridge, port);
    return port;
}

/* The bridge's settings are only written when they differ, so that an
 * intact bridge costs an empty (unchanged) transaction. */
/* What ovsbridge_ensure() and ovsbridge_ensure_uplink() make sure of. */
struct ensure_spec {
    const char *gw_name;        /* an internal port besides LOCAL, or NULL */
    const char *fail_mode;      /* "secure" (the agent's flows only) or
                                 * "standalone" (a learning switch) */
};

static int
build_ensure(struct ovsbridge *br, struct ovsdb_idl_txn *txn,
             const void *spec_)
{
    const struct ensure_spec *spec = spec_;
    const char *gw_name = spec->gw_name;
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);
    const struct ovsrec_bridge *bridge = find_bridge(br);

    if (!ovs) {
        ovs = ovsrec_open_vswitch_insert(txn);
    }
    if (!bridge) {
        struct ovsrec_bridge *nb = ovsrec_bridge_insert(txn);
        ovsrec_bridge_set_name(nb, br->name);
        ovsrec_open_vswitch_update_bridges_addvalue(ovs, nb);
        bridge = nb;
        insert_port(txn, bridge, br->name, "internal");
        VLOG_INFO("creating bridge %s", br->name);
    }
    if (!bridge->datapath_type || strcmp(bridge->datapath_type, "netdev")) {
        ovsrec_bridge_set_datapath_type(bridge, "netdev");
    }
    if (!bridge->fail_mode || strcmp(bridge->fail_mode, spec->fail_mode)) {
        ovsrec_bridge_set_fail_mode(bridge, spec->fail_mode);
    }
    if (!bridge_protocols_ok(bridge)) {
        ovsrec_bridge_set_protocols(bridge, CONST_CAST(const char **,
                                                       bridge_protocols),
                                    ARRAY_SIZE(bridge_protocols));
    }
    if (gw_name && !find_port(bridge, gw_name)) {
        insert_port(txn, bridge, gw_name, "internal");
    }
    return 0;
}

int
ovsbridge_ensure(struct ovsbridge *br, const char *gw_name, int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;
    struct ensure_spec spec = { gw_name, "secure" };
    char *what = xasprintf("ensure bridge %s", br->name);
    int error = transact(br, what, build_ensure, &spec);

    free(what);
    if (!error) {
        int64_t ofport;
        error = ovsbridge_wait_ofport(br, gw_name,
                                      MAX(0, deadline - time_msec()),
                                      &ofport, NULL);
    }
    return error;
}

static int add_port_start(struct ovsbridge *,
                          const struct ovsbridge_port_spec *, bool confirm,
                          struct ovsbridge_change **);

int
ovsbridge_ensure_uplink(struct ovsbridge *br,
                        const struct ovsbridge_port_spec *uplink,
                        int timeout_ms, char **errorp)
{
    long long int deadline = time_msec() + timeout_ms;
    struct ensure_spec spec = { NULL, "standalone" };
    char *what = xasprintf("ensure uplink bridge %s", br->name);
    int error = transact(br, what, build_ensure, &spec);
    int64_t ofport;

    free(what);
    if (errorp) {
        *errorp = NULL;
    }
    /* Confirmed: a changed port's ofport and error in the IDL are still
     * the old device's until ovs-vswitchd has applied the change. */
    if (!error) {
        struct ovsbridge_change *c;
        error = add_port_start(br, uplink, true, &c);
        error = error ? error : change_block(br, c);
    }
    if (!error) {
        error = ovsbridge_wait_ofport(br, br->name,
                                      MAX(0, deadline - time_msec()),
                                      &ofport, NULL);
    }
    if (!error) {
        error = ovsbridge_wait_ofport(br, uplink->name,
                                      MAX(0, deadline - time_msec()),
                                      &ofport, errorp);
    }
    return error;
}

const char *
ovsbridge_port_type_name(enum ovsbridge_port_type type)
{
    switch (type) {
    case OVSBRIDGE_PORT_AFXDP:
        return "afxdp";
    case OVSBRIDGE_PORT_VHOSTUSER:
        return "dpdkvhostuserclient";
    case OVSBRIDGE_PORT_TAP:
        return "tap";
    case OVSBRIDGE_PORT_SYSTEM:
        return "";
    case OVSBRIDGE_PORT_INTERNAL:
        return "internal";
    case OVSBRIDGE_PORT_GENEVE:
        return "geneve";
    case OVSBRIDGE_PORT_VXLAN:
        return "vxlan";
    case OVSBRIDGE_PORT_DPDK:
        return "dpdk";
    }
    return NULL;
}

void
ovsbridge_port_options(const struct ovsbridge_port_spec *spec,
                       struct smap *options)
{
    if (spec->type == OVSBRIDGE_PORT_AFXDP) {
        smap_add(options, "xdp-mode", "native");
    } else if (spec->type == OVSBRIDGE_PORT_VHOSTUSER) {
        smap_add(options, "vhost-server-path", spec->vhost_server_path);
    } else if (spec->type == OVSBRIDGE_PORT_GENEVE
               || spec->type == OVSBRIDGE_PORT_VXLAN) {
        smap_add(options, "remote_ip", "flow");
        /* The tunnel key marks Traceflow's packets (tables.h). */
        smap_add(options, "key", "flow");
    } else if (spec->type == OVSBRIDGE_PORT_DPDK) {
        smap_add(options, "dpdk-devargs", spec->dpdk_devargs);
    }
    if (spec->n_rxq > 0) {
        smap_add_format(options, "n_rxq", "%d", spec->n_rxq);
    }
}

/* Writes every column the spec determines, on a new or existing port:
 * adding the same port twice converges on the same rows. */
static int
build_add_port(struct ovsbridge *br, struct ovsdb_idl_txn *txn,
               const void *spec_)
{
    const struct ovsbridge_port_spec *spec = spec_;
    const struct ovsrec_bridge *bridge = find_bridge(br);
    const struct ovsrec_port *port;

    if (!bridge) {
        VLOG_WARN("bridge %s does not exist", br->name);
        return -ENODEV;
    }
    port = find_port(bridge, spec->name);
    if (!port) {
        const struct ovsrec_port *other;
        OVSREC_PORT_FOR_EACH (other, br->idl) {
            if (!strcmp(other->name, spec->name)) {
                VLOG_WARN("port %s exists on another bridge", spec->name);
                return -EEXIST;
            }
        }
        port = insert_port(txn, bridge, spec->name, "");
    }

    const struct ovsrec_interface *iface = find_iface(port, spec->name);
    if (!iface) {
        VLOG_WARN("port %s has no interface of that name", spec->name);
        return -EEXIST;
    }

    struct smap options = SMAP_INITIALIZER(&options);
    ovsbridge_port_options(spec, &options);
    ovsrec_interface_set_type(iface, ovsbridge_port_type_name(spec->type));
    ovsrec_interface_set_options(iface, &options);
    smap_destroy(&options);

    int64_t mtu = spec->mtu_request;
    ovsrec_interface_set_mtu_request(iface, &mtu, spec->mtu_request > 0);

    int64_t request = spec->ofport_request;
    ovsrec_interface_set_ofport_request(iface, &request,
                                        spec->ofport_request > 0);
    if (spec->owner) {
        ovsrec_port_update_external_ids_setkey(port, OVSBRIDGE_OWNER_KEY,
                                               spec->owner);
        ovsrec_interface_update_external_ids_setkey(iface, OVSBRIDGE_OWNER_KEY,
                                                    spec->owner);
    }
    return 0;
}

static void
spec_free(void *spec_)
{
    struct ovsbridge_port_spec *spec = spec_;

    free(CONST_CAST(char *, spec->name));
    free(CONST_CAST(char *, spec->vhost_server_path));
    free(CONST_CAST(char *, spec->dpdk_devargs));
    free(CONST_CAST(char *, spec->owner));
    free(spec);
}

static struct ovsbridge_port_spec *
spec_clone(const struct ovsbridge_port_spec *src)
{
    struct ovsbridge_port_spec *spec = xmemdup(src, sizeof *src);

    spec->name = xstrdup(src->name);
    spec->vhost_server_path = nullable_xstrdup(src->vhost_server_path);
    spec->dpdk_devargs = nullable_xstrdup(src->dpdk_devargs);
    spec->owner = nullable_xstrdup(src->owner);
    return spec;
}

static int
add_port_start(struct ovsbridge *br, const struct ovsbridge_port_spec *spec,
               bool confirm, struct ovsbridge_change **cp)
{
    *cp = NULL;
    if (!spec->name || !*spec->name || !ovsbridge_port_type_name(spec->type)
        || (spec->type == OVSBRIDGE_PORT_VHOSTUSER
            && !spec->vhost_server_path)
        || (spec->type == OVSBRIDGE_PORT_DPDK && !spec->dpdk_devargs)) {
        return -EINVAL;
    }
    char *what = xasprintf("add port %s", spec->name);
    *cp = change_create(what, build_add_port, spec_clone(spec), spec_free,
                        confirm);
    free(what);
    (*cp)->early = change_poll(br, *cp);
    return 0;
}

int
ovsbridge_add_port_start(struct ovsbridge *br,
                         const struct ovsbridge_port_spec *spec,
                         struct ovsbridge_change **cp)
{
    return add_port_start(br, spec, false, cp);
}

int
ovsbridge_add_port(struct ovsbridge *br,
                   const struct ovsbridge_port_spec *spec)
{
    struct ovsbridge_change *c;
    int error = add_port_start(br, spec, false, &c);

    return error ? error : change_block(br, c);
}

static int
build_del_port(struct ovsbridge *br, struct ovsdb_idl_txn *txn OVS_UNUSED,
               const void *name)
{
    const struct ovsrec_bridge *bridge = find_bridge(br);
    const struct ovsrec_port *port = find_port(bridge, name);

    if (port) {
        ovsrec_bridge_update_ports_delvalue(bridge, port);
        for (size_t i = 0; i < port->n_interfaces; i++) {
            ovsrec_interface_delete(port->interfaces[i]);
        }
        ovsrec_port_delete(port);
    }
    return 0;
}

/* A deleted port's netdev lives on in ovs-vswitchd until it has
 * reconfigured, and acts on the interface by name while it goes (AF_XDP
 * removes "its" XDP program, flags are restored): with 'confirm', the
 * change ends only once ovs-vswitchd has applied it. */
int
ovsbridge_del_port_start(struct ovsbridge *br, const char *name, bool confirm,
                         struct ovsbridge_change **cp)
{
    char *what = xasprintf("delete port %s", name);

    *cp = change_create(what, build_del_port, xstrdup(name), free, confirm);
    free(what);
    (*cp)->early = change_poll(br, *cp);
    return 0;
}

int
ovsbridge_del_port(struct ovsbridge *br, const char *name)
{
    struct ovsbridge_change *c;
    int error = ovsbridge_del_port_start(br, name, true, &c);

    return error ? error : change_block(br, c);
}

void
ovsbridge_port_status(struct ovsbridge *br, const char *name,
                      struct ovsbridge_port_status *st)
{
    const struct ovsrec_port *port = find_port(find_bridge(br), name);
    const struct ovsrec_interface *iface = find_iface(port, name);

    memset(st, 0, sizeof *st);
    st->exists = port != NULL;
    if (iface) {
        st->ofport = iface->n_ofport ? iface->ofport[0] : 0;
        st->link_up = iface->link_state && !strcmp(iface->link_state, "up");
        st->error = iface->error ? xstrdup(iface->error) : NULL;
    }
}

int
ovsbridge_port_ofport(struct ovsbridge *br, const char *name,
                      int64_t *ofportp, char **errorp)
{
    struct ovsbridge_port_status st;

    ovsbridge_port_status(br, name, &st);
    *ofportp = st.ofport > 0 ? st.ofport : 0;
    if (errorp) {
        free(*errorp);
        *errorp = st.error;
    } else {
        free(st.error);
    }
    /* OVS sets ofport to -1 together with the reason it could not open
     * the interface; an error alone may still be followed by success. */
    return (st.ofport > 0 ? 0
            : st.ofport < 0 && (errorp ? *errorp : NULL) ? -EIO
            : -EAGAIN);
}

int
ovsbridge_port_link(struct ovsbridge *br, const char *name)
{
    struct ovsbridge_port_status st;

    ovsbridge_port_status(br, name, &st);
    free(st.error);
    return !st.exists ? -ENODEV : st.link_up ? 0 : -EAGAIN;
}

struct ofport_wait {
    const char *name;
    int64_t ofport;
    char *error;
};

static int
check_ofport(struct ovsbridge *br, void *w_)
{
    struct ofport_wait *w = w_;
    int error = ovsbridge_port_ofport(br, w->name, &w->ofport, &w->error);

    return error == -EAGAIN ? 1 : error;
}

int
ovsbridge_wait_ofport(struct ovsbridge *br, const char *name,
                      int timeout_ms, int64_t *ofportp, char **errorp)
{
    struct ofport_wait w = { .name = name };
    int error = idl_wait_for(br, time_msec() + timeout_ms, check_ofport, &w);

    if (error) {
        VLOG_WARN("port %s on %s: %s%s%s", name, br->name,
                  error == -ETIMEDOUT ? "no ofport yet" : "failed",
                  w.error ? ": " : "", w.error ? w.error : "");
    }
    *ofportp = error ? 0 : w.ofport;
    if (errorp) {
        *errorp = w.error;
    } else {
        free(w.error);
    }
    return error;
}

static int
check_link_up(struct ovsbridge *br, void *name)
{
    int error = ovsbridge_port_link(br, name);

    return error == -EAGAIN ? 1 : error;
}

int
ovsbridge_wait_link_up(struct ovsbridge *br, const char *name, int timeout_ms)
{
    return idl_wait_for(br, time_msec() + timeout_ms, check_link_up,
                        CONST_CAST(char *, name));
}

int
ovsbridge_list_owned_ports(struct ovsbridge *br, const char *owner,
                           char ***namesp, size_t *np)
{
    const struct ovsrec_bridge *bridge = find_bridge(br);
    size_t n_ports = bridge ? bridge->n_ports : 0;
    char **names = xmalloc((n_ports ? n_ports : 1) * sizeof *names);
    size_t n = 0;

    for (size_t i = 0; i < n_ports; i++) {
        const struct ovsrec_port *port = bridge->ports[i];
        const char *value = smap_get(&port->external_ids,
                                     OVSBRIDGE_OWNER_KEY);
        if (value && (!owner || !strcmp(value, owner))) {
            names[n++] = xstrdup(port->name);
        }
    }
    *namesp = names;
    *np = n;
    return 0;
}

bool
ovsbridge_dpdk_ready(struct ovsbridge *br, const char *iface_type,
                     char **whyp)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);
    char *why = NULL;

    if (!ovs) {
        why = xstrdup("the database has no Open_vSwitch record");
    } else if (!ovs->dpdk_initialized) {
        why = xstrdup("DPDK is not initialised in ovs-vswitchd "
                      "(other_config:dpdk-init=true)");
    } else {
        bool found = false;
        for (size_t i = 0; i < ovs->n_iface_types; i++) {
            found = found || !strcmp(ovs->iface_types[i], iface_type);
        }
        if (!found) {
            why = xasprintf("ovs-vswitchd does not support %s interfaces",
                            iface_type);
        }
    }
    if (whyp) {
        *whyp = why;
    } else {
        free(why);
    }
    return !why;
}

char *
ovsbridge_mgmt_target(const char *rundir, const char *bridge_name)
{
    return xasprintf("unix:%s/%s.mgmt", rundir, bridge_name);
}

static int64_t
iface_stat(const struct ovsrec_interface *iface, const char *key)
{
    for (size_t i = 0; i < iface->n_statistics; i++) {
        if (!strcmp(iface->key_statistics[i], key)) {
            return iface->value_statistics[i];
        }
    }
    return -1;
}

static void
iface_stats(const struct ovsrec_interface *iface,
            struct ovsbridge_iface_stats *st)
{
    *st = (struct ovsbridge_iface_stats) {
        .rx_packets = iface_stat(iface, "rx_packets"),
        .rx_bytes = iface_stat(iface, "rx_bytes"),
        .rx_dropped = iface_stat(iface, "rx_dropped"),
        .rx_errors = iface_stat(iface, "rx_errors"),
        .tx_packets = iface_stat(iface, "tx_packets"),
        .tx_bytes = iface_stat(iface, "tx_bytes"),
        .tx_dropped = iface_stat(iface, "tx_dropped"),
        .tx_errors = iface_stat(iface, "tx_errors"),
    };
}

static char *
nullable_strdup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void
port_info(const struct ovsrec_port *port, struct ovsbridge_port_info *info)
{
    const struct ovsrec_interface *iface = find_iface(port, port->name);

    memset(info, 0, sizeof *info);
    info->name = xstrdup(port->name);
    info->owner = nullable_strdup(smap_get(&port->external_ids,
                                           OVSBRIDGE_OWNER_KEY));
    if (!iface) {
        info->type = xstrdup("");
        info->stats = (struct ovsbridge_iface_stats) { -1, -1, -1, -1,
                                                       -1, -1, -1, -1 };
        return;
    }
    info->type = xstrdup(iface->type);
    info->ofport = iface->n_ofport ? iface->ofport[0] : 0;
    info->link_state = nullable_strdup(iface->link_state);
    info->admin_state = nullable_strdup(iface->admin_state);
    info->error = nullable_strdup(iface->error);
    info->mtu = iface->n_mtu ? iface->mtu[0] : 0;
    iface_stats(iface, &info->stats);
}

static int
port_info_compare(const void *a_, const void *b_)
{
    const struct ovsbridge_port_info *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

void
ovsbridge_list_ports(struct ovsbridge *br, struct ovsbridge_port_info **portsp,
                     size_t *np)
{
    const struct ovsrec_bridge *bridge = find_bridge(br);
    size_t n = bridge ? bridge->n_ports : 0;
    struct ovsbridge_port_info *ports = xcalloc(MAX(n, 1), sizeof *ports);

    for (size_t i = 0; i < n; i++) {
        port_info(bridge->ports[i], &ports[i]);
    }
    qsort(ports, n, sizeof *ports, port_info_compare);
    *portsp = ports;
    *np = n;
}

void
ovsbridge_port_infos_free(struct ovsbridge_port_info *ports, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ports[i].name);
        free(ports[i].type);
        free(ports[i].link_state);
        free(ports[i].admin_state);
        free(ports[i].owner);
        free(ports[i].error);
    }
    free(ports);
}

const char *
ovsbridge_ovs_version(struct ovsbridge *br)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);

    return ovs ? ovs->ovs_version : NULL;
}

static const struct ovsrec_interface *
find_iface_anywhere(const struct ovsbridge *br, const char *name)
{
    const struct ovsrec_interface *iface;

    OVSREC_INTERFACE_FOR_EACH (iface, br->idl) {
        if (!strcmp(iface->name, name)) {
            return iface;
        }
    }
    return NULL;
}

/* The map that column 'col' is in 'ovs' or 'iface'. */
static const struct smap *
setting_map(const struct ovsrec_open_vswitch *ovs,
            const struct ovsrec_interface *iface, enum ovsbridge_column col)
{
    switch (col) {
    case OVSBRIDGE_OVS_OTHER_CONFIG:
        return ovs ? &ovs->other_config : NULL;
    case OVSBRIDGE_OVS_EXTERNAL_IDS:
        return ovs ? &ovs->external_ids : NULL;
    case OVSBRIDGE_IFACE_OPTIONS:
        return iface ? &iface->options : NULL;
    case OVSBRIDGE_IFACE_OTHER_CONFIG:
        return iface ? &iface->other_config : NULL;
    }
    return NULL;
}

static bool
setting_is_iface(enum ovsbridge_column col)
{
    return (col == OVSBRIDGE_IFACE_OPTIONS
            || col == OVSBRIDGE_IFACE_OTHER_CONFIG);
}

const char *
ovsbridge_get_setting(struct ovsbridge *br, enum ovsbridge_column col,
                      const char *iface_name, const char *key)
{
    const struct ovsrec_interface *iface = (setting_is_iface(col)
                                            ? find_iface_anywhere(br,
                                                                  iface_name)
                                            : NULL);
    const struct smap *map = setting_map(ovsrec_open_vswitch_first(br->idl),
                                         iface, col);

    return map ? smap_get(map, key) : NULL;
}

bool
ovsbridge_dpdk_initialized(struct ovsbridge *br)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);

    return ovs && ovs->dpdk_initialized;
}

struct settings {
    struct ovsbridge_setting *s;
    size_t n;
};

static void
write_setting(const struct ovsrec_open_vswitch *ovs,
              const struct ovsrec_interface *iface,
              const struct ovsbridge_setting *s)
{
    switch (s->column) {
    case OVSBRIDGE_OVS_OTHER_CONFIG:
        if (s->value) {
            ovsrec_open_vswitch_update_other_config_setkey(ovs, s->key,
                                                           s->value);
        } else {
            ovsrec_open_vswitch_update_other_config_delkey(ovs, s->key);
        }
        break;
    case OVSBRIDGE_OVS_EXTERNAL_IDS:
        if (s->value) {
            ovsrec_open_vswitch_update_external_ids_setkey(ovs, s->key,
                                                           s->value);
        } else {
            ovsrec_open_vswitch_update_external_ids_delkey(ovs, s->key);
        }
        break;
    case OVSBRIDGE_IFACE_OPTIONS:
        if (s->value) {
            ovsrec_interface_update_options_setkey(iface, s->key, s->value);
        } else {
            ovsrec_interface_update_options_delkey(iface, s->key);
        }
        break;
    case OVSBRIDGE_IFACE_OTHER_CONFIG:
        if (s->value) {
            ovsrec_interface_update_other_config_setkey(iface, s->key,
                                                        s->value);
        } else {
            ovsrec_interface_update_other_config_delkey(iface, s->key);
        }
        break;
    }
}

static int
build_configure(struct ovsbridge *br, struct ovsdb_idl_txn *txn OVS_UNUSED,
                const void *settings_)
{
    const struct settings *set = settings_;
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);

    if (!ovs) {
        VLOG_WARN("the database has no Open_vSwitch record");
        return -ENODEV;
    }
    /* Every interface first: a missing one writes nothing at all. */
    for (size_t i = 0; i < set->n; i++) {
        if (setting_is_iface(set->s[i].column)
            && !find_iface_anywhere(br, set->s[i].iface)) {
            VLOG_WARN("interface %s is not in the database", set->s[i].iface);
            return -ENODEV;
        }
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct ovsbridge_setting *s = &set->s[i];
        write_setting(ovs, (setting_is_iface(s->column)
                            ? find_iface_anywhere(br, s->iface) : NULL), s);
    }
    return 0;
}

static void
settings_free(void *set_)
{
    struct settings *set = set_;

    for (size_t i = 0; i < set->n; i++) {
        free(CONST_CAST(char *, set->s[i].iface));
        free(CONST_CAST(char *, set->s[i].key));
        free(CONST_CAST(char *, set->s[i].value));
    }
    free(set->s);
    free(set);
}

int
ovsbridge_configure_start(struct ovsbridge *br,
                          const struct ovsbridge_setting *settings, size_t n,
                          struct ovsbridge_change **cp)
{
    struct settings *set = xmalloc(sizeof *set);

    set->s = xcalloc(MAX(n, 1), sizeof *set->s);
    set->n = n;
    for (size_t i = 0; i < n; i++) {
        set->s[i].column = settings[i].column;
        set->s[i].iface = nullable_xstrdup(settings[i].iface);
        set->s[i].key = xstrdup(settings[i].key);
        set->s[i].value = nullable_xstrdup(settings[i].value);
    }
    /* ovs-vswitchd does not read Open_vSwitch external_ids: there is
     * nothing for it to confirm, and asking (next_cfg) would make it
     * reconfigure every bridge and port for nothing. */
    bool want_cfg = false;
    for (size_t i = 0; i < n; i++) {
        want_cfg |= settings[i].column != OVSBRIDGE_OVS_EXTERNAL_IDS;
    }
    *cp = change_create("write settings", build_configure, set,
                        settings_free, want_cfg);
    (*cp)->early = change_poll(br, *cp);
    return 0;
}

int
ovsbridge_configure(struct ovsbridge *br,
                    const struct ovsbridge_setting *settings, size_t n)
{
    struct ovsbridge_change *c;

    ovsbridge_configure_start(br, settings, n, &c);
    return change_block(br, c);
}
