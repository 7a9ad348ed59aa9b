/*
 * ovsbridge: Seine's view of the local OVSDB (Open_vSwitch database) through
 * ovsdb-idl with the vswitch IDL.  It creates or repairs the integration
 * bridge (datapath_type=netdev, fail_mode=secure, OpenFlow 1.3-1.5), the
 * gateway internal port, and the pod ports, and reports their ofport and
 * link state.
 *
 * A change to the database is one transaction.  The *_start() calls return
 * at once with a struct ovsbridge_change, which the caller polls from its
 * loop with ovsbridge_change_finish() after ovsbridge_run(); the plain
 * calls wait on the IDL alone until the change has ended, so the caller
 * sees its effect in the IDL on return.  Deleting a port also waits for
 * ovs-vswitchd to apply it (next_cfg/cur_cfg).  Ports Seine made carry external_ids:seine-owner so that a
 * restarted agent can tell them from ports an operator added.
 */
#ifndef OVSBRIDGE_H
#define OVSBRIDGE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ovsbridge;
struct ovsdb_idl;

struct smap;

enum ovsbridge_port_type {
    OVSBRIDGE_PORT_AFXDP,           /* type=afxdp, options:xdp-mode=native */
    OVSBRIDGE_PORT_VHOSTUSER,       /* type=dpdkvhostuserclient */
    OVSBRIDGE_PORT_TAP,             /* type=tap (OVS creates the tap) */
    OVSBRIDGE_PORT_SYSTEM,          /* type="" (existing kernel netdev) */
    OVSBRIDGE_PORT_INTERNAL,
    OVSBRIDGE_PORT_GENEVE,          /* flow-based: options:remote_ip=flow */
    OVSBRIDGE_PORT_VXLAN,           /* likewise */
    OVSBRIDGE_PORT_DPDK,            /* type=dpdk, options:dpdk-devargs */
};

struct ovsbridge_port_spec {
    const char *name;                   /* port and interface name */
    enum ovsbridge_port_type type;
    const char *vhost_server_path;      /* VHOSTUSER only */
    const char *dpdk_devargs;           /* DPDK only: a PCI address or a
                                         * DPDK virtual device */
    int n_rxq;                          /* options:n_rxq; 0: OVS's default */
    int mtu_request;                    /* 0: OVS's default */
    const char *owner;                  /* external_ids:seine-owner */
    int ofport_request;                 /* 0: let OVS choose */
};

/* The Interface row's type and options that 'spec' makes ("dpdk" and
 * dpdk-devargs=...), which ovsbridge_add_port*() write. */
const char *ovsbridge_port_type_name(enum ovsbridge_port_type);
void ovsbridge_port_options(const struct ovsbridge_port_spec *,
                            struct smap *options);

struct ovsbridge_port_status {
    bool exists;
    int64_t ofport;                     /* -1: failed, 0: not yet assigned */
    bool link_up;
    char *error;                        /* Interface.error, owned; or NULL */
};

/* Connects to 'remote' ("unix:/run/seine/db.sock") and waits until the IDL
 * has the database contents (up to 'timeout_ms').  0 or -errno. */
int ovsbridge_open(const char *remote, const char *bridge_name,
                   int timeout_ms, struct ovsbridge **brp);
void ovsbridge_close(struct ovsbridge *);

/* Poll-loop integration (ovsdb_idl_run/wait). */
void ovsbridge_run(struct ovsbridge *);
void ovsbridge_wait(struct ovsbridge *);

/* Makes the bridge an underlay bridge: netdev, standalone (a learning
 * switch, no flows needed), with 'uplink' (an AF_XDP or DPDK port) as its
 * port, and waits for its LOCAL port and the uplink to have ofports.  OVS's
 * userspace tunnels send and receive through it: the node IP lives on its
 * LOCAL interface.  0 or -errno; -EIO when OVS could not open the uplink,
 * its reason (Interface.error) in '*errorp' if nonnull (caller frees). */
int ovsbridge_ensure_uplink(struct ovsbridge *,
                            const struct ovsbridge_port_spec *uplink,
                            int timeout_ms, char **errorp);

/* Creates the bridge if missing, and repairs datapath_type, fail_mode and
 * protocols if someone changed them.  Adds the internal port 'gw_name' and
 * waits for its ofport.  0 or -errno. */
int ovsbridge_ensure(struct ovsbridge *, const char *gw_name, int timeout_ms);

int ovsbridge_add_port(struct ovsbridge *, const struct ovsbridge_port_spec *);
/* Removes the port, and waits (a few seconds at most) until ovs-vswitchd
 * has applied the removal, so that nothing of the old port still acts on
 * an interface that takes its name; 0 also when it did not exist. */
int ovsbridge_del_port(struct ovsbridge *, const char *name);

/* The same as changes in flight: 0 and '*changep' set (the spec is
 * copied), or -EINVAL for a bad spec.  Without 'confirm', a deletion ends
 * once it is in the database, for a port whose name nothing will take
 * again. */
struct ovsbridge_change;
int ovsbridge_add_port_start(struct ovsbridge *,
                             const struct ovsbridge_port_spec *,
                             struct ovsbridge_change **changep);
int ovsbridge_del_port_start(struct ovsbridge *, const char *name,
                             bool confirm, struct ovsbridge_change **changep);
/* -EINPROGRESS while the change has not ended; then 0 or -errno, and the
 * change is freed. */
