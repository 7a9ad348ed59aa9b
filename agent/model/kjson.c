#include <config.h>
#include "agent/model/kjson.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "util.h"

struct json_object *
kjson_child(struct json_object *obj, const char *key)
{
    struct json_object *v;

    if (json_object_is_type(obj, json_type_object)
        && json_object_object_get_ex(obj, key, &v)
        && !json_object_is_type(v, json_type_null)) {
        return v;
    }
    return NULL;
}

const char *
kjson_child_string(struct json_object *obj, const char *key)
{
    struct json_object *v = kjson_child(obj, key);

    return json_object_is_type(v, json_type_string)
           ? json_object_get_string(v) : NULL;
}

int
kjson_port(struct json_object *v, const char *path, bool zero_ok,
           uint16_t *portp, char **err)
{
    int64_t n = json_object_get_int64(v);

    if (!json_object_is_type(v, json_type_int) || n < (zero_ok ? 0 : 1)
        || n > 65535) {
        *err = xasprintf("%s: must be between 1 and 65535, inclusive", path);
        return -EINVAL;
    }
    *portp = n;
    return 0;
}

/* "PATH.KEY: WHAT", or "KEY: WHAT" at the top. */
static char *
field_error(const char *path, const char *key, const char *what)
{
    return (path ? xasprintf("%s.%s: %s", path, key, what)
            : xasprintf("%s: %s", key, what));
}

int
kjson_list(struct json_object *obj, const char *key, const char *path,
           struct json_object **listp, size_t *np, char **err)
{
    struct json_object *list = kjson_child(obj, key);

    *listp = list;
    *np = 0;
    if (list && !json_object_is_type(list, json_type_array)) {
        *err = field_error(path, key, "not a list");
        return -EINVAL;
    }
    *np = list ? json_object_array_length(list) : 0;
    return 0;
}

int
kjson_string(struct json_object *obj, const char *key, const char *path,
             const char **sp, char **err)
{
    struct json_object *v = kjson_child(obj, key);

    *sp = NULL;
    if (v && !json_object_is_type(v, json_type_string)) {
        *err = field_error(path, key, "not a string");
        return -EINVAL;
    }
    *sp = v ? json_object_get_string(v) : NULL;
    return 0;
}

int
kjson_proto(struct json_object *obj, const char *path, uint8_t *protop,
            char **err)
{
    static const struct { const char *name; uint8_t proto; } protos[] = {
        { "TCP", IPPROTO_TCP }, { "UDP", IPPROTO_UDP },
        { "SCTP", IPPROTO_SCTP },
    };
    struct json_object *v = kjson_child(obj, "protocol");
    const char *name = json_object_get_string(v);

    if (!v) {
        *protop = IPPROTO_TCP;
        return 0;
    }
    for (size_t i = 0; json_object_is_type(v, json_type_string)
                       && i < sizeof protos / sizeof protos[0]; i++) {
        if (!strcmp(name, protos[i].name)) {
            *protop = protos[i].proto;
            return 0;
        }
    }
    *err = xasprintf("%s.protocol: unsupported value '%s' (TCP, UDP or "
                     "SCTP)", path, name);
    return -EINVAL;
}

bool
kjson_is_port_name(const char *s)
{
    size_t len = strlen(s);
    bool letter = false;

    if (!len || len > 15 || s[0] == '-' || s[len - 1] == '-'
        || strstr(s, "--")) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 'a' && s[i] <= 'z') {
            letter = true;
        } else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-') {
            return false;
        }
    }
    return letter;
}

int
kjson_object_id(struct json_object *obj, const char *kind, const char *ns,
                const char *name, char **nsp, char **namep, char **keyp,
                char **err)
{
    struct json_object *metadata = kjson_child(obj, "metadata");

    if (!ns) {
        ns = json_object_get_string(kjson_child(metadata, "namespace"));
        ns = ns && ns[0] ? ns : "default";
    }
    if (!name) {
        name = json_object_get_string(kjson_child(metadata, "name"));
        if (!name || !name[0]) {
            *err = xasprintf("%s without metadata.name", kind);
            return -EINVAL;
        }
    }
    *nsp = xstrdup(ns);
    *namep = xstrdup(name);
    *keyp = xasprintf("%s/%s", ns, name);
    return 0;
}
