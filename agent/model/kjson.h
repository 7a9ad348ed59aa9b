/*
 * kjson: reading the JSON of Kubernetes API objects (json-c) for the
 * parsers of the cluster model.  Errors name the field the way the API
 * server does ("spec.ports[0].protocol: ..."): 'path' is where 'obj' is,
 * NULL at the top of the object.
 */
#ifndef KJSON_H
#define KJSON_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* The member 'key' of 'obj' when 'obj' is an object and the member is
 * present and not null, else NULL. */
struct json_object *kjson_child(struct json_object *obj, const char *key);

/* The member 'key' of 'obj' when it is a string, else NULL (for fields
 * whose absence and malformation mean the same). */
const char *kjson_child_string(struct json_object *obj, const char *key);

/* 'v' as a port number: an integer from 1 to 65535, or with 'zero_ok' 0
 * too (a field where 0 stands for "left out").  0, or -EINVAL with '*err'
 * as the API server words it ("PATH: must be between 1 and 65535,
 * inclusive"; a NULL 'v' is an absent number, 0). */
int kjson_port(struct json_object *v, const char *path, bool zero_ok,
               uint16_t *portp, char **err);

/* The list 'key' of 'obj' in '*listp' and its length in '*np' (NULL and 0
 * when left out).  0, or -EINVAL with '*err' if it is not a list. */
int kjson_list(struct json_object *obj, const char *key, const char *path,
               struct json_object **listp, size_t *np, char **err);

/* The string 'key' of 'obj' in '*sp' (NULL when left out).  0, or -EINVAL
 * with '*err' if it is not a string. */
int kjson_string(struct json_object *obj, const char *key, const char *path,
                 const char **sp, char **err);

/* The member "protocol" of 'obj' as IPPROTO_TCP (also when left out),
 * IPPROTO_UDP or IPPROTO_SCTP.  0, or -EINVAL with '*err'. */
int kjson_proto(struct json_object *obj, const char *path, uint8_t *protop,
                char **err);

/* IsValidPortName: an IANA service name, 1 to 15 of [a-z0-9-], at least
 * one letter, no leading, trailing or doubled '-'. */
bool kjson_is_port_name(const char *);

/* The namespace and name of an object: 'ns' and 'name' when given, else
 * its metadata's ("default" when the object has no namespace), stored as
 * new strings in '*nsp' and '*namep', and "NAMESPACE/NAME" in '*keyp'.
 * 0, or -EINVAL with '*err' ("KIND without metadata.name") and nothing
 * stored. */
int kjson_object_id(struct json_object *obj, const char *kind,
                    const char *ns, const char *name, char **nsp,
                    char **namep, char **keyp, char **err);

#endif /* kjson.h */
