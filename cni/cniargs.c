#include "cni/cniargs.h"
#include "cni/cnimem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "seine-config.h"

static const char *const spec_names[CNIARGS_N_SPECS] = {
    [CNIARGS_SPEC_0_3_1] = "0.3.1",
    [CNIARGS_SPEC_0_4_0] = "0.4.0",
    [CNIARGS_SPEC_1_0_0] = "1.0.0",
    [CNIARGS_SPEC_1_1_0] = "1.1.0",
};

const char *
cniargs_spec_name(enum cniargs_spec spec)
{
    return (unsigned) spec < CNIARGS_N_SPECS ? spec_names[spec] : "?";
}

int
cniargs_spec_from_name(const char *name, enum cniargs_spec *spec)
{
    for (int i = 0; i < CNIARGS_N_SPECS; i++) {
        if (!strcmp(name, spec_names[i])) {
            *spec = i;
            return 0;
        }
    }
    return -EINVAL;
}

/* The per-container variables a command reads. */
enum {
    ENV_CONTAINERID = 1 << 0,
    ENV_NETNS = 1 << 1,
    ENV_IFNAME = 1 << 2,
    ENV_CONTAINER = ENV_CONTAINERID | ENV_NETNS | ENV_IFNAME,
};

struct cmd_info {
    const char *name;
    enum cniargs_spec since;    /* first spec version with the command */
    unsigned int uses;          /* ENV_* read when set */
    unsigned int requires;      /* ENV_* that must be set */
    enum cniproto_cmd proto;
};

static const struct cmd_info cmds[CNIARGS_N_CMDS] = {
    [CNIARGS_ADD] = { "ADD", CNIARGS_SPEC_0_3_1, ENV_CONTAINER,
                      ENV_CONTAINER, CNIPROTO_ADD },
    [CNIARGS_DEL] = { "DEL", CNIARGS_SPEC_0_3_1, ENV_CONTAINER,
                      ENV_CONTAINERID | ENV_IFNAME, CNIPROTO_DEL },
    [CNIARGS_CHECK] = { "CHECK", CNIARGS_SPEC_0_4_0, ENV_CONTAINER,
                        ENV_CONTAINER, CNIPROTO_CHECK },
    [CNIARGS_STATUS] = { "STATUS", CNIARGS_SPEC_1_1_0, 0, 0,
                         CNIPROTO_STATUS },
    [CNIARGS_GC] = { "GC", CNIARGS_SPEC_1_1_0, 0, 0, CNIPROTO_GC },
    [CNIARGS_VERSION] = { "VERSION", CNIARGS_SPEC_0_3_1, 0, 0, 0 },
};

static const char *const interface_types[] = {
    "afxdp", "vhostuser", "tap", "sriov",
};

/* Fills 'err' with CNI error 'code'; returns -EINVAL for the caller to
 * pass on. */
static int __attribute__((format(printf, 4, 5)))
invalid(struct cniproto_response *err, int code, const char *details,
        const char *fmt, ...)
{
    va_list args;
    char *msg;

    va_start(args, fmt);
    msg = cnimem_vasprintf(fmt, args);
    va_end(args);
    cniproto_response_error(err, code, details, "%s", msg);
    free(msg);
    return -EINVAL;
}

/* The value of 'key' in 'envp', NULL when unset or empty (the spec treats
 * both the same). */
static const char *
env_get(char **envp, const char *key)
{
    size_t len = strlen(key);

    for (; envp && *envp; envp++) {
        if (!strncmp(*envp, key, len) && (*envp)[len] == '=') {
            return (*envp)[len + 1] ? *envp + len + 1 : NULL;
        }
    }
    return NULL;
}

static int
cmd_from_name(const char *name, enum cniargs_cmd *cmd)
{
    for (int i = 0; name && i < CNIARGS_N_CMDS; i++) {
        if (!strcmp(name, cmds[i].name)) {
            *cmd = i;
            return 0;
        }
    }
    return -EINVAL;
}

bool
cniargs_needs_input(char **envp)
{
    enum cniargs_cmd cmd;

    return (!cmd_from_name(env_get(envp, "CNI_COMMAND"), &cmd)
            && cmd != CNIARGS_VERSION);
}

