/*
 * cniresult: what the plugin prints on stdout, in the form of the CNI spec
 * version the runtime asked for.  The agent answers in 1.1.0 terms
 * (cniproto.h); older versions see a subset, and 0.3.1/0.4.0 an extra
 * "version" on each IP:
 *
 *   field                      0.3.1  0.4.0  1.0.0  1.1.0
 *   interfaces[].mtu             -      -      -      x
 *   interfaces[].socketPath      -      -      -      x
 *   ips[].version ("4"/"6")      x      x      -      -
 */
#ifndef CNIRESULT_H
#define CNIRESULT_H 1

#include <stdio.h>
#include <json-c/json.h>

#include "cni/cniargs.h"
#include "cni/cniproto.h"

/* The ADD result for 'spec'.  Caller puts the object. */
struct json_object *cniresult_to_json(const struct cniproto_result *,
                                      enum cniargs_spec);

/* The spec's error object for the error in 'resp' (resp->ok false). */
struct json_object *cniresult_error_to_json(const struct cniproto_response *,
                                            enum cniargs_spec);

/* The answer to VERSION. */
struct json_object *cniresult_version_to_json(void);

/* Prints 'obj' to 'stream', pretty and newline-terminated.  0 or -errno. */
int cniresult_print(FILE *stream, struct json_object *obj);

#endif /* cniresult.h */
