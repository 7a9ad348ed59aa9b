/* One message on the agent's CNI socket, decoded both ways: as a request
 * from the plugin (the agent's side: cniserver) and as an answer from the
 * agent (the plugin's side: cniproto_call), an answer's result converted
 * to every CNI version the plugin prints.  What decodes must encode to a
 * message that decodes again. */
#include <config.h>

#include <stdlib.h>

#include "cni/cniargs.h"
#include "cni/cniproto.h"
#include "cni/cniresult.h"
#include "fuzzcni.h"
#include "fuzzglue.h"

static void
as_request(struct json_object *msg)
{
    struct cniproto_request req;
    char *err = NULL;

    if (!cniproto_request_from_json(msg, &req, &err)) {
        fuzzcni_check_request(&req);
        cniproto_request_destroy(&req);
    }
    free(err);
}

/* What the plugin prints of an answer, in each version. */
static void
print_response(const struct cniproto_response *resp)
{
    for (enum cniargs_spec spec = 0; spec < CNIARGS_N_SPECS; spec++) {
        json_object_put(resp->ok
                        ? cniresult_to_json(&resp->result, spec)
                        : cniresult_error_to_json(resp, spec));
    }
}

static void
as_response(struct json_object *msg)
{
    struct cniproto_response resp;
    char *err = NULL;

    if (!cniproto_response_from_json(msg, &resp, &err)) {
        fuzzcni_check_response(&resp);
        print_response(&resp);
        cniproto_response_destroy(&resp);
    }
    free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_object *msg;

    if (!cniproto_parse_object((const char *) data, size, &msg, NULL)) {
        as_request(msg);
        as_response(msg);
        json_object_put(msg);
    }
    return 0;
}
