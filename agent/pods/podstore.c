#include <config.h>
#include "agent/pods/podstore.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "agent/lib/atomicfile.h"
#include "hash.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(podstore);

static const char *const type_names[] = {
    [PODSTORE_AFXDP] = "afxdp",
    [PODSTORE_VHOSTUSER] = "vhostuser",
    [PODSTORE_TAP] = "tap",
    [PODSTORE_SRIOV] = "sriov",
};

const char *
podstore_type_name(enum podstore_type type)
{
    return type_names[type];
}

int
podstore_type_from_name(const char *name, enum podstore_type *typep)
{
    for (size_t i = 0; i < ARRAY_SIZE(type_names); i++) {
        if (name && !strcmp(name, type_names[i])) {
            *typep = i;
            return 0;
        }
    }
    return -EINVAL;
}

static uint32_t
rec_hash(const char *container_id, const char *ifname)
{
    return hash_string(ifname, hash_string(container_id, 0));
}

static char *
rec_path(const struct podstore *store, const char *container_id,
         const char *ifname)
{
    return xasprintf("%s/%s_%s.json", store->dir, container_id, ifname);
}

void
podrec_vf_destroy(struct podrec_vf *vf)
{
    if (vf) {
        free(vf->pci);
        free(vf->netdev);
        free(vf->vf_info);
        free(vf->devinfo_path);
        free(vf);
    }
}

void
podrec_destroy(struct podrec *rec)
{
    if (rec) {
        podrec_vf_destroy(rec->vf);
        free(rec->container_id);
        free(rec->ifname);
        free(rec->netns);
        free(rec->port_name);
        free(rec->socket_dir);
        free(rec->socket_path);
        free(rec->pod_namespace);
        free(rec->pod_name);
        free(rec->pod_uid);
        free(rec);
    }
}

static void
put_str(struct json_object *obj, const char *key, const char *value)
{
    if (value) {
        json_object_object_add(obj, key, json_object_new_string(value));
    }
}

static struct json_object *
vf_to_json(const struct podrec_vf *vf)
{
    struct json_object *obj = json_object_new_object();
    char mac[18];

    snprintf(mac, sizeof mac, ETH_ADDR_FMT, ETH_ADDR_BYTES_ARGS(vf->mac));
    put_str(obj, "deviceID", vf->pci);
    put_str(obj, "netdev", vf->netdev);
    if (vf->netdev) {
        put_str(obj, "mac", mac);
        json_object_object_add(obj, "mtu", json_object_new_int(vf->mtu));
        json_object_object_add(obj, "up", json_object_new_boolean(vf->up));
    }
    put_str(obj, "vfInfo", vf->vf_info);
    put_str(obj, "deviceInfo", vf->devinfo_path);
    return obj;
}

static struct json_object *
rec_to_json(const struct podrec *rec)
{
    struct json_object *obj = json_object_new_object();
    char ip[INET_ADDRSTRLEN];
    char mac[18];

    snprintf(mac, sizeof mac, ETH_ADDR_FMT,
             ETH_ADDR_BYTES_ARGS(rec->mac));
    inet_ntop(AF_INET, &rec->ip, ip, sizeof ip);
    json_object_object_add(obj, "format", json_object_new_int(
                               rec->has_ip6 ? 3 : rec->vf ? 2 : 1));
    put_str(obj, "containerID", rec->container_id);
    put_str(obj, "ifname", rec->ifname);
    put_str(obj, "netns", rec->netns);
    put_str(obj, "type", podstore_type_name(rec->type));
    put_str(obj, "portName", rec->port_name);
    json_object_object_add(obj, "owner", json_object_new_uint64(rec->owner));
    put_str(obj, "mac", mac);
    put_str(obj, "ip", ip);
    json_object_object_add(obj, "prefixLength",
                           json_object_new_int(rec->prefix_len));
    if (rec->has_ip6) {
        char ip6[INET6_ADDRSTRLEN];

        put_str(obj, "ip6", inet_ntop(AF_INET6, &rec->ip6, ip6, sizeof ip6));
        json_object_object_add(obj, "prefixLength6",
                               json_object_new_int(rec->prefix_len6));
    }
    json_object_object_add(obj, "mtu", json_object_new_int(rec->mtu));
    json_object_object_add(obj, "defaultRoute",
                           json_object_new_boolean(rec->default_route));
    put_str(obj, "socketDir", rec->socket_dir);
    put_str(obj, "socketPath", rec->socket_path);
    put_str(obj, "podNamespace", rec->pod_namespace);
    put_str(obj, "podName", rec->pod_name);
    put_str(obj, "podUID", rec->pod_uid);
    if (rec->vf) {
        json_object_object_add(obj, "sriov", vf_to_json(rec->vf));
    }
    return obj;
}

static char *
get_str(struct json_object *obj, const char *key)
{
    struct json_object *v;
    return (json_object_object_get_ex(obj, key, &v)
            && json_object_is_type(v, json_type_string)
            ? xstrdup(json_object_get_string(v)) : NULL);
}

