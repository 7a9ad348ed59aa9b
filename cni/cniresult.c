#include "cni/cniresult.h"

#include <errno.h>
#include <string.h>

/* Takes what older versions lack out of the interfaces. */
static void
downgrade_ifaces(struct json_object *ifaces)
{
    for (size_t i = 0; i < json_object_array_length(ifaces); i++) {
        struct json_object *iface = json_object_array_get_idx(ifaces, i);
        json_object_object_del(iface, "mtu");
        json_object_object_del(iface, "socketPath");
        json_object_object_del(iface, "pciID");
    }
}

/* Before 1.0.0, each IP names its family. */
static void
add_ip_versions(struct json_object *ips)
{
    for (size_t i = 0; i < json_object_array_length(ips); i++) {
        struct json_object *ip = json_object_array_get_idx(ips, i);
        struct json_object *address;
        const char *family = "4";

        if (json_object_object_get_ex(ip, "address", &address)
            && strchr(json_object_get_string(address), ':')) {
            family = "6";
        }
        json_object_object_add(ip, "version",
                               json_object_new_string(family));
    }
}

struct json_object *
cniresult_to_json(const struct cniproto_result *res, enum cniargs_spec spec)
{
    struct json_object *latest = cniproto_result_to_json(res);
    struct json_object *out = json_object_new_object();
    struct json_object *ifaces, *ips;

    json_object_object_add(out, "cniVersion",
                           json_object_new_string(cniargs_spec_name(spec)));
    json_object_object_foreach(latest, key, value) {
        json_object_object_add(out, key, json_object_get(value));
    }
    json_object_put(latest);
    if (spec < CNIARGS_SPEC_1_1_0
        && json_object_object_get_ex(out, "interfaces", &ifaces)) {
        downgrade_ifaces(ifaces);
    }
    if (spec < CNIARGS_SPEC_1_0_0
        && json_object_object_get_ex(out, "ips", &ips)) {
        add_ip_versions(ips);
    }
    return out;
}

struct json_object *
cniresult_error_to_json(const struct cniproto_response *resp,
                        enum cniargs_spec spec)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "cniVersion",
                           json_object_new_string(cniargs_spec_name(spec)));
    json_object_object_add(obj, "code", json_object_new_int(
                               resp->code ? resp->code : CNI_ERR_INTERNAL));
    json_object_object_add(obj, "msg", json_object_new_string(
                               resp->msg ? resp->msg : "unknown error"));
    if (resp->details && resp->details[0]) {
        json_object_object_add(obj, "details",
                               json_object_new_string(resp->details));
    }
    return obj;
}

struct json_object *
cniresult_version_to_json(void)
{
    struct json_object *obj = json_object_new_object();
    struct json_object *versions = json_object_new_array();

    for (int i = 0; i < CNIARGS_N_SPECS; i++) {
        json_object_array_add(versions,
                              json_object_new_string(cniargs_spec_name(i)));
    }
    json_object_object_add(obj, "cniVersion", json_object_new_string(
                               cniargs_spec_name(CNIARGS_SPEC_LATEST)));
    json_object_object_add(obj, "supportedVersions", versions);
    return obj;
}

int
cniresult_print(FILE *stream, struct json_object *obj)
{
    const char *s = json_object_to_json_string_ext(
        obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
        | JSON_C_TO_STRING_NOSLASHESCAPE);

    if (!s || fprintf(stream, "%s\n", s) < 0 || fflush(stream)) {
        return -EIO;
    }
    return 0;
}
