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

static int
check_seqno_changed(struct ovsbridge *br, void *seqno_)
{
    const unsigned int *seqno = seqno_;

    return ovsdb_idl_get_seqno(br->idl) == *seqno;
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

static int
check_cfg_applied(struct ovsbridge *br, void *next_cfg_)
{
    const int64_t *next_cfg = next_cfg_;
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(br->idl);

    return !ovs || ovs->cur_cfg < *next_cfg;
}

/* Builds one transaction with 'build' and commits it, retrying when the
 * database changed under it (TXN_TRY_AGAIN).  'build' sees the IDL's
 * latest contents on every try.  With 'next_cfgp', the transaction asks
 * ovs-vswitchd to confirm it: '*next_cfgp' is the cur_cfg that means
 * applied (0 when the transaction changed nothing). */
static int
transact(struct ovsbridge *br, const char *what,
         int (*build)(struct ovsbridge *, struct ovsdb_idl_txn *,
                      const void *aux),
         const void *aux, int64_t *next_cfgp)
{
    if (next_cfgp) {
        *next_cfgp = 0;
    }
    for (int try = 0; try < OVSBRIDGE_TXN_TRIES; try++) {
        ovsdb_idl_run(br->idl);
        unsigned int seqno = ovsdb_idl_get_seqno(br->idl);
        struct ovsdb_idl_txn *txn = ovsdb_idl_txn_create(br->idl);

        ovsdb_idl_txn_add_comment(txn, "seine: %s", what);
        int error = build(br, txn, aux);
        if (error) {
            ovsdb_idl_txn_abort(txn);
            ovsdb_idl_txn_destroy(txn);
            return error;
        }

        if (next_cfgp) {
            txn_request_cfg(br, txn);
        }
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
        if (status == TXN_SUCCESS || status == TXN_UNCHANGED) {
            if (next_cfgp && status == TXN_SUCCESS) {
                *next_cfgp = ovsdb_idl_txn_get_increment_new_value(txn);
            }
            ovsdb_idl_txn_destroy(txn);
            return 0;
        }
        VLOG_WARN("%s on %s: %s%s%s", what, br->name,
                  ovsdb_idl_txn_status_to_string(status),
                  ovsdb_idl_txn_get_error(txn) ? ": " : "",
                  ovsdb_idl_txn_get_error(txn) ? ovsdb_idl_txn_get_error(txn)
                                               : "");
        ovsdb_idl_txn_destroy(txn);
        if (status != TXN_TRY_AGAIN) {
            return -EIO;
        }
        idl_wait_for(br, time_msec() + OVSBRIDGE_RETRY_WAIT_MS,
                     check_seqno_changed, &seqno);
    }
    return -EAGAIN;
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
    int error = transact(br, what, build_ensure, &spec, NULL);

    free(what);
    if (!error) {
        int64_t ofport;
        error = ovsbridge_wait_ofport(br, gw_name,
                                      MAX(0, deadline - time_msec()),
                                      &ofport, NULL);
    }
    return error;
}

int
ovsbridge_ensure_uplink(struct ovsbridge *br, const char *uplink,
                        int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;
    struct ensure_spec spec = { NULL, "standalone" };
    struct ovsbridge_port_spec port = {
        .name = uplink,
        .type = OVSBRIDGE_PORT_AFXDP,
    };
    char *what = xasprintf("ensure uplink bridge %s", br->name);
    int error = transact(br, what, build_ensure, &spec, NULL);
    int64_t ofport;

    free(what);
    if (!error) {
        error = ovsbridge_add_port(br, &port);
    }
    if (!error) {
        error = ovsbridge_wait_ofport(br, br->name,
                                      MAX(0, deadline - time_msec()),
                                      &ofport, NULL);
    }
    if (!error) {
        error = ovsbridge_wait_ofport(br, uplink,
                                      MAX(0, deadline - time_msec()),
                                      &ofport, NULL);
    }
    return error;
}

static const char *
port_type_name(enum ovsbridge_port_type type)
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
    }
    return NULL;
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
    if (spec->type == OVSBRIDGE_PORT_AFXDP) {
        smap_add(&options, "xdp-mode", "native");
    } else if (spec->type == OVSBRIDGE_PORT_VHOSTUSER) {
        smap_add(&options, "vhost-server-path", spec->vhost_server_path);
    } else if (spec->type == OVSBRIDGE_PORT_GENEVE
               || spec->type == OVSBRIDGE_PORT_VXLAN) {
        smap_add(&options, "remote_ip", "flow");
    }
    ovsrec_interface_set_type(iface, port_type_name(spec->type));
    ovsrec_interface_set_options(iface, &options);
    smap_destroy(&options);

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

int
ovsbridge_add_port(struct ovsbridge *br,
                   const struct ovsbridge_port_spec *spec)
{
    if (!spec->name || !*spec->name || !port_type_name(spec->type)
        || (spec->type == OVSBRIDGE_PORT_VHOSTUSER
            && !spec->vhost_server_path)) {
        return -EINVAL;
    }
    char *what = xasprintf("add port %s", spec->name);
    int error = transact(br, what, build_add_port, spec, NULL);
    free(what);
    return error;
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
 * removes "its" XDP program, flags are restored): the caller may reuse
 * nothing of the port before this returns. */
int
ovsbridge_del_port(struct ovsbridge *br, const char *name)
{
    char *what = xasprintf("delete port %s", name);
    int64_t next_cfg;
    int error = transact(br, what, build_del_port, name, &next_cfg);

    free(what);
    if (!error && next_cfg > 0) {
        int wait = idl_wait_for(br, time_msec() + OVSBRIDGE_APPLY_TIMEOUT_MS,
                                check_cfg_applied, &next_cfg);
        if (wait) {
            /* The row is gone: a switch that comes back never opens it. */
            VLOG_WARN("port %s deleted from the database; ovs-vswitchd did "
                      "not confirm within %d ms", name,
                      OVSBRIDGE_APPLY_TIMEOUT_MS);
        }
    }
    return error;
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

struct ofport_wait {
    const char *name;
    int64_t ofport;
    char *error;
};

static int
check_ofport(struct ovsbridge *br, void *w_)
{
    struct ofport_wait *w = w_;
    struct ovsbridge_port_status st;

    ovsbridge_port_status(br, w->name, &st);
    w->ofport = st.ofport;
    free(w->error);
    w->error = st.error;
    if (st.ofport > 0) {
        return 0;
    }
    /* OVS sets ofport to -1 together with the reason it could not open
     * the interface; an error alone may still be followed by success. */
    return st.ofport < 0 && st.error ? -EIO : 1;
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
    struct ovsbridge_port_status st;

    ovsbridge_port_status(br, name, &st);
    free(st.error);
    return !st.exists ? -ENODEV : !st.link_up;
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
ovsbridge_dpdk_ready(struct ovsbridge *br, char **whyp)
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
            found = found || !strcmp(ovs->iface_types[i],
                                     "dpdkvhostuserclient");
        }
        if (!found) {
            why = xstrdup("ovs-vswitchd does not support "
                          "dpdkvhostuserclient interfaces");
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