int ovsbridge_change_finish(struct ovsbridge *, struct ovsbridge_change *);
/* Wakes the poll loop when the change may have moved on. */
void ovsbridge_change_wait(const struct ovsbridge_change *);
/* Frees a change that has not ended (its transaction may still commit). */
void ovsbridge_change_abandon(struct ovsbridge_change *);

/* Current status of port 'name' (caller frees status->error). */
void ovsbridge_port_status(struct ovsbridge *, const char *name,
                           struct ovsbridge_port_status *);

/* Without waiting: port 'name''s ofport in '*ofportp' (0), -EAGAIN while
 * OVS has not assigned one, or -EIO when OVS could not open the interface
 * (its reason in '*errorp' if nonnull; caller frees). */
int ovsbridge_port_ofport(struct ovsbridge *, const char *name,
                          int64_t *ofportp, char **errorp);
/* Without waiting: 0 when port 'name' reports link_state up, -EAGAIN when
 * not yet, -ENODEV when the port is not in the database. */
int ovsbridge_port_link(struct ovsbridge *, const char *name);

/* Waits until port 'name' has an ofport > 0 (returned), or fails with
 * -ETIMEDOUT, or with -EIO when OVS reports an error for the interface
 * (copied to '*errorp' if non-NULL). */
int ovsbridge_wait_ofport(struct ovsbridge *, const char *name,
                          int timeout_ms, int64_t *ofportp, char **errorp);

/* Waits until port 'name' reports link_state up: 0, -ETIMEDOUT, or
 * -ENODEV when the port is not in the database. */
int ovsbridge_wait_link_up(struct ovsbridge *, const char *name,
                           int timeout_ms);

/* Names of ports carrying external_ids:seine-owner, any value or, with
 * 'owner', that one (caller frees with free() each and the array). */
int ovsbridge_list_owned_ports(struct ovsbridge *, const char *owner,
                               char ***namesp, size_t *np);

/* Whether the switch can host DPDK interfaces of 'iface_type'
 * ("dpdkvhostuserclient", "dpdk"): DPDK initialised and the type in
 * iface_types.  When false, '*whyp' says what is missing (caller frees). */
bool ovsbridge_dpdk_ready(struct ovsbridge *, const char *iface_type,
                          char **whyp);

/* Interface.statistics as ovs-vswitchd last wrote them (every
 * other_config:stats-update-interval, 5 s by default); -1 for a counter
 * the interface does not report. */
struct ovsbridge_iface_stats {
    int64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    int64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

/* One port of the bridge and its (first) interface, for operators. */
struct ovsbridge_port_info {
    char *name;
    char *type;                         /* Interface.type; "" for system */
    int64_t ofport;                     /* 0: none yet, -1: failed */
    char *link_state;                   /* "up", "down", or NULL */
    char *admin_state;                  /* likewise */
    char *owner;                        /* external_ids:seine-owner or NULL */
    char *error;                        /* Interface.error or NULL */
    int64_t mtu;                        /* 0: unknown */
    struct ovsbridge_iface_stats stats;
};

/* Every port of the bridge, sorted by name, in '*portsp' (free with
 * ovsbridge_port_infos_free()). */
void ovsbridge_list_ports(struct ovsbridge *,
                          struct ovsbridge_port_info **portsp, size_t *np);
void ovsbridge_port_infos_free(struct ovsbridge_port_info *, size_t n);

/* The version ovs-vswitchd wrote in the database, or NULL. */
const char *ovsbridge_ovs_version(struct ovsbridge *);

/* The OpenFlow management target of the bridge, "unix:RUNDIR/BR.mgmt".
 * 'rundir' is where ovs-vswitchd keeps its sockets (OVS_RUNDIR). */
char *ovsbridge_mgmt_target(const char *rundir, const char *bridge_name);

/* The columns of string maps that seine-pmd configures: the Open_vSwitch
 * record's other_config and external_ids, and an interface's options and
 * other_config. */
enum ovsbridge_column {
    OVSBRIDGE_OVS_OTHER_CONFIG,
    OVSBRIDGE_OVS_EXTERNAL_IDS,
    OVSBRIDGE_IFACE_OPTIONS,
    OVSBRIDGE_IFACE_OTHER_CONFIG,
};

/* One key of one of those columns. */
struct ovsbridge_setting {
    enum ovsbridge_column column;
    const char *iface;          /* the interface's name (interface columns) */
    const char *key;
    const char *value;          /* NULL: the key is removed */
};

/* The value of a setting's key in the database, or NULL when it has none
 * (or the interface does not exist); valid until the IDL runs again. */
const char *ovsbridge_get_setting(struct ovsbridge *, enum ovsbridge_column,
                                  const char *iface, const char *key);

/* Whether Open_vSwitch.dpdk_initialized is true: DPDK's EAL options
 * (dpdk-socket-mem, dpdk-lcore-mask...) then take effect only when
 * ovs-vswitchd restarts. */
bool ovsbridge_dpdk_initialized(struct ovsbridge *);

/* Writes the 'n' settings in one transaction, only the keys named (the
 * rest of each column stays), and ends once ovs-vswitchd has applied it
 * (cur_cfg) or a few seconds later; settings of Open_vSwitch external_ids
 * alone, which ovs-vswitchd does not read, end once the database has
 * them, without making the switch reconfigure.  -ENODEV, and nothing
 * written, when
 * an interface named is not in the database.  The settings are copied. */
int ovsbridge_configure_start(struct ovsbridge *,
                              const struct ovsbridge_setting *, size_t n,
                              struct ovsbridge_change **changep);
int ovsbridge_configure(struct ovsbridge *, const struct ovsbridge_setting *,
                        size_t n);

#endif /* ovsbridge.h */