int
cniargs_read_input(int fd, char **datap, size_t *lenp,
                   struct cniproto_response *err)
{
    char *data = cnimem_malloc(CNIARGS_MAX_INPUT + 1);
    size_t len = 0;
    ssize_t n = 1;

    while (n && len <= CNIARGS_MAX_INPUT) {
        n = read(fd, data + len, CNIARGS_MAX_INPUT + 1 - len);
        if (n < 0 && errno != EINTR) {
            free(data);
            return invalid(err, CNI_ERR_IO, strerror(errno),
                           "cannot read the network configuration");
        }
        len += n > 0 ? n : 0;
    }
    if (len > CNIARGS_MAX_INPUT) {
        free(data);
        return invalid(err, CNI_ERR_DECODE, NULL, "the network configuration "
                       "is larger than %d bytes", CNIARGS_MAX_INPUT);
    }
    data[len] = '\0';
    *datap = data;
    *lenp = len;
    return 0;
}

/* Environment. */

static int
check_container_id(const char *id, struct cniproto_response *err)
{
    bool ok = isalnum((unsigned char) id[0]);

    for (const char *p = id + 1; ok && *p; p++) {
        ok = isalnum((unsigned char) *p) || strchr("_.-", *p);
    }
    return ok ? 0 : invalid(err, CNI_ERR_INVALID_ENV, id,
                            "CNI_CONTAINERID has invalid characters");
}

/* The kernel's rules for a device name (dev_valid_name()). */
static int
check_ifname(const char *name, struct cniproto_response *err)
{
    const char *why = NULL;

    if (strlen(name) > 15) {
        why = "is longer than 15 characters";
    } else if (!strcmp(name, ".") || !strcmp(name, "..")) {
        why = "cannot be \".\" or \"..\"";
    }
    for (const char *p = name; !why && *p; p++) {
        if (*p == '/' || *p == ':' || isspace((unsigned char) *p)) {
            why = "cannot contain '/', ':' or white space";
        }
    }
    return why ? invalid(err, CNI_ERR_INVALID_ENV, name, "CNI_IFNAME %s", why)
           : 0;
}

static int
check_netns(const char *netns, struct cniproto_response *err)
{
    return netns[0] == '/' ? 0 : invalid(err, CNI_ERR_INVALID_ENV, netns,
                                         "CNI_NETNS must be an absolute path");
}

static int
parse_container_env(char **envp, const struct cmd_info *info,
                    struct cniproto_request *req,
                    struct cniproto_response *err)
{
    const struct {
        unsigned int bit;
        const char *name;
        int (*check)(const char *, struct cniproto_response *);
        char **value;
    } container_vars[] = {
        { ENV_CONTAINERID, "CNI_CONTAINERID", check_container_id,
          &req->container_id },
        { ENV_NETNS, "CNI_NETNS", check_netns, &req->netns },
        { ENV_IFNAME, "CNI_IFNAME", check_ifname, &req->ifname },
    };

    for (size_t i = 0; i < sizeof container_vars / sizeof *container_vars;
         i++) {
        const char *value = env_get(envp, container_vars[i].name);
        unsigned int bit = container_vars[i].bit;

        if (!(info->uses & bit)) {
            continue;
        } else if (!value && info->requires & bit) {
            return invalid(err, CNI_ERR_INVALID_ENV, NULL, "%s is required "
                           "for %s", container_vars[i].name, info->name);
        } else if (value) {
            int error = container_vars[i].check(value, err);
            if (error) {
                return error;
            }
            *container_vars[i].value = cnimem_strdup(value);
        }
    }
    return 0;
}

/* One "KEY=VALUE" of CNI_ARGS ('len' bytes at 'pair').  Keys Seine does
 * not know are ignored, as "IgnoreUnknown=1" asks of a plugin. */
static int
parse_cni_arg(const char *pair, size_t len, struct cniproto_request *req,
              struct cniproto_response *err)
{
    const struct {
        const char *key;
        char **value;
    } keys[] = {
        { "K8S_POD_NAMESPACE", &req->pod_namespace },
        { "K8S_POD_NAME", &req->pod_name },
        { "K8S_POD_UID", &req->pod_uid },
        { "IP", &req->static_ip },
        { "MAC", &req->static_mac },
    };
    const char *eq = memchr(pair, '=', len);

