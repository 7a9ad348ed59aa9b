/*
 * sriovvf: the virtual function of an sriov attachment (docs/sriov-offload.md).
 *
 * The VF is named by its PCI address (the "deviceID" Multus passes); sysfs
 * below the agent's sriov.sysfsRoot says its mode (a kernel netdev, or a
 * userspace I/O driver for DPDK), its PF and its representor, which is the
 * VF's port on br-int.  Before a pod gets a kernel VF, its netdev's name,
 * MAC, MTU and link state are saved, with its administrative MAC, VLAN,
 * spoofchk, trust and link state as the PF's netlink IFLA_VF_INFO gives
 * them; ADD makes the pod's MAC the VF's administrative MAC, and DEL puts
 * all of it back and the netdev in the host namespace.
 *
 * Functions return 0 or a negative errno, with why in '*whyp' where they
 * take one.
 */
#ifndef SRIOVVF_H
#define SRIOVVF_H 1

#include <stdint.h>

#include "hwoffload/sriovfs.h"

struct podrec_vf;

/* What sysfs says of one VF. */
struct sriovvf_dev {
    char *pci;
    char *pf_pci;
    char *pf_netdev;            /* NULL: the PF has none */
    int index;                  /* the VF's index on its PF */
    enum sriovfs_vf_mode mode;
    char *driver;               /* NULL: unbound */
    char *netdev;               /* NULL: none in this namespace */
    char *representor;          /* its representor's netdev */
};

/* The VF at 'pci' below 'root' into 'dev'.  -ENODEV (no such device),
 * -ENOTSUP (not a VF), -ENOENT (no representor: the PF's eswitch is not
 * in switchdev mode). */
int sriovvf_lookup(const char *root, const char *pci, struct sriovvf_dev *,
                   char **whyp);
void sriovvf_dev_destroy(struct sriovvf_dev *);

/* Saves 'dev' as it is now into 'vf' (pci and netdev included): its
 * netdev's MAC, MTU and link state, when it has one, and its settings on
 * its PF (vfsettings.h) when the PF's netdev is in this namespace and
 * reports them, else why they were not read, in vf->vf_info. */
int sriovvf_save(const struct sriovvf_dev *, struct podrec_vf *vf);

/* Sets through the VF's PF its administrative MAC to 'mac' and the
 * settings 'vf_config' names (vfsettings text: the network's "vlan",
 * "spoofchk"...; NULL: none).  When sriovvf_save() could not read the VF's
 * settings there, nothing is written, and asking for settings is an error
 * (-ENOTSUP) with why in '*whyp', as is text that does not parse
 * (-EINVAL). */
int sriovvf_configure(const struct sriovvf_dev *, const struct podrec_vf *vf,
                      const uint8_t mac[6], const char *vf_config,
                      char **whyp);

/* Writes back the settings on its PF that sriovvf_save() recorded in 'vf'
 * (none: nothing to do), the PF found through sysfs below 'root'. */
int sriovvf_restore_pf(const char *root, const struct podrec_vf *vf,
                       char **whyp);

/* Puts VF 'vf' back: link 'pod_ifname' of namespace 'netns' (NULL or
 * gone: none) renamed to its saved name and moved to this namespace; or,
 * when it is not there (a deleted namespace hands a physical device back
 * to the host), its netdev as sysfs below 'root' names it now.  Then its
 * saved MAC, MTU and link state.  -ENODEV when the VF's netdev is nowhere
 * to be found. */
int sriovvf_restore(const char *root, const char *netns,
                    const char *pod_ifname, const struct podrec_vf *vf,
                    char **whyp);

/* A DPDK-mode VF's representor as OVS's DPDK datapath names it:
 * "<PF PCI>,representor=vf<N>" (the port's dpdk-devargs). */
char *sriovvf_rep_devargs(const struct sriovvf_dev *);

/* Writes the Network Plumbing WG device-info file (spec 1.1.0, type "pci")
 * of 'dev' to 'path', atomically, for the pod's DPDK application. */
int sriovvf_write_devinfo(const char *path, const struct sriovvf_dev *);

/* Brings representor 'name' up (in this namespace). */
int sriovvf_rep_up(const char *name);

#endif /* sriovvf.h */
