/*
 * cniproto: the versioned request/response protocol between seine-cni and
 * seine-agent (documented in docs/cni-protocol.md).
 *
 * One request per connection on the agent's unix socket: the plugin writes
 * one JSON object, shuts down its write side, reads one JSON object back.
 * The agent always answers in the newest CNI result form (1.1.0); the plugin
 * converts it to the cniVersion the runtime asked for.
 */
#ifndef CNIPROTO_H
#define CNIPROTO_H 1

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* Marks a parameter a callback's signature has and its body does not use
 * (the plugin is built without libopenvswitch and its OVS_UNUSED). */
#define CNIPROTO_UNUSED __attribute__((__unused__))

#define CNIPROTO_VERSION 1
#define CNIPROTO_MAX_MSG (1024 * 1024)

/* CNI spec error codes (CNI spec 1.1.0, "Error" section). */
enum cni_error_code {
    CNI_ERR_INCOMPATIBLE_VERSION = 1,
    CNI_ERR_UNSUPPORTED_FIELD = 2,
    CNI_ERR_UNKNOWN_CONTAINER = 3,
    CNI_ERR_INVALID_ENV = 4,
    CNI_ERR_IO = 5,
    CNI_ERR_DECODE = 6,
    CNI_ERR_INVALID_CONFIG = 7,
    CNI_ERR_TRY_AGAIN = 11,
    CNI_ERR_PLUGIN_NOT_AVAILABLE = 50,
    CNI_ERR_PLUGIN_LIMITED = 51,
    /* 100+ are plugin-specific. */
    CNI_ERR_INTERNAL = 100,
};

enum cniproto_cmd {
    CNIPROTO_ADD,
    CNIPROTO_DEL,
    CNIPROTO_CHECK,
    CNIPROTO_STATUS,
    CNIPROTO_GC,
};

/* One pod attachment the runtime still holds (GC's valid-attachments). */
struct cniproto_attachment {
    char *container_id;
    char *ifname;
};

/* What the plugin sends.  Strings are owned by the struct. */
/* Whether an attachment takes the pod's default route. */
enum cniproto_default_route {
    CNIPROTO_ROUTE_AUTO,        /* the pod's first kernel attachment does */
    CNIPROTO_ROUTE_YES,
    CNIPROTO_ROUTE_NO,
};

struct cniproto_request {
    enum cniproto_cmd cmd;
    char *cni_version;          /* as requested by the runtime */
    char *container_id;         /* ADD/DEL/CHECK */
    char *netns;                /* ADD/CHECK; may be empty on DEL */
    char *ifname;               /* ADD/DEL/CHECK */
    char *pod_namespace;        /* K8S_POD_NAMESPACE, may be NULL */
    char *pod_name;             /* K8S_POD_NAME, may be NULL */
    char *pod_uid;              /* K8S_POD_UID, may be NULL */
    char *network_name;         /* network config "name" */
    char *interface_type;       /* config "interfaceType" or NULL (agent default) */
    int mtu;                    /* config "mtu" or 0 (agent default) */
    char *vhost_socket_dir;     /* config "vhostSocketDir" or NULL */
    char *static_ip;            /* ADD: the address asked for ("A.B.C.D"
                                 * or "A.B.C.D/LEN"), or NULL */
    char *static_mac;           /* ADD: the MAC asked for, or NULL */
    char *device_id;            /* sriov: the VF's PCI address ("deviceID"
                                 * as Multus passes it), or NULL */
    char *vf_config;            /* sriov: the VF settings the network asks
                                 * of the PF, "vlan=V qos=Q spoofchk=on|off
                                 * trust=on|off link=auto|enable|disable"
                                 * (each optional), or NULL */
    enum cniproto_default_route default_route;  /* config "defaultRoute" */
    struct cniproto_attachment *valid;  /* GC only */
    size_t n_valid;
};

/* The result, in CNI 1.1.0 terms.  At most a few interfaces/ips/routes. */
struct cniproto_iface {
    char *name;
    char *mac;
    char *sandbox;              /* netns path, NULL for host-side */
    char *socket_path;          /* vhost-user socket, or NULL */
    char *pci_id;               /* sriov: the VF's PCI address, or NULL */
    int mtu;                    /* 0: not reported */
};

struct cniproto_ip {
    char *address;              /* "10.244.1.5/24" */
    char *gateway;              /* "10.244.1.1" or NULL */
    int interface;              /* index into ifaces, -1 for none */
};

struct cniproto_route {
    char *dst;                  /* "0.0.0.0/0" */
    char *gw;                   /* or NULL */
};

#define CNIPROTO_MAX_ITEMS 4

struct cniproto_result {
    struct cniproto_iface ifaces[CNIPROTO_MAX_ITEMS];
    size_t n_ifaces;
    struct cniproto_ip ips[CNIPROTO_MAX_ITEMS];
    size_t n_ips;
    struct cniproto_route routes[CNIPROTO_MAX_ITEMS];
    size_t n_routes;
    char *dns_nameservers[CNIPROTO_MAX_ITEMS];
    size_t n_dns_nameservers;
};

/* What the agent answers: either ok with an optional result (ADD), or a CNI
 * error code with msg/details. */
struct cniproto_response {
    bool ok;
    int code;
    char *msg;
    char *details;
    bool has_result;
    struct cniproto_result result;
};

const char *cniproto_cmd_name(enum cniproto_cmd);
int cniproto_cmd_from_name(const char *, enum cniproto_cmd *);

/* Encoding and decoding.  Decoders return 0 or a negative errno, and on
 * error put a human-readable reason in '*err' (caller frees). */
struct json_object *cniproto_request_to_json(const struct cniproto_request *);
int cniproto_request_from_json(struct json_object *, struct cniproto_request *,
                               char **err);
struct json_object *cniproto_response_to_json(const struct cniproto_response *);
int cniproto_response_from_json(struct json_object *,
                                struct cniproto_response *, char **err);
struct json_object *cniproto_result_to_json(const struct cniproto_result *);
int cniproto_result_from_json(struct json_object *, struct cniproto_result *,
                              char **err);

void cniproto_request_destroy(struct cniproto_request *);
void cniproto_response_destroy(struct cniproto_response *);
void cniproto_result_destroy(struct cniproto_result *);

/* Fills 'resp' as an error; 'fmt' is printf-like for msg. */
void cniproto_response_error(struct cniproto_response *, int code,
                             const char *details, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Blocking one-shot exchange used by the plugin: connects to 'path',
 * sends 'req', reads the answer.  Returns 0, or -errno when the agent
 * cannot be reached (-ENOENT, -ECONNREFUSED, ...) or answers garbage. */
int cniproto_call(const char *path, const struct cniproto_request *req,
                  struct cniproto_response *resp, int timeout_ms);

/* Parses 'buf' as exactly one JSON object, optionally followed by white
 * space (a message written by hand, or a config file's last newline).
 * Returns 0, -ENODATA (nothing but white space) or -EBADMSG (not JSON,
 * more after it, or not an object); '*whyp', if non-NULL, says which. */
int cniproto_parse_object(const char *buf, size_t len,
                          struct json_object **objp, const char **whyp);

/* Socket framing shared by both ends: read one whole message (until EOF,
 * at most CNIPROTO_MAX_MSG) and write one.  Return 0 or -errno. */
int cniproto_read_msg(int fd, struct json_object **msg, int timeout_ms);
int cniproto_write_msg(int fd, struct json_object *msg);

#endif /* cniproto.h */