    if (!eq || eq == pair) {
        return invalid(err, CNI_ERR_INVALID_ENV, NULL, "CNI_ARGS: \"%.*s\" "
                       "is not KEY=VALUE", (int) len, pair);
    }
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        size_t key_len = strlen(keys[i].key);
        if (eq - pair == key_len && !memcmp(pair, keys[i].key, key_len)) {
            char **value = keys[i].value;
            free(*value);
            *value = (eq + 1 < pair + len
                      ? cnimem_strndup(eq + 1, pair + len - eq - 1) : NULL);
        }
    }
    return 0;
}

static int
parse_cni_args(const char *args, struct cniproto_request *req,
               struct cniproto_response *err)
{
    while (args && *args) {
        size_t len = strcspn(args, ";");
        if (len) {
            int error = parse_cni_arg(args, len, req, err);
            if (error) {
                return error;
            }
        }
        args += len + (args[len] == ';');
    }
    return 0;
}

static int
parse_command(char **envp, struct cniargs *args,
              struct cniproto_response *err)
{
    const char *name = env_get(envp, "CNI_COMMAND");

    if (!name) {
        return invalid(err, CNI_ERR_INVALID_ENV, NULL,
                       "CNI_COMMAND is required");
    } else if (cmd_from_name(name, &args->cmd)) {
        return invalid(err, CNI_ERR_INVALID_ENV, "ADD, DEL, CHECK, VERSION, "
                       "STATUS or GC", "unknown CNI_COMMAND \"%s\"", name);
    }
    return 0;
}

static int
parse_env(char **envp, struct cniargs *args, struct cniproto_response *err)
{
    const struct cmd_info *info = &cmds[args->cmd];
    int error = parse_container_env(envp, info, &args->req, err);

    if (!error) {
        error = parse_cni_args(env_get(envp, "CNI_ARGS"), &args->req, err);
    }
    args->cni_path = cnimem_strdup(env_get(envp, "CNI_PATH"));
    return error;
}

/* Configuration. */

static int
decode_config(const char *input, size_t len, struct json_object **cfgp,
              struct cniproto_response *err)
{
    struct json_object *cfg;
    const char *why;
    int error = cniproto_parse_object(input, len, &cfg, &why);

    if (error == -ENODATA) {
        return invalid(err, CNI_ERR_DECODE, NULL,
                       "no network configuration on stdin");
    } else if (error) {
        return invalid(err, CNI_ERR_DECODE, NULL,
                       "the network configuration is %s", why);
    }
    *cfgp = cfg;
    return 0;
}

/* The string 'key' of 'cfg': absent leaves '*value' alone (an error if
 * 'required'); a non-string or empty string is an error. */
static int
config_str(struct json_object *cfg, const char *key, bool required,
           char **value, struct cniproto_response *err)
{
    struct json_object *v;

    if (!json_object_object_get_ex(cfg, key, &v)) {
        return required ? invalid(err, CNI_ERR_INVALID_CONFIG, NULL,
                                  "\"%s\" is required", key) : 0;
    } else if (!json_object_is_type(v, json_type_string)
               || !json_object_get_string_len(v)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, NULL,
                       "\"%s\" must be a non-empty string", key);
    }
    free(*value);
    *value = cnimem_strdup(json_object_get_string(v));
    return 0;
}

static int
parse_spec(struct json_object *cfg, struct cniargs *args,
           struct cniproto_response *err)
{
    const struct cmd_info *info = &cmds[args->cmd];
    int error = config_str(cfg, "cniVersion", true, &args->req.cni_version,
                           err);
    enum cniargs_spec spec;

