#include <config.h>
#include "hwoffload/sriovfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwoffload/sysattr.h"
#include "util.h"

#define PCI_DEVICES "sys/bus/pci/devices"

/* Drivers that hand a VF to a userspace (DPDK) application. */
static const char *const dpdk_drivers[] = {
    "vfio-pci", "uio_pci_generic", "igb_uio",
};

static char *
dev_rel(const char *pci, const char *attr)
{
    return xasprintf(PCI_DEVICES "/%s/%s", pci, attr);
}

/* 'pci''s attribute 'attr' as a count. */
static int
read_count(const char *root, const char *pci, const char *attr, int *valuep,
           char **errp)
{
    char *rel = dev_rel(pci, attr);
    int error = sysattr_read_uint(root, rel, valuep, errp);

    free(rel);
    return error;
}

/* The name of the link 'attr' of 'pci' (its driver, its PF), or NULL. */
static char *
link_name(const char *root, const char *pci, const char *attr)
{
    char *rel = dev_rel(pci, attr), *name;

    sysattr_link_name(root, rel, &name);
    free(rel);
    return name;
}

/* Attribute 'attr' of netdev 'name' of 'pci', or NULL. */
static char *
netdev_attr(const char *root, const char *pci, const char *name,
            const char *attr)
{
    char *rel = xasprintf(PCI_DEVICES "/%s/net/%s/%s", pci, name, attr);
    char *text = sysattr_get(root, rel);

    free(rel);
    return text;
}

/* The first netdev of 'pci' that is not a VF representor, or NULL. */
static char *
own_netdev(const char *root, const char *pci)
{
    char *rel = dev_rel(pci, "net"), *err = NULL, *found = NULL;
    char **names;
    size_t n;

    if (!sysattr_list(root, rel, "", &names, &n, &err)) {
        for (size_t i = 0; i < n && !found; i++) {
            char *port = netdev_attr(root, pci, names[i], "phys_port_name");
            int pf, vf;
            if (!port || !sriovfs_parse_vf_port(port, &pf, &vf)) {
                found = xstrdup(names[i]);
            }
            free(port);
        }
        sysattr_list_free(names, n);
    }
    free(err);
    free(rel);
    return found;
}

static enum sriovfs_vf_mode
vf_mode(const struct sriovfs_vf *vf)
{
    if (vf->netdev) {
        return SRIOVFS_VF_NETDEV;
    }
    if (!vf->driver) {
        return SRIOVFS_VF_UNBOUND;
    }
    for (size_t i = 0; i < ARRAY_SIZE(dpdk_drivers); i++) {
        if (!strcmp(vf->driver, dpdk_drivers[i])) {
            return SRIOVFS_VF_DPDK;
        }
    }
    return SRIOVFS_VF_OTHER;
}

/* VF 'index' of 'pf', the target of its link 'link' (virtfnN). */
static int
read_vf(const char *root, struct sriovfs_pf *pf, const char *link, int index,
        char **errp)
{
    struct sriovfs_vf *vf = &pf->vfs[index];
    char *rel = dev_rel(pf->pci, link), *path = sysattr_path(root, rel);
    int error = 0;

    vf->pci = link_name(root, pf->pci, link);
    if (!vf->pci) {
        *errp = xasprintf("%s: not a link to a VF", path);
        error = -EINVAL;
    } else if (!sysattr_exists(root, rel)) {
        *errp = xasprintf("%s: a dangling link (VF %s is not in %s/"
                          PCI_DEVICES ")", path, vf->pci, root);
        error = -EINVAL;
    } else {
        vf->driver = link_name(root, vf->pci, "driver");
        vf->netdev = own_netdev(root, vf->pci);
        vf->mode = vf_mode(vf);
    }
    free(path);
    free(rel);
    return error;
}

/* The index N of link name "virtfnN", or -1. */
static int
virtfn_index(const char *name)
{
    int index;

    return (!strncmp(name, "virtfn", 6) && str_to_int(name + 6, 10, &index)
            && index >= 0 ? index : -1);
}

