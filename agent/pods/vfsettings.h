/*
 * vfsettings: what a VF's PF holds for it (docs/sriov-offload.md).
 *
 * A VF's administrative MAC, VLAN, spoofchk, trust and link state are the
 * PF's: read from the PF's IFLA_VF_INFO and written with IFLA_VFINFO_LIST
 * in an RTM_NEWLINK to the PF (what "ip link set PF vf N ..." does).  An
 * sriov attachment saves them in its pod record before ADD sets the pod's
 * MAC as the VF's administrative MAC, and DEL writes them back.
 *
 * The record keeps them as text, "mac=M vlan=V qos=Q spoofchk=on|off
 * trust=on|off link=auto|enable|disable", each key optional, or a sentence
 * starting "skipped:" when they could not be read.
 *
 * Functions return 0 or a negative errno.
 */
#ifndef VFSETTINGS_H
#define VFSETTINGS_H 1

#include <stdbool.h>
#include <stdint.h>

struct nl_sock;
struct rtnl_link;

enum vfsettings_field {
    VFSETTINGS_MAC = 1 << 0,
    VFSETTINGS_VLAN = 1 << 1,       /* vlan and qos */
    VFSETTINGS_SPOOFCHK = 1 << 2,
    VFSETTINGS_TRUST = 1 << 3,
    VFSETTINGS_LINK = 1 << 4,
};

struct vfsettings {
    unsigned int fields;            /* enum vfsettings_field: those set */
    uint8_t mac[6];
    uint32_t vlan, qos;
    bool spoofchk, trust;
    uint32_t link;                  /* IFLA_VF_LINK_STATE_* */
};

/* VF 'index' of PF netdev 'pf_netdev' as the PF reports it, into 's'.
 * -ENOTSUP when the PF reports nothing of the VF (no SR-IOV netlink). */
int vfsettings_read(struct nl_sock *, const char *pf_netdev, int index,
                    struct vfsettings *s);

/* Writes the fields set in 's' for VF 'index' of 'pf_netdev'. */
int vfsettings_write(struct nl_sock *, const char *pf_netdev, int index,
                     const struct vfsettings *s);

/* The change that vfsettings_write() applies, for rtnl_link_change() (and
 * for tests, which encode it). */
struct rtnl_link *vfsettings_change(int index, const struct vfsettings *);

/* The record's text for 's', and back.  -EINVAL for text that is neither
 * settings nor a "skipped:" sentence; a "skipped:" sentence (or NULL, a
 * record from before the settings were kept) parses to no fields. */
char *vfsettings_format(const struct vfsettings *);
int vfsettings_parse(const char *text, struct vfsettings *);

#endif /* vfsettings.h */
