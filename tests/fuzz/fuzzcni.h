/*
 * fuzzcni: the property both CNI targets check, that the plugin and the
 * agent agree: a message one side encodes, the other decodes, through the
 * same JSON text the socket carries.
 */
#ifndef FUZZCNI_H
#define FUZZCNI_H 1

#include "cni/cniproto.h"

/* Stops the program unless 'req' (as the plugin would send it) decodes
 * as the agent decodes requests. */
void fuzzcni_check_request(const struct cniproto_request *req);

/* The same for 'resp' as the agent would answer it, decoded by the
 * plugin. */
void fuzzcni_check_response(const struct cniproto_response *resp);

#endif /* fuzzcni.h */