static int
read_vfs(const char *root, struct sriovfs_pf *pf, char **errp)
{
    char *rel = dev_rel(pf->pci, ""), *path = sysattr_path(root, rel);
    char **names;
    size_t n;
    int error = sysattr_list(root, rel, "virtfn", &names, &n, errp);

    pf->vfs = xcalloc(pf->numvfs ? pf->numvfs : 1, sizeof *pf->vfs);
    for (int i = 0; i < pf->numvfs; i++) {
        pf->vfs[i].index = i;
    }
    if (!error && n != (size_t) pf->numvfs) {
        *errp = xasprintf("%s: sriov_numvfs is %d but there are %zu "
                          "virtfn links", pf->pci, pf->numvfs, n);
        error = -EINVAL;
    }
    for (size_t i = 0; i < n && !error; i++) {
        int index = virtfn_index(names[i]);
        if (index < 0 || index >= pf->numvfs || pf->vfs[index].pci) {
            *errp = xasprintf("%s%s: not a VF link of a PF with %d VFs",
                              path, names[i], pf->numvfs);
            error = -EINVAL;
        } else {
            error = read_vf(root, pf, names[i], index, errp);
        }
    }
    sysattr_list_free(names, n);
    free(path);
    free(rel);
    return error;
}

static int
read_counts(const char *root, struct sriovfs_pf *pf, char **errp)
{
    char *dev = xasprintf(PCI_DEVICES "/%s", pf->pci);
    char *total = dev_rel(pf->pci, "sriov_totalvfs");
    int error = 0;

    if (!sysattr_exists(root, dev)) {
        char *path = sysattr_path(root, dev);
        *errp = xasprintf("%s: no such PCI device", path);
        free(path);
        error = -ENODEV;
    } else if (!sysattr_exists(root, total)) {
        *errp = xasprintf("%s: not an SR-IOV PF (no sriov_totalvfs)",
                          pf->pci);
        error = -ENOTSUP;
    }
    free(total);
    free(dev);
    if (error) {
        return error;
    }
    error = read_count(root, pf->pci, "sriov_totalvfs", &pf->totalvfs, errp);
    if (!error) {
        error = read_count(root, pf->pci, "sriov_numvfs", &pf->numvfs, errp);
    }
    if (!error && pf->numvfs > pf->totalvfs) {
        *errp = xasprintf("%s: sriov_numvfs %d exceeds sriov_totalvfs %d",
                          pf->pci, pf->numvfs, pf->totalvfs);
        error = -EINVAL;
    }
    return error;
}

int
sriovfs_read_pf(const char *root, const char *pci, struct sriovfs_pf *pf,
                char **errp)
{
    int error;

    memset(pf, 0, sizeof *pf);
    pf->pci = xstrdup(pci);
    error = read_counts(root, pf, errp);
    if (!error) {
        error = read_vfs(root, pf, errp);
    }
    if (!error) {
        pf->driver = link_name(root, pci, "driver");
        pf->netdev = own_netdev(root, pci);
        pf->switch_id = (pf->netdev
                         ? netdev_attr(root, pci, pf->netdev,
                                       "phys_switch_id")
                         : NULL);
    }
    if (error) {
        sriovfs_pf_destroy(pf);
    }
    return error;
}

void
sriovfs_pf_destroy(struct sriovfs_pf *pf)
{
    for (int i = 0; pf->vfs && i < pf->numvfs; i++) {
        free(pf->vfs[i].pci);
        free(pf->vfs[i].driver);
        free(pf->vfs[i].netdev);
    }
    free(pf->vfs);
    free(pf->pci);
    free(pf->driver);
    free(pf->netdev);
    free(pf->switch_id);
    memset(pf, 0, sizeof *pf);
}

