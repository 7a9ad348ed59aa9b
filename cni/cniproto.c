/*
 * cniproto: JSON encoding of the plugin<->agent messages, and the framing
 * on the unix socket.  The wire format is described, with examples, in
 * docs/cni-protocol.md; this file and that page change together.
 *
 * Decoders check every field they take (type, presence, bounds) so that
 * the agent never sees a request it would have to second-guess: a request
 * that decodes has the strings its command needs.  Optional strings are
 * NULL when absent, and an empty string counts as absent.  A message of
 * another protocol version fails with -EPROTONOSUPPORT (so that the agent
 * can answer CNI error 1), anything else malformed with -EINVAL.
 */
#include "cni/cnimem.h"
#include "cni/cniproto.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* How long a peer may leave a reply unread: messages fit in a socket
 * buffer, so this only trips on a peer that stopped reading. */
#define WRITE_TIMEOUT_MS 5000

static const char *const cmd_names[] = {
    [CNIPROTO_ADD] = "ADD",
    [CNIPROTO_DEL] = "DEL",
    [CNIPROTO_CHECK] = "CHECK",
    [CNIPROTO_STATUS] = "STATUS",
    [CNIPROTO_GC] = "GC",
};
#define N_CMDS (sizeof cmd_names / sizeof cmd_names[0])

const char *
cniproto_cmd_name(enum cniproto_cmd cmd)
{
    return (unsigned) cmd < N_CMDS ? cmd_names[cmd] : "UNKNOWN";
}

int
cniproto_cmd_from_name(const char *name, enum cniproto_cmd *cmd)
{
    for (size_t i = 0; i < N_CMDS; i++) {
        if (name && !strcmp(name, cmd_names[i])) {
            *cmd = i;
            return 0;
        }
    }
    return -EINVAL;
}

static int
fail(char **err, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    if (err) {
        free(*err);
        *err = cnimem_vasprintf(fmt, args);
    }
    va_end(args);
    return -EINVAL;
}

/* Encoding helpers: absent optional values are left out. */

static void
put_str(struct json_object *obj, const char *key, const char *value)
{
    if (value) {
        json_object_object_add(obj, key, json_object_new_string(value));
    }
}

static void
put_int(struct json_object *obj, const char *key, int value)
{
    json_object_object_add(obj, key, json_object_new_int(value));
}

/* Decoding helpers: 0 when absent (the out-value untouched), 0 and the
 * value when present with the right type, -EINVAL otherwise. */

