/*
 * vfrep: which netdev represents which VF on the PF's embedded switch.
 *
 * In switchdev mode each VF has a representor: a netdev on the host whose
 * phys_switch_id is the PF's and whose phys_port_name is "pfMvfN", M the
 * PF's PCI function and N the VF's index.  What the VF sends comes out of
 * its representor and what goes into the representor reaches the VF, so
 * the representor is the port of the VF that goes into the bridge.  In
 * legacy mode there are none: the VFs hang off the NIC's own L2 switch.
 *
 * Representors are looked for among all netdevs (sys/class/net), not only
 * in the PF's net/ folder: mlx5 puts them there, other drivers do not.
 */
#ifndef HWOFFLOAD_VFREP_H
#define HWOFFLOAD_VFREP_H 1

#include <stddef.h>

struct sriovfs_pf;

struct vfrep {
    int vf;                     /* the VF's index */
    char *netdev;
    char *port_name;            /* "pf0vf3" */
};

struct vfrep_set {
    struct vfrep *reps;         /* by VF index */
    size_t n;
};

/* The representors of 'pf''s VFs into 'set' (none when the PF has no
 * phys_switch_id).  0, or a negative errno with why in '*errp'. */
int vfrep_find(const char *root, const struct sriovfs_pf *,
               struct vfrep_set *, char **errp);
void vfrep_set_destroy(struct vfrep_set *);

/* The representor of VF 'vf' in 'set', or NULL. */
const struct vfrep *vfrep_lookup(const struct vfrep_set *, int vf);

/* 'pf''s eswitch mode as sysfs tells it, "switchdev" or "legacy": what
 * mlx5's compat/devlink/mode says where it exists, otherwise switchdev
 * exactly when the VFs have representors.  devlink (eswitch.h) is the
 * authority where the kernel has it. */
const char *vfrep_eswitch_mode(const char *root, const struct sriovfs_pf *,
                               const struct vfrep_set *);

/* The PF of the VF at PCI address 'vf_pci' into 'pf' (the caller destroys
 * it) and the VF's index among its VFs into '*indexp'.  0; -ENODEV (no
 * such device), -ENOTSUP (not a VF) or the PF's reading error, with why
 * in '*errp'. */
int vfrep_vf_of(const char *root, const char *vf_pci, struct sriovfs_pf *,
                int *indexp, char **errp);

/* The representor of the VF at PCI address 'vf_pci' (what Multus passes
 * as deviceID) in '*repp' (the caller frees it).  0; -ENODEV (no such
 * device), -ENOTSUP (not a VF) or -ENOENT (no representor: legacy mode),
 * or the PF's reading error, with why in '*errp'. */
int vfrep_for_vf(const char *root, const char *vf_pci, char **repp,
                 char **errp);

#endif /* hwoffload/vfrep.h */
