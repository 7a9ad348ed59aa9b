#include <config.h>
#include "hwoffload/vfrep.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hwoffload/sriovfs.h"
#include "hwoffload/sysattr.h"
#include "util.h"

/* Netdev 'name''s attribute 'attr', or NULL. */
static char *
net_attr(const char *root, const char *name, const char *attr)
{
    char *rel = xasprintf("sys/class/net/%s/%s", name, attr);
    char *text = sysattr_get(root, rel);

    free(rel);
    return text;
}

/* The VF that netdev 'name' represents on 'pf''s switch, or -1. */
static int
represented_vf(const char *root, const struct sriovfs_pf *pf,
               const char *name)
{
    char *switch_id = net_attr(root, name, "phys_switch_id");
    char *port = net_attr(root, name, "phys_port_name");
    int pfnum, vf;
    bool ours = (switch_id && port && !strcmp(switch_id, pf->switch_id)
                 && sriovfs_parse_vf_port(port, &pfnum, &vf)
                 && pfnum == sriovfs_pci_function(pf->pci)
                 && vf < pf->numvfs);

    free(switch_id);
    free(port);
    return ours ? vf : -1;
}

static int
compare_reps(const void *a_, const void *b_)
{
    const struct vfrep *a = a_, *b = b_;
    return a->vf < b->vf ? -1 : a->vf > b->vf;
}

int
vfrep_find(const char *root, const struct sriovfs_pf *pf,
           struct vfrep_set *set, char **errp)
{
    char **names;
    size_t n;
    int error;

    memset(set, 0, sizeof *set);
    if (!pf->switch_id || !pf->numvfs) {
        return 0;
    }
    error = sysattr_list(root, "sys/class/net", "", &names, &n, errp);
    for (size_t i = 0; i < n; i++) {
        int vf = represented_vf(root, pf, names[i]);
        if (vf >= 0 && !vfrep_lookup(set, vf)) {
            set->reps = xrealloc(set->reps, (set->n + 1) * sizeof *set->reps);
            set->reps[set->n++] = (struct vfrep) {
                .vf = vf,
                .netdev = xstrdup(names[i]),
                .port_name = xasprintf("pf%dvf%d",
                                       sriovfs_pci_function(pf->pci), vf),
            };
        }
    }
    sysattr_list_free(names, n);
    if (set->n) {
        qsort(set->reps, set->n, sizeof *set->reps, compare_reps);
    }
    return error;
}

void
vfrep_set_destroy(struct vfrep_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->reps[i].netdev);
        free(set->reps[i].port_name);
    }
    free(set->reps);
    memset(set, 0, sizeof *set);
}

const struct vfrep *
vfrep_lookup(const struct vfrep_set *set, int vf)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->reps[i].vf == vf) {
            return &set->reps[i];
        }
    }
    return NULL;
}

const char *
vfrep_eswitch_mode(const char *root, const struct sriovfs_pf *pf,
                   const struct vfrep_set *set)
{
    char *compat = pf->netdev ? net_attr(root, pf->netdev,
                                         "compat/devlink/mode") : NULL;
    const char *mode = set->n ? "switchdev" : "legacy";

    if (compat && !strcmp(compat, "switchdev")) {
        mode = "switchdev";
    } else if (compat && !strcmp(compat, "legacy")) {
        mode = "legacy";
    }
    free(compat);
    return mode;
}

/* The index of VF 'vf_pci' among 'pf''s, or -1. */
static int
vf_index(const struct sriovfs_pf *pf, const char *vf_pci)
{
    for (int i = 0; i < pf->numvfs; i++) {
        if (!strcmp(pf->vfs[i].pci, vf_pci)) {
            return i;
        }
    }
    return -1;
}

static int
read_parent(const char *root, const char *vf_pci, struct sriovfs_pf *pf,
            char **errp)
{
    char *dev = xasprintf("sys/bus/pci/devices/%s", vf_pci);
    char *physfn = xasprintf("%s/physfn", dev), *pf_pci;
    int error = 0;

    if (!sysattr_exists(root, dev)) {
        char *path = sysattr_path(root, dev);
        *errp = xasprintf("%s: no such PCI device", path);
        free(path);
        error = -ENODEV;
    } else if (sysattr_link_name(root, physfn, &pf_pci)) {
        *errp = xasprintf("%s: not a VF (no physfn link)", vf_pci);
        error = -ENOTSUP;
    } else {
        error = sriovfs_read_pf(root, pf_pci, pf, errp);
        free(pf_pci);
    }
    free(physfn);
    free(dev);
    return error;
}

int
vfrep_vf_of(const char *root, const char *vf_pci, struct sriovfs_pf *pf,
            int *indexp, char **errp)
{
    int error = read_parent(root, vf_pci, pf, errp);

    if (error) {
        return error;
    }
    *indexp = vf_index(pf, vf_pci);
    if (*indexp < 0) {
        *errp = xasprintf("%s: its PF %s does not list it among its VFs",
                          vf_pci, pf->pci);
        sriovfs_pf_destroy(pf);
        return -ENOTSUP;
    }
    return 0;
}

int
vfrep_for_vf(const char *root, const char *vf_pci, char **repp, char **errp)
{
    struct sriovfs_pf pf;
    struct vfrep_set set;
    int index;
    int error = vfrep_vf_of(root, vf_pci, &pf, &index, errp);

    *repp = NULL;
    if (error) {
        return error;
    }
    error = vfrep_find(root, &pf, &set, errp);
    if (!error) {
        const struct vfrep *rep = vfrep_lookup(&set, index);
        if (rep) {
            *repp = xstrdup(rep->netdev);
        } else {
            *errp = xasprintf("%s is VF %d of %s, which has no representor "
                              "for it (eswitch mode %s: seine-nic switchdev "
                              "%s)", vf_pci, index, pf.pci,
                              vfrep_eswitch_mode(root, &pf, &set), pf.pci);
            error = -ENOENT;
        }
        vfrep_set_destroy(&set);
    }
    sriovfs_pf_destroy(&pf);
    return error;
}