static int
get_str(struct json_object *obj, const char *key, char **value, char **err)
{
    struct json_object *v;

    if (!json_object_object_get_ex(obj, key, &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        return fail(err, "\"%s\" must be a string", key);
    }
    if (json_object_get_string_len(v)) {
        free(*value);
        *value = cnimem_strdup(json_object_get_string(v));
    }
    return 0;
}

static int
need_str(struct json_object *obj, const char *key, char **value, char **err)
{
    int error = get_str(obj, key, value, err);

    if (!error && (!*value || !**value)) {
        return fail(err, "\"%s\" is required", key);
    }
    return error;
}

/* An optional boolean: absent leaves '*value' CNIPROTO_ROUTE_AUTO. */
static int
get_route(struct json_object *obj, const char *key, enum cniproto_default_route *value,
          char **err)
{
    struct json_object *v;

    if (!json_object_object_get_ex(obj, key, &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_boolean)) {
        return fail(err, "\"%s\" must be true or false", key);
    }
    *value = json_object_get_boolean(v) ? CNIPROTO_ROUTE_YES
                                        : CNIPROTO_ROUTE_NO;
    return 0;
}

static int
get_int(struct json_object *obj, const char *key, int min, int max,
        int *value, char **err)
{
    struct json_object *v;

    if (!json_object_object_get_ex(obj, key, &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_int)) {
        return fail(err, "\"%s\" must be an integer", key);
    }
    int64_t n = json_object_get_int64(v);
    if (n < min || n > max) {
        return fail(err, "\"%s\" must be between %d and %d", key, min, max);
    }
    *value = n;
    return 0;
}

static int
get_array(struct json_object *obj, const char *key, size_t max,
          struct json_object **array, char **err)
{
    struct json_object *v;

    *array = NULL;
    if (!json_object_object_get_ex(obj, key, &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_array)) {
        return fail(err, "\"%s\" must be an array", key);
    }
    if (json_object_array_length(v) > max) {
        return fail(err, "\"%s\" has more than %zu entries", key, max);
    }
    *array = v;
    return 0;
}

static int
need_object(struct json_object *obj, const char *what, char **err)
{
    if (!json_object_is_type(obj, json_type_object)) {
        return fail(err, "%s must be a JSON object", what);
    }
    return 0;
}

static int
check_version(struct json_object *obj, char **err)
{
    int version = -1;
    int error = get_int(obj, "version", 0, 1 << 30, &version, err);

    if (!error && version < 0) {
        return fail(err, "\"version\" is required");
    }
    if (!error && version != CNIPROTO_VERSION) {
        fail(err, "cniproto version %d is not supported (this end speaks "
             "version %d)", version, CNIPROTO_VERSION);
        return -EPROTONOSUPPORT;
    }
    return error;
}

/* Requests. */

static struct json_object *
attachments_to_json(const struct cniproto_request *req)
{
    struct json_object *array = json_object_new_array();

    for (size_t i = 0; i < req->n_valid; i++) {
        struct json_object *a = json_object_new_object();
        put_str(a, "containerID", req->valid[i].container_id);
        put_str(a, "ifname", req->valid[i].ifname);
        json_object_array_add(array, a);
    }
    return array;
}

struct json_object *
cniproto_request_to_json(const struct cniproto_request *req)
{
    struct json_object *obj = json_object_new_object();

    put_int(obj, "version", CNIPROTO_VERSION);
    put_str(obj, "command", cniproto_cmd_name(req->cmd));
    put_str(obj, "cniVersion", req->cni_version);
    put_str(obj, "containerID", req->container_id);
    put_str(obj, "netns", req->netns);
    put_str(obj, "ifname", req->ifname);
    put_str(obj, "podNamespace", req->pod_namespace);
    put_str(obj, "podName", req->pod_name);
    put_str(obj, "podUID", req->pod_uid);
    put_str(obj, "networkName", req->network_name);
    put_str(obj, "interfaceType", req->interface_type);
    if (req->mtu) {
        put_int(obj, "mtu", req->mtu);
    }
    put_str(obj, "vhostSocketDir", req->vhost_socket_dir);
    put_str(obj, "ip", req->static_ip);
    put_str(obj, "mac", req->static_mac);
    put_str(obj, "deviceID", req->device_id);
    put_str(obj, "vfConfig", req->vf_config);
    if (req->default_route != CNIPROTO_ROUTE_AUTO) {
        json_object_object_add(obj, "defaultRoute", json_object_new_boolean(
                                   req->default_route == CNIPROTO_ROUTE_YES));
    }
    if (req->cmd == CNIPROTO_GC) {
        json_object_object_add(obj, "validAttachments",
                               attachments_to_json(req));
    }
    return obj;
}

static int
attachments_from_json(struct json_object *obj, struct cniproto_request *req,
                      char **err)
{
    struct json_object *array;
    int error = get_array(obj, "validAttachments", CNIPROTO_MAX_MSG, &array,
                          err);

    if (error || !array) {
        return error;
    }
    /* One spare entry: an empty list is then non-NULL, which tells "GC
     * everything" apart from a request that forgot the list. */
    req->n_valid = 0;
    req->valid = cnimem_calloc(json_object_array_length(array) + 1,
                               sizeof *req->valid);
    for (size_t i = 0; !error && i < json_object_array_length(array); i++) {
        struct json_object *a = json_object_array_get_idx(array, i);
        struct cniproto_attachment *att = &req->valid[req->n_valid++];

        error = need_object(a, "a valid attachment", err);
        if (!error) {
            error = need_str(a, "containerID", &att->container_id, err);
        }
        if (!error) {
            error = need_str(a, "ifname", &att->ifname, err);
        }
    }
    return error;
}

/* What each command needs, so the agent can rely on it. */
static int
request_check(const struct cniproto_request *req, char **err)
{
    bool needs_id = (req->cmd == CNIPROTO_ADD || req->cmd == CNIPROTO_DEL
                     || req->cmd == CNIPROTO_CHECK);
    bool needs_netns = req->cmd == CNIPROTO_ADD || req->cmd == CNIPROTO_CHECK;

    if (needs_id && (!req->container_id || !req->ifname)) {
        return fail(err, "%s needs \"containerID\" and \"ifname\"",
                    cniproto_cmd_name(req->cmd));
    }
    if (needs_netns && !req->netns) {
        return fail(err, "%s needs \"netns\"", cniproto_cmd_name(req->cmd));
    }
    if (req->cmd == CNIPROTO_GC && !req->valid) {
        return fail(err, "GC needs \"validAttachments\"");
    }
    return 0;
}

static int
request_strings_from_json(struct json_object *obj,
                          struct cniproto_request *req, char **err)
{
    const struct {
        const char *key;
        char **value;
    } fields[] = {
        { "cniVersion", &req->cni_version },
        { "containerID", &req->container_id },
        { "netns", &req->netns },
        { "ifname", &req->ifname },
        { "podNamespace", &req->pod_namespace },
        { "podName", &req->pod_name },
        { "podUID", &req->pod_uid },
        { "networkName", &req->network_name },
        { "interfaceType", &req->interface_type },
        { "vhostSocketDir", &req->vhost_socket_dir },
        { "ip", &req->static_ip },
        { "mac", &req->static_mac },
        { "deviceID", &req->device_id },
        { "vfConfig", &req->vf_config },
    };

    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        int error = get_str(obj, fields[i].key, fields[i].value, err);
        if (error) {
            return error;
        }
    }
    return 0;
}

