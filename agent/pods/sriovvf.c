#include <config.h>
#include "agent/pods/sriovvf.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netlink/route/link.h>
#include <json-c/json.h>

#include "agent/lib/atomicfile.h"
#include "agent/lib/nlroute.h"
#include "agent/pods/netns.h"
#include "agent/pods/podstore.h"
#include "agent/pods/vfsettings.h"
#include "hwoffload/vfrep.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

int
sriovvf_lookup(const char *root, const char *pci, struct sriovvf_dev *dev,
               char **whyp)
{
    struct sriovfs_pf pf;
    int index;
    int error = vfrep_vf_of(root, pci, &pf, &index, whyp);

    memset(dev, 0, sizeof *dev);
    if (error) {
        return error;
    }
    const struct sriovfs_vf *vf = &pf.vfs[index];
    dev->pci = xstrdup(pci);
    dev->pf_pci = xstrdup(pf.pci);
    dev->pf_netdev = nullable_xstrdup(pf.netdev);
    dev->index = index;
    dev->mode = vf->mode;
    dev->driver = nullable_xstrdup(vf->driver);
    dev->netdev = nullable_xstrdup(vf->netdev);
    sriovfs_pf_destroy(&pf);
    error = vfrep_for_vf(root, pci, &dev->representor, whyp);
    if (error) {
        sriovvf_dev_destroy(dev);
    }
    return error;
}

void
sriovvf_dev_destroy(struct sriovvf_dev *dev)
{
    free(dev->pci);
    free(dev->pf_pci);
    free(dev->pf_netdev);
    free(dev->driver);
    free(dev->netdev);
    free(dev->representor);
    memset(dev, 0, sizeof *dev);
}

/* The VF's settings on its PF as the record keeps them: the settings a
 * pod's owner may have changed through the PF (ip link set PF vf N ...). */
static char *
pf_settings_text(struct nl_sock *sk, const struct sriovvf_dev *dev)
{
    struct vfsettings settings;

    if (!dev->pf_netdev) {
        return xstrdup("skipped: the PF has no netdev");
    }
    int error = vfsettings_read(sk, dev->pf_netdev, dev->index, &settings);
    if (error == -ENOTSUP) {
        return xasprintf("skipped: PF netdev %s reports no IFLA_VF_INFO for "
                         "VF %d", dev->pf_netdev, dev->index);
    } else if (error) {
        return xasprintf("skipped: PF netdev %s: %s", dev->pf_netdev,
                         ovs_strerror(-error));
    }
    return vfsettings_format(&settings);
}

static int
save_netdev(struct nl_sock *sk, const char *netdev, struct podrec_vf *vf)
{
    struct rtnl_link *link = NULL;
    int error = nlroute_link_get(sk, netdev, &link);

    if (!error) {
        error = nlroute_link_mac(link, vf->mac);
    }
    if (!error) {
        vf->mtu = rtnl_link_get_mtu(link);
        vf->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
    }
    rtnl_link_put(link);
    return error;
}

int
sriovvf_save(const struct sriovvf_dev *dev, struct podrec_vf *vf)
{
    struct nl_sock *sk;
    int error = nlroute_open(&sk);

    if (error) {
        return error;
    }
    if (dev->netdev) {
        error = save_netdev(sk, dev->netdev, vf);
    }
    if (!error) {
        vf->pci = xstrdup(dev->pci);
        vf->netdev = nullable_xstrdup(dev->netdev);
        vf->vf_info = pf_settings_text(sk, dev);
    }
    nl_socket_free(sk);
    return error;
}

/* Writes 'settings' for 'dev' through its PF. */
static int
write_pf(const struct sriovvf_dev *dev, const struct vfsettings *settings)
{
    struct nl_sock *sk;
    int error = nlroute_open(&sk);

    if (!error) {
        error = vfsettings_write(sk, dev->pf_netdev, dev->index, settings);
        nl_socket_free(sk);
    }
    return error;
}

int
sriovvf_configure(const struct sriovvf_dev *dev, const struct podrec_vf *vf,
                  const uint8_t mac[6], const char *vf_config, char **whyp)
{
    struct vfsettings saved, settings;

    if (vfsettings_parse(vf_config, &settings)) {
        *whyp = xasprintf("VF settings \"%s\" are not valid", vf_config);
        return -EINVAL;
    }
    /* Only a PF that reported the VF's settings takes them. */
    if (vfsettings_parse(vf->vf_info, &saved) || !saved.fields) {
        if (!settings.fields) {
            return 0;
        }
        *whyp = xasprintf("the network asks for \"%s\", but VF %s's settings "
                          "are not writable (%s)", vf_config, dev->pci,
                          vf->vf_info ? vf->vf_info : "none read");
        return -ENOTSUP;
    }
    settings.fields |= VFSETTINGS_MAC;
    memcpy(settings.mac, mac, sizeof settings.mac);
    int error = write_pf(dev, &settings);
    if (error) {
        *whyp = xasprintf("VF %s: \"%s\" and the pod's MAC could not be set "
                          "through PF %s: %s", dev->pci,
                          vf_config ? vf_config : "", dev->pf_pci,
                          ovs_strerror(-error));
    }
    return error;
}

int
sriovvf_restore_pf(const char *root, const struct podrec_vf *vf,
                   char **whyp)
{
    struct vfsettings saved;
    struct sriovvf_dev dev;
    int error;

    if (vfsettings_parse(vf->vf_info, &saved)) {
        *whyp = xasprintf("VF %s: the record's settings \"%s\" are not "
                          "readable", vf->pci, vf->vf_info);
        return -EINVAL;
    }
    if (!saved.fields) {
        return 0;
    }
    error = sriovvf_lookup(root, vf->pci, &dev, whyp);
    if (!error) {
        error = dev.pf_netdev ? write_pf(&dev, &saved) : -ENODEV;
        if (error) {
            *whyp = xasprintf("VF %s: its settings could not be written "
                              "through PF %s: %s", vf->pci, dev.pf_pci,
                              ovs_strerror(-error));
        }
        sriovvf_dev_destroy(&dev);
    }
    return error;
}