static int
get_int(struct json_object *obj, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(obj, key, &v) ? json_object_get_int(v) : 0;
}

/* The record's format: 1 when it names none (release 0.1.0). */
static int
rec_format(struct json_object *obj)
{
    struct json_object *v;

    if (!json_object_object_get_ex(obj, "format", &v)) {
        return 1;
    }
    return json_object_is_type(v, json_type_int) ? json_object_get_int(v) : -1;
}

/* The "sriov" object of 'obj' into '*vfp' (NULL when there is none).
 * -EINVAL when it is there but unusable. */
static int
vf_from_json(struct json_object *obj, struct podrec_vf **vfp)
{
    struct json_object *o;

    *vfp = NULL;
    if (!json_object_object_get_ex(obj, "sriov", &o)) {
        return 0;
    }
    struct podrec_vf *vf = xzalloc(sizeof *vf);
    char *mac = get_str(o, "mac");

    vf->pci = get_str(o, "deviceID");
    vf->netdev = get_str(o, "netdev");
    vf->mtu = get_int(o, "mtu");
    vf->up = get_int(o, "up");
    vf->vf_info = get_str(o, "vfInfo");
    vf->devinfo_path = get_str(o, "deviceInfo");
    bool ok = vf->pci && (!vf->netdev
                          || (mac && ovs_scan(mac, ETH_ADDR_SCAN_FMT,
                                              &vf->mac[0], &vf->mac[1],
                                              &vf->mac[2], &vf->mac[3],
                                              &vf->mac[4], &vf->mac[5])));
    free(mac);
    if (!ok) {
        podrec_vf_destroy(vf);
        return -EINVAL;
    }
    *vfp = vf;
    return 0;
}

/* A dual-stack record's IPv6 address; -EINVAL when it is unusable. */
static int
ip6_from_json(struct json_object *obj, struct podrec *rec)
{
    char *ip6 = get_str(obj, "ip6");
    int error = 0;

    if (ip6) {
        rec->has_ip6 = true;
        rec->prefix_len6 = get_int(obj, "prefixLength6");
        if (inet_pton(AF_INET6, ip6, &rec->ip6) != 1
            || rec->prefix_len6 < 1 || rec->prefix_len6 > 128) {
            error = -EINVAL;
        }
    }
    free(ip6);
    return error;
}

static int
rec_from_json(struct json_object *obj, struct podrec **recp)
{
    int format = rec_format(obj);

    *recp = NULL;
    if (format > PODSTORE_FORMAT) {
        return -EPROTONOSUPPORT;
    } else if (format < 1) {
        return -EINVAL;
    }

    struct podrec *rec = xzalloc(sizeof *rec);
    char *type = get_str(obj, "type");
    char *mac = get_str(obj, "mac");
    char *ip = get_str(obj, "ip");
    struct json_object *owner;
    int error = 0;

    rec->container_id = get_str(obj, "containerID");
    rec->ifname = get_str(obj, "ifname");
    rec->netns = get_str(obj, "netns");
    rec->port_name = get_str(obj, "portName");
    rec->socket_dir = get_str(obj, "socketDir");
    rec->socket_path = get_str(obj, "socketPath");
    rec->pod_namespace = get_str(obj, "podNamespace");
    rec->pod_name = get_str(obj, "podName");
    rec->pod_uid = get_str(obj, "podUID");
    rec->prefix_len = get_int(obj, "prefixLength");
    rec->mtu = get_int(obj, "mtu");
    rec->default_route = get_int(obj, "defaultRoute");
    if (json_object_object_get_ex(obj, "owner", &owner)) {
        rec->owner = json_object_get_uint64(owner);
    }
    if (!rec->container_id || !rec->ifname || !rec->port_name
        || podstore_type_from_name(type, &rec->type)
        || vf_from_json(obj, &rec->vf)
        || ip6_from_json(obj, rec)
        || (rec->type == PODSTORE_SRIOV) != (rec->vf != NULL)
        || !mac || !ovs_scan(mac, ETH_ADDR_SCAN_FMT,
                             &rec->mac[0], &rec->mac[1], &rec->mac[2],
                             &rec->mac[3], &rec->mac[4], &rec->mac[5])
        || !ip || inet_pton(AF_INET, ip, &rec->ip) != 1) {
        error = -EINVAL;
        podrec_destroy(rec);
        rec = NULL;
    }
    free(type);
    free(mac);
    free(ip);
    *recp = rec;
    return error;
}