int
cniproto_request_from_json(struct json_object *obj,
                           struct cniproto_request *req, char **err)
{
    char *command = NULL;
    int error;

    memset(req, 0, sizeof *req);
    error = need_object(obj, "a request", err);
    if (!error) {
        error = check_version(obj, err);
    }
    if (!error) {
        error = need_str(obj, "command", &command, err);
    }
    if (!error && cniproto_cmd_from_name(command, &req->cmd)) {
        error = fail(err, "unknown command \"%s\"", command);
    }
    if (!error) {
        error = request_strings_from_json(obj, req, err);
    }
    if (!error) {
        error = get_int(obj, "mtu", 0, 65535, &req->mtu, err);
    }
    if (!error) {
        error = get_route(obj, "defaultRoute", &req->default_route, err);
    }
    if (!error) {
        error = attachments_from_json(obj, req, err);
    }
    if (!error) {
        error = request_check(req, err);
    }
    free(command);
    if (error) {
        cniproto_request_destroy(req);
    }
    return error;
}

void
cniproto_request_destroy(struct cniproto_request *req)
{
    free(req->cni_version);
    free(req->container_id);
    free(req->netns);
    free(req->ifname);
    free(req->pod_namespace);
    free(req->pod_name);
    free(req->pod_uid);
    free(req->network_name);
    free(req->interface_type);
    free(req->vhost_socket_dir);
    free(req->static_ip);
    free(req->static_mac);
    free(req->device_id);
    free(req->vf_config);
    for (size_t i = 0; i < req->n_valid; i++) {
        free(req->valid[i].container_id);
        free(req->valid[i].ifname);
    }
    free(req->valid);
    memset(req, 0, sizeof *req);
}

/* Results. */