/* Inside the pod's namespace: link 'pod_ifname' to the namespace 'host_fd'
 * under its saved name.  -ENODEV when it is not there. */
static int
move_back(const char *pod_ifname, const struct podrec_vf *vf, int host_fd)
{
    struct rtnl_link *changes = rtnl_link_alloc();
    struct nl_sock *sk = NULL;
    int error = changes ? nlroute_open(&sk) : -ENOMEM;

    if (!error) {
        /* One request: the kernel names the link in the host namespace as
         * it moves it, so its pod name never meets a host link's. */
        rtnl_link_set_ns_fd(changes, host_fd);
        rtnl_link_set_name(changes, vf->netdev);
        error = nlroute_link_change(sk, pod_ifname, changes);
    }
    nl_socket_free(sk);
    rtnl_link_put(changes);
    return error;
}

static int
move_back_from(const char *netns, const char *pod_ifname,
               const struct podrec_vf *vf)
{
    struct netns_saved saved;
    int host_fd = netns_open("/proc/self/ns/net");

    if (host_fd < 0) {
        return host_fd;
    }
    int error = netns_enter(netns, &saved);
    if (!error) {
        error = move_back(pod_ifname, vf, host_fd);
        netns_return(&saved);
    } else if (error == -EINVAL) {
        /* The path is there but no longer a namespace (unmounted). */
        error = -ENOENT;
    }
    close(host_fd);
    return error;
}

/* In the host namespace: link 'name' as it was saved. */
static int
reset_link(struct nl_sock *sk, const char *name, const struct podrec_vf *vf)
{
    struct rtnl_link *changes = rtnl_link_alloc();
    struct nl_addr *mac = nl_addr_build(AF_LLC, vf->mac, sizeof vf->mac);
    int error = -ENOMEM;

    if (changes && mac) {
        if (strcmp(name, vf->netdev)) {
            rtnl_link_set_name(changes, vf->netdev);
        }
        rtnl_link_set_addr(changes, mac);
        rtnl_link_set_mtu(changes, vf->mtu);
        /* Down first: the kernel renames only a link that is down. */
        rtnl_link_unset_flags(changes, IFF_UP);
        error = nlroute_link_change(sk, name, changes);
    }
    if (!error && vf->up) {
        error = nlroute_link_set_up(sk, vf->netdev, 0);
    }
    nl_addr_put(mac);
    rtnl_link_put(changes);
    return error;
}

/* The VF's netdev in this namespace as sysfs names it now, or NULL. */
static char *
host_netdev(const char *root, const char *pci)
{
    struct sriovvf_dev dev;
    char *why = NULL;
    char *name = NULL;

    if (!sriovvf_lookup(root, pci, &dev, &why)) {
        name = dev.netdev;
        dev.netdev = NULL;
        sriovvf_dev_destroy(&dev);
    }
    free(why);
    return name;
}

int
sriovvf_restore(const char *root, const char *netns, const char *pod_ifname,
                const struct podrec_vf *vf, char **whyp)
{
    int error = netns ? move_back_from(netns, pod_ifname, vf) : -ENOENT;
    struct nl_sock *sk;
    char *name;

    if (error && error != -ENODEV && error != -ENOENT) {
        *whyp = xasprintf("VF %s could not be moved back from %s: %s",
                          vf->pci, netns, ovs_strerror(-error));
        return error;
    }
    name = error ? host_netdev(root, vf->pci) : xstrdup(vf->netdev);
    if (!name || !if_nametoindex(name)) {
        *whyp = xasprintf("VF %s (%s) is neither %s in %s nor in the host "
                          "namespace", vf->pci, vf->netdev, pod_ifname,
                          netns ? netns : "a pod namespace");
        free(name);
        return -ENODEV;
    }
    error = nlroute_open(&sk);
    if (!error) {
        error = reset_link(sk, name, vf);
        nl_socket_free(sk);
    }
    if (error) {
        *whyp = xasprintf("VF %s (%s) could not be reset: %s", vf->pci, name,
                          ovs_strerror(-error));
    }
    free(name);
    return error;
}

int
sriovvf_rep_up(const char *name)
{
    struct nl_sock *sk;
    int error = nlroute_open(&sk);

    if (!error) {
        error = nlroute_link_set_up(sk, name, 0);
        nl_socket_free(sk);
    }
    return error;
}

char *
sriovvf_rep_devargs(const struct sriovvf_dev *dev)
{
    return xasprintf("%s,representor=vf%d", dev->pf_pci, dev->index);
}

int
sriovvf_write_devinfo(const char *path, const struct sriovvf_dev *dev)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *pci = json_object_new_object();

    json_object_object_add(obj, "type", json_object_new_string("pci"));
    json_object_object_add(obj, "version", json_object_new_string("1.1.0"));
    json_object_object_add(pci, "pci-address",
                           json_object_new_string(dev->pci));
    json_object_object_add(pci, "pf-pci-address",
                           json_object_new_string(dev->pf_pci));
    json_object_object_add(pci, "representor-device",
                           json_object_new_string(dev->representor));
    json_object_object_add(obj, "pci", pci);
    /* Read by other components (device plugins, the pod's runtime). */
    int error = atomicfile_write(path, json_object_to_json_string_ext(
                                     obj, JSON_C_TO_STRING_PRETTY), 0644);
    json_object_put(obj);
    return error;
}
