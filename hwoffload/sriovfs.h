/*
 * sriovfs: the SR-IOV physical functions of a host and their virtual
 * functions, as sysfs shows them below a root (sysattr.h).
 *
 * A PF is a PCI device with sriov_totalvfs (what the device can have) and
 * sriov_numvfs (what it has now); its VFs are the targets of its virtfnN
 * links, N being the VF's index (the N of a representor's pfMvfN).  A
 * device's netdevs are the entries of its net/ folder; its driver is the
 * name its driver link points to.  A VF without a netdev, bound to a
 * userspace I/O driver, is for a DPDK application (sriov-cni's "DPDK
 * mode"): nothing is moved into the pod but the device.
 *
 * A PF's net/ folder also holds its representors in switchdev mode
 * (mlx5): its own netdev is the one whose phys_port_name is not a VF's.
 */
#ifndef HWOFFLOAD_SRIOVFS_H
#define HWOFFLOAD_SRIOVFS_H 1

#include <stdbool.h>
#include <stddef.h>

enum sriovfs_vf_mode {
    SRIOVFS_VF_NETDEV,          /* a kernel netdev, moved into the pod */
    SRIOVFS_VF_DPDK,            /* vfio-pci, uio_pci_generic, igb_uio */
    SRIOVFS_VF_UNBOUND,         /* no driver */
    SRIOVFS_VF_OTHER,           /* a kernel driver but no netdev here:
                                 * moved into a pod's namespace (sysfs
                                 * shows a namespace's own netdevs only),
                                 * or a driver that makes none */
};

struct sriovfs_vf {
    int index;                  /* N of the PF's virtfnN */
    char *pci;                  /* "0000:03:00.2" */
    char *driver;               /* NULL: unbound */
    char *netdev;               /* NULL: none */
    enum sriovfs_vf_mode mode;
};

struct sriovfs_pf {
    char *pci;
    char *driver;               /* NULL: unbound */
    char *netdev;               /* the PF's own netdev, NULL if none */
    char *switch_id;            /* its netdev's phys_switch_id, or NULL */
    int totalvfs;
    int numvfs;
    struct sriovfs_vf *vfs;     /* 'numvfs' of them, by index */
};

struct sriovfs_host {
    struct sriovfs_pf *pfs;     /* by PCI address */
    size_t n_pfs;
};

/* Every PF below 'root' (sys/bus/pci/devices) into 'host'.  0, or a
 * negative errno with why in '*errp' (the first PF whose tree is wrong
 * fails the scan: a table that leaves a NIC out misleads). */
int sriovfs_scan(const char *root, struct sriovfs_host *, char **errp);
void sriovfs_host_destroy(struct sriovfs_host *);

/* PF 'pci' into 'pf'.  -ENODEV when there is no such device, -ENOTSUP
 * when it is not a PF (no sriov_totalvfs), -EINVAL when its tree is
 * inconsistent; always with why in '*errp'. */
int sriovfs_read_pf(const char *root, const char *pci, struct sriovfs_pf *,
                    char **errp);
void sriovfs_pf_destroy(struct sriovfs_pf *);

/* The PCI address of 'name', a PCI address or a netdev name, in '*pcip'.
 * 0, or -ENODEV with why in '*errp'. */
int sriovfs_resolve(const char *root, const char *name, char **pcip,
                    char **errp);

/* Gives PF 'pf' 'n' VFs: writes sriov_numvfs, 0 first when it has some
 * (the kernel refuses to change a non-zero count to another one).
 * -ERANGE when 'n' exceeds sriov_totalvfs, or -errno of the write, with
 * why in '*errp' (which says so when the PF was left with none). */
int sriovfs_set_numvfs(const char *root, const struct sriovfs_pf *, int n,
                       char **errp);

/* True when 'name' is a VF representor's phys_port_name, "pfMvfN", with
 * M and N in '*pfp' and '*vfp'. */
bool sriovfs_parse_vf_port(const char *name, int *pfp, int *vfp);

/* The PCI function of 'pci' ("0000:03:00.1": 1), or -1. */
int sriovfs_pci_function(const char *pci);

const char *sriovfs_vf_mode_name(enum sriovfs_vf_mode);

#endif /* hwoffload/sriovfs.h */