static struct json_object *
ifaces_to_json(const struct cniproto_result *res)
{
    struct json_object *array = json_object_new_array();

    for (size_t i = 0; i < res->n_ifaces; i++) {
        const struct cniproto_iface *iface = &res->ifaces[i];
        struct json_object *o = json_object_new_object();

        put_str(o, "name", iface->name);
        put_str(o, "mac", iface->mac);
        if (iface->mtu) {
            put_int(o, "mtu", iface->mtu);
        }
        put_str(o, "sandbox", iface->sandbox);
        put_str(o, "socketPath", iface->socket_path);
        put_str(o, "pciID", iface->pci_id);
        json_object_array_add(array, o);
    }
    return array;
}

static struct json_object *
ips_to_json(const struct cniproto_result *res)
{
    struct json_object *array = json_object_new_array();

    for (size_t i = 0; i < res->n_ips; i++) {
        const struct cniproto_ip *ip = &res->ips[i];
        struct json_object *o = json_object_new_object();

        put_str(o, "address", ip->address);
        put_str(o, "gateway", ip->gateway);
        if (ip->interface >= 0) {
            put_int(o, "interface", ip->interface);
        }
        json_object_array_add(array, o);
    }
    return array;
}

static struct json_object *
routes_to_json(const struct cniproto_result *res)
{
    struct json_object *array = json_object_new_array();

    for (size_t i = 0; i < res->n_routes; i++) {
        struct json_object *o = json_object_new_object();

        put_str(o, "dst", res->routes[i].dst);
        put_str(o, "gw", res->routes[i].gw);
        json_object_array_add(array, o);
    }
    return array;
}

static struct json_object *
dns_to_json(const struct cniproto_result *res)
{
    struct json_object *dns = json_object_new_object();

    if (res->n_dns_nameservers) {
        struct json_object *array = json_object_new_array();
        for (size_t i = 0; i < res->n_dns_nameservers; i++) {
            json_object_array_add(array, json_object_new_string(
                                      res->dns_nameservers[i]));
        }
        json_object_object_add(dns, "nameservers", array);
    }
    return dns;
}

struct json_object *
cniproto_result_to_json(const struct cniproto_result *res)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "interfaces", ifaces_to_json(res));
    json_object_object_add(obj, "ips", ips_to_json(res));
    json_object_object_add(obj, "routes", routes_to_json(res));
    json_object_object_add(obj, "dns", dns_to_json(res));
    return obj;
}

static int
iface_from_json(struct json_object *o, struct cniproto_iface *iface,
                char **err)
{
    int error = need_object(o, "an interface", err);

    if (!error) {
        error = need_str(o, "name", &iface->name, err);
    }
    if (!error) {
        error = get_str(o, "mac", &iface->mac, err);
    }
    if (!error) {
        error = get_str(o, "sandbox", &iface->sandbox, err);
    }
    if (!error) {
        error = get_str(o, "socketPath", &iface->socket_path, err);
    }
    if (!error) {
        error = get_str(o, "pciID", &iface->pci_id, err);
    }
    if (!error) {
        error = get_int(o, "mtu", 0, 65535, &iface->mtu, err);
    }
    return error;
}

static int
ip_from_json(struct json_object *o, struct cniproto_ip *ip, size_t n_ifaces,
             char **err)
{
    int error = need_object(o, "an IP", err);

    ip->interface = -1;
    if (!error) {
        error = need_str(o, "address", &ip->address, err);
    }
    if (!error) {
        error = get_str(o, "gateway", &ip->gateway, err);
    }
    if (!error) {
        error = get_int(o, "interface", 0, (int) n_ifaces - 1,
                        &ip->interface, err);
    }
    return error;
}

static int
route_from_json(struct json_object *o, struct cniproto_route *route,
                char **err)
{
    int error = need_object(o, "a route", err);

    if (!error) {
        error = need_str(o, "dst", &route->dst, err);
    }
    if (!error) {
        error = get_str(o, "gw", &route->gw, err);
    }
    return error;
}

