/*
 * podstore: the pod attachments of this node, one record per
 * (containerID, ifname), kept in memory and on disk
 * (STATE_DIR/pods/<containerID>_<ifname>.json, written atomically with
 * write + fsync + rename).  A restarted agent rebuilds its pod flows from
 * these records, and DEL, CHECK and GC look attachments up here.
 *
 * A record is written only once an attachment is complete and removed
 * last on DEL, once every other piece is gone, so a retried DEL finds it.
 * What a half-done ADD made is rolled back by the ADD itself, and what a
 * crash left without a record goes in the agent's sweep (podsweep.h).
 * Temporary files of a write cut short are removed when the store opens.
 *
 * Every record says its layout: the oldest format that holds all it says
 * (release 0.1.0 wrote none, and its records are format 1; format 2 adds
 * the "sriov" object of an sriov attachment, so only those say 2 and an
 * agent of format 1 still reads a node without them; format 3 adds a
 * dual-stack pod's "ip6" and "prefixLength6", said only by such pods).  A record of a
 * format newer than PODSTORE_FORMAT stops podstore_open: an older agent
 * must not guess at a newer record and then treat the pod as unknown,
 * which the sweep would tear down
 * (agent/core/formats.h).
 */
#ifndef PODSTORE_H
#define PODSTORE_H 1

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>
#include "openvswitch/hmap.h"

#define PODSTORE_FORMAT 3

enum podstore_type {
    PODSTORE_AFXDP,
    PODSTORE_VHOSTUSER,
    PODSTORE_TAP,
    PODSTORE_SRIOV,
};

/* The VF of an sriov attachment and its netdev as it was before the pod
 * got it, for DEL to put back. */
struct podrec_vf {
    char *pci;                      /* its PCI address (deviceID) */
    char *netdev;                   /* its host name; NULL: DPDK mode */
    uint8_t mac[6];
    int mtu;
    bool up;
    char *vf_info;                  /* VLAN, spoofchk and trust from the
                                     * PF, or why they were not read */
    char *devinfo_path;             /* DPDK: the device-info file, or NULL */
};

struct podrec {
    struct hmap_node node;          /* in podstore, by container_id+ifname */
    char *container_id;
    char *ifname;
    char *netns;
    enum podstore_type type;
    char *port_name;                /* OVS port; also the host-side link */
    int64_t ofport;                 /* the port's number in the pod's flows
                                     * (not on disk: read from OVS) */
    uint64_t owner;                 /* cookie owner of the pod's flows */
    uint8_t mac[6];
    struct in_addr ip;
    int prefix_len;
    bool has_ip6;                   /* a dual-stack pod's IPv6 address */
    struct in6_addr ip6;
    int prefix_len6;
    char *socket_dir;               /* vhostuser: per-pod folder, else NULL */
    char *socket_path;              /* vhostuser: the socket, else NULL */
    char *pod_namespace;            /* may be NULL */
    char *pod_name;                 /* may be NULL */
    char *pod_uid;                  /* may be NULL */
    int mtu;
    bool default_route;             /* the pod's default route is via this
                                     * interface (its first kernel one) */
    struct podrec_vf *vf;           /* sriov, else NULL; the port is the
                                     * VF's representor */
};

struct podstore {
    char *dir;
    struct hmap recs;
};

const char *podstore_type_name(enum podstore_type);
int podstore_type_from_name(const char *, enum podstore_type *);

/* Opens 'state_dir'/pods (created 0700 if missing) and loads every record;
 * unreadable files are logged and skipped.  0 or -errno:
 * -EPROTONOSUPPORT when a record is of a newer format (logged with its
 * path). */
int podstore_open(const char *state_dir, struct podstore *);
void podstore_close(struct podstore *);

struct podrec *podstore_find(const struct podstore *, const char *container_id,
                             const char *ifname);

/* Writes 'rec' to disk and takes ownership of it (it replaces a record with
 * the same key).  On error 'rec' stays the caller's.  0 or -errno. */
int podstore_put(struct podstore *, struct podrec *rec);

/* Removes the record from disk and memory and frees it. */
int podstore_remove(struct podstore *, struct podrec *);

size_t podstore_count(const struct podstore *);

/* 0 when records can be written and removed, else -errno (-EROFS for a
 * read-only mount), so a DEL can refuse before it undoes anything. */
int podstore_check_writable(const struct podstore *);

/* The host-side name of a pod attachment's port and link: the prefix, the
 * low 32 bits of the attachment's hash and a sequence number, as 10
 * lowercase hex characters ("seine0a1b2c3d07"). */
#define PODSTORE_PORT_PREFIX "seine"
#define PODSTORE_PORT_HEX 10
char *podstore_port_name(uint64_t hash, uint8_t seq);
bool podstore_is_port_name(const char *);

void podrec_destroy(struct podrec *);
void podrec_vf_destroy(struct podrec_vf *);

#define PODSTORE_FOR_EACH_SAFE(REC, STORE) \
    HMAP_FOR_EACH_SAFE (REC, node, &(STORE)->recs)

#endif /* podstore.h */