    if (error) {
        return error;
    } else if (cniargs_spec_from_name(args->req.cni_version, &spec)) {
        return invalid(err, CNI_ERR_INCOMPATIBLE_VERSION, "supported: 0.3.1, "
                       "0.4.0, 1.0.0, 1.1.0", "CNI version %s is not "
                       "supported", args->req.cni_version);
    }
    args->spec = spec;
    if (spec < info->since) {
        return invalid(err, CNI_ERR_INCOMPATIBLE_VERSION, NULL,
                       "%s needs CNI version %s or later, not %s", info->name,
                       cniargs_spec_name(info->since),
                       args->req.cni_version);
    }
    return 0;
}

static int
check_type(const char *type, struct cniproto_response *err)
{
    return !strcmp(type, "seine") ? 0
           : invalid(err, CNI_ERR_INVALID_CONFIG, NULL, "\"type\" is \"%s\", "
                     "this plugin is \"seine\"", type);
}

static int
check_interface_type(const char *type, struct cniproto_response *err)
{
    for (size_t i = 0; i < sizeof interface_types / sizeof *interface_types;
         i++) {
        if (!strcmp(type, interface_types[i])) {
            return 0;
        }
    }
    return invalid(err, CNI_ERR_INVALID_CONFIG,
                   "afxdp, vhostuser, tap or sriov",
                   "unknown \"interfaceType\" \"%s\"", type);
}

static int
check_path(const char *key, const char *path, size_t max,
           struct cniproto_response *err)
{
    if (path[0] != '/') {
        return invalid(err, CNI_ERR_INVALID_CONFIG, path,
                       "\"%s\" must be an absolute path", key);
    } else if (strlen(path) > max) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, path, "\"%s\" is longer "
                       "than %zu bytes", key, max);
    }
    return 0;
}

static int
parse_mtu(struct json_object *cfg, int *mtu, struct cniproto_response *err)
{
    struct json_object *v;

    if (!json_object_object_get_ex(cfg, "mtu", &v)) {
        return 0;
    }
    int64_t n = json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_int) || n < 68 || n > 65535) {
        return invalid(err, CNI_ERR_INVALID_CONFIG,
                       json_object_to_json_string(v),
                       "\"mtu\" must be an integer from 68 to 65535");
    }
    *mtu = n;
    return 0;
}

static int
parse_default_route(struct json_object *cfg, enum cniproto_default_route *route,
                    struct cniproto_response *err)
{
    struct json_object *v;

    if (!json_object_object_get_ex(cfg, "defaultRoute", &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_boolean)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG,
                       json_object_to_json_string(v),
                       "\"defaultRoute\" must be true or false");
    }
    *route = json_object_get_boolean(v) ? CNIPROTO_ROUTE_YES
                                        : CNIPROTO_ROUTE_NO;
    return 0;
}

static int
parse_attachment(struct json_object *a, struct cniproto_attachment *att,
                 struct cniproto_response *err)
{
    if (!json_object_is_type(a, json_type_object)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, NULL, "entries of "
                       "\"cni.dev/valid-attachments\" must be objects");
    }
    int error = config_str(a, "containerID", true, &att->container_id, err);
    return error ? error : config_str(a, "ifname", true, &att->ifname, err);
}

/* GC deletes every attachment not listed, so a missing list is an error
 * rather than an empty one. */
static int
parse_valid_attachments(struct json_object *cfg, struct cniproto_request *req,
                        struct cniproto_response *err)
{
    struct json_object *array;
    int error = 0;

    if (!json_object_object_get_ex(cfg, "cni.dev/valid-attachments", &array)
        || !json_object_is_type(array, json_type_array)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, NULL, "GC needs the "
                       "array \"cni.dev/valid-attachments\"");
    }
    size_t n = json_object_array_length(array);
    req->valid = cnimem_calloc(n, sizeof *req->valid);
    for (size_t i = 0; !error && i < n; i++) {
        error = parse_attachment(json_object_array_get_idx(array, i),
                                 &req->valid[req->n_valid++], err);
    }
    return error;
}

static int
parse_seine_fields(struct json_object *cfg, struct cniargs *args,
                   struct cniproto_response *err)
{
    struct cniproto_request *req = &args->req;
    int error = config_str(cfg, "interfaceType", false, &req->interface_type,
                           err);