static int
dns_from_json(struct json_object *obj, struct cniproto_result *res,
              char **err)
{
    struct json_object *dns, *array;
    int error;

    if (!json_object_object_get_ex(obj, "dns", &dns)) {
        return 0;
    }
    error = need_object(dns, "\"dns\"", err);
    if (!error) {
        error = get_array(dns, "nameservers", CNIPROTO_MAX_ITEMS, &array, err);
    }
    for (size_t i = 0; !error && array && i < json_object_array_length(array);
         i++) {
        struct json_object *ns = json_object_array_get_idx(array, i);
        if (!json_object_is_type(ns, json_type_string)) {
            return fail(err, "DNS nameservers must be strings");
        }
        res->dns_nameservers[res->n_dns_nameservers++]
            = cnimem_strdup(json_object_get_string(ns));
    }
    return error;
}

/* Decodes the array 'key' of 'obj' with 'decode', one item at a time into
 * 'items' (of 'size' bytes each), counting into '*n'. */
static int
items_from_json(struct json_object *obj, const char *key, void *items,
                size_t size, size_t *n,
                int (*decode)(struct json_object *, void *item, void *aux,
                              char **err),
                void *aux, char **err)
{
    struct json_object *array;
    int error = get_array(obj, key, CNIPROTO_MAX_ITEMS, &array, err);

    for (size_t i = 0; !error && array && i < json_object_array_length(array);
         i++) {
        void *item = (char *) items + (*n)++ * size;
        error = decode(json_object_array_get_idx(array, i), item, aux, err);
    }
    return error;
}

static int
decode_iface(struct json_object *o, void *item, void *aux CNIPROTO_UNUSED,
             char **err)
{
    return iface_from_json(o, item, err);
}

static int
decode_ip(struct json_object *o, void *item, void *n_ifaces, char **err)
{
    return ip_from_json(o, item, *(size_t *) n_ifaces, err);
}

static int
decode_route(struct json_object *o, void *item, void *aux CNIPROTO_UNUSED,
             char **err)
{
    return route_from_json(o, item, err);
}

int
cniproto_result_from_json(struct json_object *obj,
                          struct cniproto_result *res, char **err)
{
    int error;

    memset(res, 0, sizeof *res);
    error = need_object(obj, "a result", err);
    if (!error) {
        error = items_from_json(obj, "interfaces", res->ifaces,
                                sizeof res->ifaces[0], &res->n_ifaces,
                                decode_iface, NULL, err);
    }
    if (!error) {
        error = items_from_json(obj, "ips", res->ips, sizeof res->ips[0],
                                &res->n_ips, decode_ip, &res->n_ifaces, err);
    }
    if (!error) {
        error = items_from_json(obj, "routes", res->routes,
                                sizeof res->routes[0], &res->n_routes,
                                decode_route, NULL, err);
    }
    if (!error) {
        error = dns_from_json(obj, res, err);
    }
    if (error) {
        cniproto_result_destroy(res);
    }
    return error;
}

void
cniproto_result_destroy(struct cniproto_result *res)
{
    for (size_t i = 0; i < res->n_ifaces; i++) {
        free(res->ifaces[i].name);
        free(res->ifaces[i].mac);
        free(res->ifaces[i].sandbox);
        free(res->ifaces[i].socket_path);
        free(res->ifaces[i].pci_id);
    }
    for (size_t i = 0; i < res->n_ips; i++) {
        free(res->ips[i].address);
        free(res->ips[i].gateway);
    }
    for (size_t i = 0; i < res->n_routes; i++) {
        free(res->routes[i].dst);
        free(res->routes[i].gw);
    }
    for (size_t i = 0; i < res->n_dns_nameservers; i++) {
        free(res->dns_nameservers[i]);
    }
    memset(res, 0, sizeof *res);
}

/* Responses. */