int
sriovfs_scan(const char *root, struct sriovfs_host *host, char **errp)
{
    char **names;
    size_t n;
    int error = sysattr_list(root, PCI_DEVICES, "", &names, &n, errp);

    memset(host, 0, sizeof *host);
    for (size_t i = 0; i < n && !error; i++) {
        char *rel = dev_rel(names[i], "sriov_totalvfs");
        if (sysattr_exists(root, rel)) {
            host->pfs = xrealloc(host->pfs,
                                 (host->n_pfs + 1) * sizeof *host->pfs);
            error = sriovfs_read_pf(root, names[i],
                                    &host->pfs[host->n_pfs], errp);
            host->n_pfs += !error;
        }
        free(rel);
    }
    sysattr_list_free(names, n);
    if (error) {
        sriovfs_host_destroy(host);
    }
    return error;
}

void
sriovfs_host_destroy(struct sriovfs_host *host)
{
    for (size_t i = 0; i < host->n_pfs; i++) {
        sriovfs_pf_destroy(&host->pfs[i]);
    }
    free(host->pfs);
    memset(host, 0, sizeof *host);
}

int
sriovfs_resolve(const char *root, const char *name, char **pcip,
                char **errp)
{
    bool plain = *name && !strchr(name, '/');
    char *dev = xasprintf(PCI_DEVICES "/%s", name);
    char *netdev = xasprintf("sys/class/net/%s/device", name);
    int error = 0;

    *pcip = NULL;
    if (plain && sysattr_exists(root, dev)) {
        *pcip = xstrdup(name);
    } else if (!plain || sysattr_link_name(root, netdev, pcip)) {
        *errp = xasprintf("%s: neither a PCI device nor a netdev of a PCI "
                          "device in %s", name, root);
        error = -ENODEV;
    }
    free(netdev);
    free(dev);
    return error;
}

static int
write_numvfs(const char *root, const char *pci, int n, char **errp)
{
    char *rel = dev_rel(pci, "sriov_numvfs"), *path = sysattr_path(root, rel);
    char *text = xasprintf("%d\n", n);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int error = 0;

    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text)) {
        error = -errno;
        *errp = xasprintf("%s: writing %d: %s", path, n,
                          ovs_strerror(-error));
    }
    if (fd >= 0 && close(fd) && !error) {
        error = -errno;
        *errp = xasprintf("%s: writing %d: %s", path, n,
                          ovs_strerror(-error));
    }
    free(text);
    free(path);
    free(rel);
    return error;
}

int
sriovfs_set_numvfs(const char *root, const struct sriovfs_pf *pf, int n,
                   char **errp)
{
    int error = 0;

    if (n < 0 || n > pf->totalvfs) {
        *errp = xasprintf("%s: %d VFs asked, the device has at most %d "
                          "(sriov_totalvfs)", pf->pci, n, pf->totalvfs);
        return -ERANGE;
    }
    if (n == pf->numvfs) {
        return 0;
    }
    if (pf->numvfs) {
        error = write_numvfs(root, pf->pci, 0, errp);
    }
    if (!error && n) {
        error = write_numvfs(root, pf->pci, n, errp);
        if (error && pf->numvfs) {
            char *why = *errp;
            *errp = xasprintf("%s (%s has no VFs now)", why, pf->pci);
            free(why);
        }
    }
    return error;
}

bool
sriovfs_parse_vf_port(const char *name, int *pfp, int *vfp)
{
    int consumed = 0;

    return (sscanf(name, "pf%dvf%d%n", pfp, vfp, &consumed) == 2
            && !name[consumed] && *pfp >= 0 && *vfp >= 0);
}

int
sriovfs_pci_function(const char *pci)
{
    const char *dot = strrchr(pci, '.');
    int fn;

    return dot && str_to_int(dot + 1, 16, &fn) && fn >= 0 && fn < 8 ? fn : -1;
}

const char *
sriovfs_vf_mode_name(enum sriovfs_vf_mode mode)
{
    switch (mode) {
    case SRIOVFS_VF_NETDEV:
        return "netdev";
    case SRIOVFS_VF_DPDK:
        return "dpdk";
    case SRIOVFS_VF_UNBOUND:
        return "unbound";
    case SRIOVFS_VF_OTHER:
        return "other";
    }
    OVS_NOT_REACHED();
}