    if (!error && req->interface_type) {
        error = check_interface_type(req->interface_type, err);
    }
    if (!error) {
        error = parse_mtu(cfg, &req->mtu, err);
    }
    if (!error) {
        error = parse_default_route(cfg, &req->default_route, err);
    }
    if (!error) {
        error = config_str(cfg, "agentSocket", false, &args->agent_socket,
                           err);
    }
    if (!error) {
        error = check_path("agentSocket", args->agent_socket,
                           sizeof ((struct sockaddr_un *) 0)->sun_path - 1,
                           err);
    }
    if (!error) {
        error = config_str(cfg, "vhostSocketDir", false,
                           &req->vhost_socket_dir, err);
    }
    if (!error && req->vhost_socket_dir) {
        error = check_path("vhostSocketDir", req->vhost_socket_dir,
                           PATH_MAX, err);
    }
    return error;
}

/* Static addresses and MACs. */

/* The address part of "A.B.C.D[/LEN]". */
static size_t
ip_part_len(const char *text)
{
    const char *slash = strchr(text, '/');
    return slash ? (size_t) (slash - text) : strlen(text);
}

/* "A.B.C.D" or "A.B.C.D/LEN": one IPv4 address, its prefix length
 * optional (the agent checks both against the node's subnet). */
static bool
static_ip_valid(const char *text)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(text, '/');
    size_t len = ip_part_len(text);
    struct in_addr ip;

    if (len >= sizeof addr) {
        return false;
    }
    memcpy(addr, text, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, &ip) != 1) {
        return false;
    }
    if (slash) {
        char *end;
        long plen = strtol(slash + 1, &end, 10);
        return isdigit((unsigned char) slash[1]) && !*end && plen <= 32;
    }
    return true;
}

/* A unicast, non-zero MAC written as six colon-separated hex pairs. */
static bool
static_mac_valid(const char *text)
{
    unsigned int b[6];

    if (strlen(text) != 17) {
        return false;
    }
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? text[i] != ':' : !isxdigit((unsigned char) text[i])) {
            return false;
        }
    }
    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
           &b[4], &b[5]);
    return !(b[0] & 1) && (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]);
}

/* runtimeConfig "ips" (capability "ips"): one IPv4 address.  A list that
 * names it more than once is that address (podman 4.3's network reload
 * sends it twice); none is no request. */
static int
parse_runtime_ips(struct json_object *rc, struct cniproto_request *req,
                  struct cniproto_response *err)
{
    struct json_object *ips;
    const char *first = NULL;

    if (!json_object_object_get_ex(rc, "ips", &ips)) {
        return 0;
    }
    size_t n = (json_object_is_type(ips, json_type_array)
                ? json_object_array_length(ips) : 0);
    bool ok = json_object_is_type(ips, json_type_array);
    for (size_t i = 0; ok && i < n; i++) {
        struct json_object *ip = json_object_array_get_idx(ips, i);
        const char *text = (json_object_is_type(ip, json_type_string)
                            ? json_object_get_string(ip) : NULL);

        ok = text && static_ip_valid(text);
        if (ok && !first) {
            first = text;
        } else if (ok) {
            ok = (ip_part_len(text) == ip_part_len(first)
                  && !memcmp(text, first, ip_part_len(first)));
        }
    }
    if (!ok) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, "one IPv4 address, "
                       "e.g. [\"10.244.1.20/24\"]", "runtimeConfig \"ips\" "
                       "must hold one IPv4 address");
    }
    if (first) {
        free(req->static_ip);
        req->static_ip = cnimem_strdup(first);
    }
    return 0;
}

/* What the runtime asks of the address and MAC: CNI_ARGS IP= and MAC=,
 * overridden by runtimeConfig "ips" and "mac".  Only ADD uses them; the
 * other commands ignore them (a runtime passes the same CNI_ARGS to DEL). */
static int
parse_static(struct json_object *cfg, struct cniargs *args,
             struct cniproto_response *err)
{
    struct cniproto_request *req = &args->req;
    struct json_object *rc;