struct json_object *
cniproto_response_to_json(const struct cniproto_response *resp)
{
    struct json_object *obj = json_object_new_object();

    put_int(obj, "version", CNIPROTO_VERSION);
    json_object_object_add(obj, "ok", json_object_new_boolean(resp->ok));
    if (!resp->ok) {
        put_int(obj, "code", resp->code);
        put_str(obj, "msg", resp->msg);
        put_str(obj, "details", resp->details);
    } else if (resp->has_result) {
        json_object_object_add(obj, "result",
                               cniproto_result_to_json(&resp->result));
    }
    return obj;
}

static int
response_error_from_json(struct json_object *obj,
                         struct cniproto_response *resp, char **err)
{
    int error = get_int(obj, "code", 1, 999, &resp->code, err);

    if (!error && !resp->code) {
        error = fail(err, "an error response needs \"code\"");
    }
    if (!error) {
        error = need_str(obj, "msg", &resp->msg, err);
    }
    if (!error) {
        error = get_str(obj, "details", &resp->details, err);
    }
    return error;
}

static int
response_result_from_json(struct json_object *obj,
                          struct cniproto_response *resp, char **err)
{
    struct json_object *result;

    if (!json_object_object_get_ex(obj, "result", &result)) {
        return 0;
    }
    int error = cniproto_result_from_json(result, &resp->result, err);
    resp->has_result = !error;
    return error;
}

int
cniproto_response_from_json(struct json_object *obj,
                            struct cniproto_response *resp, char **err)
{
    struct json_object *ok;
    int error;

    memset(resp, 0, sizeof *resp);
    error = need_object(obj, "a response", err);
    if (!error) {
        error = check_version(obj, err);
    }
    if (!error && (!json_object_object_get_ex(obj, "ok", &ok)
                   || !json_object_is_type(ok, json_type_boolean))) {
        error = fail(err, "\"ok\" must be a boolean");
    }
    if (!error) {
        resp->ok = json_object_get_boolean(ok);
        error = (resp->ok ? response_result_from_json(obj, resp, err)
                 : response_error_from_json(obj, resp, err));
    }
    if (error) {
        cniproto_response_destroy(resp);
    }
    return error;
}

void
cniproto_response_destroy(struct cniproto_response *resp)
{
    free(resp->msg);
    free(resp->details);
    cniproto_result_destroy(&resp->result);
    memset(resp, 0, sizeof *resp);
}

/* 'resp' must be zeroed or filled before; what it held is released. */
void
cniproto_response_error(struct cniproto_response *resp, int code,
                        const char *details, const char *fmt, ...)
{
    va_list args;

    cniproto_response_destroy(resp);
    resp->code = code;
    resp->details = cnimem_strdup(details);
    va_start(args, fmt);
    resp->msg = cnimem_vasprintf(fmt, args);
    va_end(args);
}

/* Framing. */

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits until 'fd' is readable or 'deadline' (now_ms() terms) passes. */
static int
wait_readable(int fd, long long deadline)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            return -ETIMEDOUT;
        }
        int n = poll(&pfd, 1, (int) left);
        if (n > 0) {
            return 0;
        } else if (n < 0 && errno != EINTR) {
            return -errno;
        }
    }
}

/* Reads until EOF into 'buf' (CNIPROTO_MAX_MSG + 1 bytes), so that one
 * byte too many tells an oversize message from one that fits exactly. */
static int
read_all(int fd, char *buf, size_t *lenp, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    size_t len = 0;

    for (;;) {
        int error = wait_readable(fd, deadline);
        if (error) {
            return error;
        }
        ssize_t n = read(fd, buf + len, CNIPROTO_MAX_MSG + 1 - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        } else if (n < 0) {
            return -errno;
        } else if (n == 0) {
            *lenp = len;
            return 0;
        }
        len += n;
        if (len > CNIPROTO_MAX_MSG) {
            return -EMSGSIZE;
        }
    }
}

