/*
 * agentconf: seine-agent's configuration file (YAML), documented in
 * docs/configuration.md.  Every field has a default; the file may be
 * missing fields or be absent entirely (then only defaults apply).
 */
#ifndef AGENTCONF_H
#define AGENTCONF_H 1

#include <stdbool.h>
#include <stddef.h>

enum agentconf_source {
    AGENTCONF_SOURCE_MANIFESTS,     /* a folder of manifests (inotify) */
    AGENTCONF_SOURCE_KUBERNETES,    /* the Kubernetes API */
};

struct agentconf {
    char *ovsdb_socket;         /* ovsdb: unix:/run/openvswitch/db.sock */
    char *ovs_rundir;           /* ovsRunDir: /run/openvswitch */
    char *bridge;               /* bridge: br-int */
    char *gateway_port;         /* gatewayPort: seine-gw0 */
    char *node_name;            /* nodeName: hostname if unset */
    char *pod_cidr;             /* podCIDR, or the IPv4 entry of podCIDRs:
                                 * fixed, or NULL = from Node object */
    char *pod_cidr6;            /* the IPv6 entry of podCIDRs, or NULL */
    char *default_interface_type;  /* defaultInterfaceType: afxdp */
    int mtu;                    /* mtu: 1500 */
    int cni_timeout_ms;         /* cniTimeoutMs: 30000, how long a CNI
                                 * request may wait for OVS */
    int switch_timeout_ms;      /* switchTimeoutMs: 10000, how long OVS may
                                 * take to answer one request */
    char *cni_socket;           /* cniSocket: /run/seine/cni.sock */
    char *state_dir;            /* stateDir: /var/lib/seine */
    char *vhost_socket_dir;     /* vhostSocketDir: /run/seine/vhost */
    bool hw_offload;            /* hwOffload: false; true sets the switch's
                                 * other_config:hw-offload=true */
    bool conntrack_all;         /* conntrackAll: false; true tracks every
                                 * pod packet (docs/pipeline.md) */
    /* sriov: the VFs of sriov attachments (docs/sriov-offload.md) */
    char *sriov_sysfs_root;     /* .sysfsRoot: /, where sys/ is read */
    char *sriov_devinfo_dir;    /* .deviceInfoDir: /var/run/k8s.cni.cncf.io/
                                 * devinfo/dp, device-info files */
    enum agentconf_source source;   /* stateSource.type: manifests */
    char *manifest_dir;         /* stateSource.path: /etc/seine/manifests */
    char *kubeconfig;           /* stateSource.kubeconfig: NULL = in-cluster */
    char *kube_context;         /* stateSource.context: NULL = current */
    bool kube_allow_insecure;   /* stateSource.allowInsecure: false */
    char *metrics_address;      /* metrics.address: 127.0.0.1 */
    int metrics_port;           /* metrics.port: 9464 (0: no endpoint) */
    char *metrics_tls_cert;     /* metrics.tlsCertFile: NULL */
    char *metrics_tls_key;      /* metrics.tlsKeyFile: NULL */
    char *metrics_token_file;   /* metrics.tokenFile: NULL */
    bool metrics_insecure;      /* metrics.insecure: false */
    bool metrics_allow_pods;    /* metrics.allowPods: false */
    int metrics_rule_stats_limit;   /* metrics.ruleStatsLimit: 1000, the
                                     * most rules with counters of their
                                     * own */
    /* flowExport: connection records over IPFIX (docs/flow-export.md) */
    char *flow_collector;       /* .collector: NULL = no export, else
                                 * "udp:HOST:PORT" or "tcp:HOST:PORT" */
    int flow_poll_s;            /* .pollIntervalS: 5 */
    int flow_active_timeout_s;  /* .activeTimeoutS: 60 */
    int flow_idle_timeout_s;    /* .idleTimeoutS: 15 */
    int flow_template_refresh_s;    /* .templateRefreshS: 60 (UDP) */
    int flow_denied_pps;        /* .deniedPerSecond: 100, the most dropped
                                 * packets a second sampled for records */
    int flow_enterprise;        /* .enterpriseNumber: 32473 */
    int flow_max_rate;          /* .maxMessagesPerSecond: 2000 (UDP) */
    int flow_max_queue;         /* .maxQueuedMessages: 8192 */
    char *log_level;            /* logLevel: info (OVS vlog level) */
    char *uplink;               /* uplink: NULL = one node, no underlay;
                                 * else the uplink port's name (for afxdp
                                 * the NIC's kernel interface) */
    char *uplink_type;          /* uplinkType: afxdp (or dpdk) */
    char *uplink_devargs;       /* uplinkDevargs: NULL; dpdk's
                                 * dpdk-devargs, a PCI address or a vdev */
    int uplink_rxqs;            /* uplinkRxqs: 0 = OVS's default (1) */
    int uplink_mtu;             /* uplinkMtu: 0 = the kernel interface's,
                                 * or 1500 with nodeIP */
    char *node_ip;              /* nodeIP: NULL = the uplink's kernel
                                 * interface's address; else IPv4/prefix */
    char *tunnel_type;          /* tunnelType: geneve (or vxlan) */
    char *encap_mode;           /* encapMode: encap (or noEncap) */
    /* pmd: the PMD plan applied at start-up (docs/pmd-config.md) */
    bool pmd_apply;             /* .apply: false */
    char *pmd_intent;           /* .intent: NULL = intentFile's, else
                                 * shared (or dedicated) */
    char *pmd_intent_file;      /* .intentFile: NULL, a seine-pmd JSON
                                 * intent */
};

/* Loads 'path' over the defaults.  0, or -errno with '*err' set to a
 * message naming the file, line and field (caller frees).  A missing file
 * is -ENOENT.  Unknown keys, a key given twice, values out of range and
 * keys that contradict each other (uplinkType dpdk without uplinkDevargs)
 * are -EINVAL.  On error '*conf' holds nothing (all NULL), so the caller may
 * fall back to agentconf_defaults() or agentconf_destroy() it. */
int agentconf_load(const char *path, struct agentconf *, char **err);
/* The same for the 'len' bytes of 'text', which messages call 'name'. */
int agentconf_parse(const char *name, const char *text, size_t len,
                    struct agentconf *, char **err);
/* Fills only the defaults. */
void agentconf_defaults(struct agentconf *);
void agentconf_destroy(struct agentconf *);

#endif /* agentconf.h */