    if (args->cmd != CNIARGS_ADD) {
        free(req->static_ip);
        free(req->static_mac);
        req->static_ip = req->static_mac = NULL;
        return 0;
    }
    if (req->static_ip && !static_ip_valid(req->static_ip)) {
        return invalid(err, CNI_ERR_INVALID_ENV, "one IPv4 address",
                       "CNI_ARGS IP=\"%s\" is not an IPv4 address",
                       req->static_ip);
    }
    if (req->static_mac && !static_mac_valid(req->static_mac)) {
        return invalid(err, CNI_ERR_INVALID_ENV, "a unicast MAC such as "
                       "02:00:00:00:00:01", "CNI_ARGS MAC=\"%s\" is not a "
                       "unicast MAC", req->static_mac);
    }
    if (!json_object_object_get_ex(cfg, "runtimeConfig", &rc)) {
        return 0;
    }
    if (!json_object_is_type(rc, json_type_object)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, NULL,
                       "\"runtimeConfig\" must be an object");
    }
    int error = parse_runtime_ips(rc, req, err);
    if (!error) {
        error = config_str(rc, "mac", false, &req->static_mac, err);
    }
    if (!error && req->static_mac && !static_mac_valid(req->static_mac)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, "a unicast MAC such as "
                       "02:00:00:00:00:01", "runtimeConfig \"mac\" \"%s\" "
                       "is not a unicast MAC", req->static_mac);
    }
    return error;
}

/* "DDDD:BB:DD.F", hexadecimal: a PCI address as sysfs names devices. */
static bool
pci_address_valid(const char *text)
{
    static const char shape[] = "xxxx:xx:xx.x";

    if (strlen(text) != sizeof shape - 1) {
        return false;
    }
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'x' ? !isxdigit((unsigned char) text[i])
                            : text[i] != shape[i]) {
            return false;
        }
    }
    return true;
}

/* The VF of an sriov attachment: "deviceID" at the top level, where Multus
 * puts it (from the device plugin's allocation), else runtimeConfig
 * "deviceID" (capability "deviceID"). */
static int
parse_device_id(struct json_object *cfg, struct cniproto_request *req,
                struct cniproto_response *err)
{
    struct json_object *rc;
    int error = config_str(cfg, "deviceID", false, &req->device_id, err);

    if (!error && !req->device_id
        && json_object_object_get_ex(cfg, "runtimeConfig", &rc)
        && json_object_is_type(rc, json_type_object)) {
        error = config_str(rc, "deviceID", false, &req->device_id, err);
    }
    if (!error && req->device_id && !pci_address_valid(req->device_id)) {
        return invalid(err, CNI_ERR_INVALID_CONFIG, "a PCI address such as "
                       "0000:03:00.2", "\"deviceID\" \"%s\" is not a PCI "
                       "address", req->device_id);
    }
    return error;
}

/* Integer 'key' of 'cfg' from 'min' to 'max' into '*n'; absent: -1. */
static int
config_range(struct json_object *cfg, const char *key, int min, int max,
             int *n, struct cniproto_response *err)
{
    struct json_object *v;

    *n = -1;
    if (!json_object_object_get_ex(cfg, key, &v)) {
        return 0;
    }
    int64_t value = json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_int) || value < min
        || value > max) {
        return invalid(err, CNI_ERR_INVALID_CONFIG,
                       json_object_to_json_string(v), "\"%s\" must be an "
                       "integer from %d to %d", key, min, max);
    }
    *n = value;
    return 0;
}

/* The VF settings as the protocol carries them; ample for every key. */
struct vf_text {
    char buf[96];
    size_t len;
};

static void
vf_text_put(struct vf_text *t, const char *name, const char *value)
{
    t->len += snprintf(t->buf + t->len, sizeof t->buf - t->len, "%s%s=%s",
                       t->len ? " " : "", name, value);
}

/* String 'key' of 'cfg', one of 'choices' (NULL-terminated), into 't' as
 * NAME=VALUE. */
static int
config_choice(struct json_object *cfg, const char *key, const char *name,
              const char *const *choices, struct vf_text *t,
              struct cniproto_response *err)
{
    char *value = NULL;
    int error = config_str(cfg, key, false, &value, err);