static bool
is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!isspace((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}

int
cniproto_parse_object(const char *buf, size_t len, struct json_object **objp,
                      const char **whyp)
{
    const char *why = NULL;
    int error = 0;

    *objp = NULL;
    if (is_blank(buf, len)) {
        why = "nothing but white space";
        error = -ENODATA;
    } else {
        struct json_tokener *tok = cnimem_check(json_tokener_new());
        struct json_object *obj = json_tokener_parse_ex(tok, buf, len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);

        json_tokener_free(tok);
        if (!obj || jerr != json_tokener_success) {
            why = "not valid JSON";
            error = -EBADMSG;
        } else if (!is_blank(buf + end, len - end)) {
            why = "not valid JSON (more follows the object)";
            error = -EBADMSG;
        } else if (!json_object_is_type(obj, json_type_object)) {
            why = "not a JSON object";
            error = -EBADMSG;
        }
        if (error) {
            json_object_put(obj);
        } else {
            *objp = obj;
        }
    }
    if (whyp) {
        *whyp = why;
    }
    return error;
}

int
cniproto_read_msg(int fd, struct json_object **msg, int timeout_ms)
{
    char *buf = malloc(CNIPROTO_MAX_MSG + 1);
    size_t len = 0;
    int error;

    *msg = NULL;
    if (!buf) {
        return -ENOMEM;
    }
    error = read_all(fd, buf, &len, timeout_ms);
    if (!error) {
        error = cniproto_parse_object(buf, len, msg, NULL);
    }
    free(buf);
    return error;
}

static ssize_t
send_some(int fd, const char *buf, size_t len)
{
    /* MSG_NOSIGNAL: a peer that went away is an error, not SIGPIPE. */
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

    return n < 0 && errno == ENOTSOCK ? write(fd, buf, len) : n;
}

int
cniproto_write_msg(int fd, struct json_object *msg)
{
    size_t len;
    const char *buf = json_object_to_json_string_length(
        msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
        &len);

    if (!buf) {
        return -ENOMEM;
    } else if (len > CNIPROTO_MAX_MSG) {
        return -EMSGSIZE;
    }
    while (len) {
        ssize_t n = send_some(fd, buf, len);
        if (n < 0 && errno == EAGAIN) {
            /* A non-blocking socket, or SO_SNDTIMEO expired. */
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            if (!poll(&pfd, 1, WRITE_TIMEOUT_MS)) {
                return -ETIMEDOUT;
            }
        } else if (n < 0 && errno != EINTR) {
            return -errno;
        } else if (n > 0) {
            buf += n;
            len -= n;
        }
    }
    return 0;
}

/* Call. */

static int
connect_unix(const char *path, int timeout_ms, int *fdp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    /* Bounds a connect to an agent whose backlog is full, and the write. */
    struct timeval tv = { .tv_sec = timeout_ms / 1000,
                          .tv_usec = timeout_ms % 1000 * 1000 };
    int fd;

    if (strlen(path) >= sizeof sun.sun_path) {
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv)
        || connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        int error = errno == EAGAIN ? -ETIMEDOUT : -errno;
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

static int
exchange(int fd, const struct cniproto_request *req,
         struct json_object **reply, int timeout_ms)
{
    struct json_object *msg = cniproto_request_to_json(req);
    int error = cniproto_write_msg(fd, msg);

    json_object_put(msg);
    if (error) {
        return error;
    }
    if (shutdown(fd, SHUT_WR)) {
        return -errno;
    }
    return cniproto_read_msg(fd, reply, timeout_ms);
}

int
cniproto_call(const char *path, const struct cniproto_request *req,
              struct cniproto_response *resp, int timeout_ms)
{
    struct json_object *reply = NULL;
    char *err = NULL;
    int fd = -1;
    int error;

    memset(resp, 0, sizeof *resp);
    error = connect_unix(path, timeout_ms, &fd);
    if (!error) {
        error = exchange(fd, req, &reply, timeout_ms);
    }
    if (!error) {
        error = cniproto_response_from_json(reply, resp, &err);
        error = error == -EPROTONOSUPPORT || !error ? error : -EPROTO;
    }
    if (fd >= 0) {
        close(fd);
    }
    json_object_put(reply);
    free(err);
    return error;
}
