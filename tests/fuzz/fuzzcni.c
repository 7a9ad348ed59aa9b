#include <config.h>
#include "fuzzcni.h"

#include <stdlib.h>

#include "fuzzglue.h"

/* The text cniproto_write_msg() sends for 'msg' (which it puts), parsed
 * back as cniproto_read_msg() parses it. */
static struct json_object *
through_socket(struct json_object *msg)
{
    size_t len;
    const char *text = json_object_to_json_string_length(
        msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    struct json_object *back = NULL;

    fuzzglue_check(!cniproto_parse_object(text, len, &back, NULL),
                   "a message a side sends is not JSON to the other");
    json_object_put(msg);
    return back;
}

void
fuzzcni_check_request(const struct cniproto_request *req)
{
    struct json_object *msg = through_socket(cniproto_request_to_json(req));
    struct cniproto_request back;
    char *err = NULL;

    fuzzglue_check(!cniproto_request_from_json(msg, &back, &err),
                   "the agent refuses a request the plugin sends");
    free(err);
    cniproto_request_destroy(&back);
    json_object_put(msg);
}

void
fuzzcni_check_response(const struct cniproto_response *resp)
{
    struct json_object *msg = through_socket(cniproto_response_to_json(resp));
    struct cniproto_response back;
    char *err = NULL;

    fuzzglue_check(!cniproto_response_from_json(msg, &back, &err),
                   "the plugin refuses an answer the agent sends");
    free(err);
    cniproto_response_destroy(&back);
    json_object_put(msg);
}