static int
load_file(struct podstore *store, const char *name)
{
    char *path = xasprintf("%s/%s", store->dir, name);
    struct json_object *obj = json_object_from_file(path);
    struct podrec *rec = NULL;
    int error = obj ? rec_from_json(obj, &rec) : -EINVAL;

    if (error == -EPROTONOSUPPORT) {
        VLOG_ERR("%s: pod record format %d is newer than this agent's (%d): "
                 "it was written by a later Seine; run that release or "
                 "later (downgrades are not supported)", path,
                 rec_format(obj), PODSTORE_FORMAT);
    } else if (error) {
        VLOG_WARN("%s: not a pod record, ignored", path);
    } else {
        hmap_insert(&store->recs, &rec->node,
                    rec_hash(rec->container_id, rec->ifname));
    }
    json_object_put(obj);
    free(path);
    return error;
}

/* A write cut short by a crash (atomicfile_write()) leaves its temporary file:
 * the record it was to replace, if any, is still whole, so the file goes.
 * A read-only folder keeps it, and the loader never reads it. */
static void
remove_leftover(const struct podstore *store, const char *name)
{
    char *path = xasprintf("%s/%s", store->dir, name);

    if (unlink(path)) {
        VLOG_WARN("%s: leftover of an interrupted write: %s", path,
                  ovs_strerror(errno));
    } else {
        VLOG_INFO("%s: removed, the leftover of an interrupted write", path);
    }
    free(path);
}

int
podstore_open(const char *state_dir, struct podstore *store)
{
    store->dir = xasprintf("%s/pods", state_dir);
    hmap_init(&store->recs);

    if (mkdir(state_dir, 0700) && errno != EEXIST) {
        return -errno;
    }
    if (mkdir(store->dir, 0700) && errno != EEXIST) {
        return -errno;
    }
    DIR *dir = opendir(store->dir);
    if (!dir) {
        return -errno;
    }
    struct dirent *de;
    int error = 0;
    while (!error && (de = readdir(dir)) != NULL) {
        const char *dot = strrchr(de->d_name, '.');
        if (de->d_name[0] == '.' || !dot) {
            continue;
        } else if (!strcmp(dot, ".json")) {
            if (load_file(store, de->d_name) == -EPROTONOSUPPORT) {
                error = -EPROTONOSUPPORT;
            }
        } else if (!strcmp(dot, ".tmp")) {
            remove_leftover(store, de->d_name);
        }
    }
    closedir(dir);
    return error;
}

void
podstore_close(struct podstore *store)
{
    struct podrec *rec;

    HMAP_FOR_EACH_POP (rec, node, &store->recs) {
        podrec_destroy(rec);
    }
    hmap_destroy(&store->recs);
    free(store->dir);
    store->dir = NULL;
}

struct podrec *
podstore_find(const struct podstore *store, const char *container_id,
              const char *ifname)
{
    struct podrec *rec;

    HMAP_FOR_EACH_WITH_HASH (rec, node, rec_hash(container_id, ifname),
                             &store->recs) {
        if (!strcmp(rec->container_id, container_id)
            && !strcmp(rec->ifname, ifname)) {
            return rec;
        }
    }
    return NULL;
}

int
podstore_put(struct podstore *store, struct podrec *rec)
{
    struct json_object *obj = rec_to_json(rec);
    char *path = rec_path(store, rec->container_id, rec->ifname);
    int error = atomicfile_write(path, json_object_to_json_string_ext(
                                     obj, JSON_C_TO_STRING_PRETTY), 0600);

    if (!error) {
        struct podrec *old = podstore_find(store, rec->container_id,
                                           rec->ifname);
        if (old) {
            hmap_remove(&store->recs, &old->node);
            podrec_destroy(old);
        }
        hmap_insert(&store->recs, &rec->node,
                    rec_hash(rec->container_id, rec->ifname));
    } else {
        VLOG_ERR("%s: %s", path, ovs_strerror(-error));
    }
    json_object_put(obj);
    free(path);
    return error;
}

int
podstore_remove(struct podstore *store, struct podrec *rec)
{
    char *path = rec_path(store, rec->container_id, rec->ifname);
    int error = unlink(path) && errno != ENOENT ? -errno : 0;

    if (error) {
        VLOG_ERR("%s: %s", path, ovs_strerror(-error));
    } else {
        hmap_remove(&store->recs, &rec->node);
        podrec_destroy(rec);
    }
    free(path);
    return error;
}

int
podstore_check_writable(const struct podstore *store)
{
    return access(store->dir, W_OK) ? -errno : 0;
}

char *
podstore_port_name(uint64_t hash, uint8_t seq)
{
    return xasprintf(PODSTORE_PORT_PREFIX"%08"PRIx32"%02"PRIx8,
                     (uint32_t) hash, seq);
}

bool
podstore_is_port_name(const char *name)
{
    size_t n = strlen(PODSTORE_PORT_PREFIX);

    if (strncmp(name, PODSTORE_PORT_PREFIX, n)
        || strlen(name + n) != PODSTORE_PORT_HEX) {
        return false;
    }
    for (const char *p = name + n; *p; p++) {
        if (!isxdigit((unsigned char) *p) || isupper((unsigned char) *p)) {
            return false;
        }
    }
    return true;
}

size_t
podstore_count(const struct podstore *store)
{
    return hmap_count(&store->recs);
}