    for (size_t i = 0; !error && value && choices[i]; i++) {
        if (!strcmp(value, choices[i])) {
            vf_text_put(t, name, value);
            free(value);
            return 0;
        }
    }
    if (!error && value) {
        struct vf_text list = { .len = 0 };
        for (size_t i = 0; choices[i]; i++) {
            list.len += snprintf(list.buf + list.len,
                                 sizeof list.buf - list.len, "%s\"%s\"",
                                 i ? ", " : "", choices[i]);
        }
        error = invalid(err, CNI_ERR_INVALID_CONFIG, value, "\"%s\" must be "
                        "one of %s", key, list.buf);
    }
    free(value);
    return error;
}

/* The VF settings an sriov network asks of the PF, under sriov-cni's keys:
 * "vlan", "vlanQoS", "spoofchk", "trust", "link_state". */
static int
parse_vf_config(struct json_object *cfg, struct cniproto_request *req,
                struct cniproto_response *err)
{
    static const char *const on_off[] = { "on", "off", NULL };
    static const char *const link[] = { "auto", "enable", "disable", NULL };
    struct vf_text t = { .len = 0 };
    char number[16];
    int vlan, qos;
    int error = config_range(cfg, "vlan", 0, 4095, &vlan, err);

    if (!error) {
        error = config_range(cfg, "vlanQoS", 0, 7, &qos, err);
    }
    if (!error && qos > 0 && vlan < 0) {
        error = invalid(err, CNI_ERR_INVALID_CONFIG, NULL, "\"vlanQoS\" "
                        "needs \"vlan\"");
    }
    if (!error && vlan >= 0) {
        snprintf(number, sizeof number, "%d", vlan);
        vf_text_put(&t, "vlan", number);
        snprintf(number, sizeof number, "%d", qos > 0 ? qos : 0);
        vf_text_put(&t, "qos", number);
    }
    if (!error) {
        error = config_choice(cfg, "spoofchk", "spoofchk", on_off, &t, err);
    }
    if (!error) {
        error = config_choice(cfg, "trust", "trust", on_off, &t, err);
    }
    if (!error) {
        error = config_choice(cfg, "link_state", "link", link, &t, err);
    }
    if (!error && t.len) {
        req->vf_config = cnimem_strdup(t.buf);
    }
    return error;
}

static int
parse_config(struct json_object *cfg, struct cniargs *args,
             struct cniproto_response *err)
{
    int error = config_str(cfg, "name", true, &args->req.network_name, err);
    char *type = NULL;

    if (!error) {
        error = config_str(cfg, "type", true, &type, err);
    }
    if (!error) {
        error = check_type(type, err);
    }
    if (!error) {
        error = parse_seine_fields(cfg, args, err);
    }
    if (!error) {
        error = parse_device_id(cfg, &args->req, err);
    }
    if (!error) {
        error = parse_vf_config(cfg, &args->req, err);
    }
    if (!error && args->cmd == CNIARGS_GC) {
        error = parse_valid_attachments(cfg, &args->req, err);
    }
    if (!error) {
        error = parse_static(cfg, args, err);
    }
    free(type);
    return error;
}

int
cniargs_parse(char **envp, const char *input, size_t len,
              struct cniargs *args, struct cniproto_response *err)
{
    struct json_object *cfg = NULL;
    int error;

    memset(args, 0, sizeof *args);
    args->spec = CNIARGS_SPEC_LATEST;
    args->agent_socket = cnimem_strdup(SEINE_DEFAULT_CNI_SOCKET);
    error = parse_command(envp, args, err);
    if (error || args->cmd == CNIARGS_VERSION) {
        return error;
    }
    args->req.cmd = cmds[args->cmd].proto;
    error = decode_config(input ? input : "", input ? len : 0, &cfg, err);
    if (!error) {
        error = parse_spec(cfg, args, err);
    }
    if (!error) {
        error = parse_env(envp, args, err);
    }
    if (!error) {
        error = parse_config(cfg, args, err);
    }
    json_object_put(cfg);
    return error;
}

void
cniargs_destroy(struct cniargs *args)
{
    free(args->agent_socket);
    free(args->cni_path);
    cniproto_request_destroy(&args->req);
    memset(args, 0, sizeof *args);
}
