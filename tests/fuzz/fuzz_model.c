/* API objects as JSON, one value after another (a list's items, the
 * objects of watch events): each applied to one cluster model, which
 * validates it with the parser of its kind (netpol_parse, cnp_parse,
 * service_parse, epslice_parse for the policy and Service kinds); each
 * also given to that parser alone, which then takes the name and
 * namespace from the object's metadata. */
#include <config.h>

#include <stdlib.h>

#include "agent/model/cluster.h"
#include "agent/model/cnp.h"
#include "agent/model/epslice.h"
#include "agent/model/netpol.h"
#include "agent/model/service.h"
#include "fuzzglue.h"
#include "fuzzmodel.h"

/* Deeper than any API object; the agent's readers bound it too. */
#define FUZZ_JSON_DEPTH 64

static struct json_object *
parse_values(const uint8_t *data, size_t size)
{
    struct json_tokener *tok = json_tokener_new_ex(FUZZ_JSON_DEPTH);
    struct json_object *values = json_object_new_array();
    const char *text = (const char *) data;

    while (size) {
        struct json_object *v = json_tokener_parse_ex(tok, text, size);
        size_t used = json_tokener_get_parse_end(tok);

        if (json_tokener_get_error(tok) != json_tokener_success || !used) {
            json_object_put(v);
            break;
        }
        json_object_array_add(values, v);
        text += used;
        size -= used;
        json_tokener_reset(tok);
    }
    json_tokener_free(tok);
    return values;
}

static void
parse_alone(struct json_object *obj, enum cluster_kind kind, char **err)
{
    struct netpol *np;
    struct cnp *cnp;
    struct service *svc;
    struct epslice *slice;

    if (kind == CLUSTER_NETWORK_POLICY
        && !netpol_parse(obj, NULL, NULL, &np, err)) {
        netpol_destroy(np);
    } else if (kind == CLUSTER_CLUSTER_NETWORK_POLICY
               && !cnp_parse(obj, NULL, &cnp, err)) {
        cnp_destroy(cnp);
    } else if (kind == CLUSTER_SERVICE
               && !service_parse(obj, NULL, NULL, &svc, err)) {
        service_destroy(svc);
    } else if (kind == CLUSTER_ENDPOINT_SLICE
               && !epslice_parse(obj, NULL, NULL, &slice, err)) {
        epslice_destroy(slice);
    }
}

static void
parse_known(struct json_object *obj)
{
    enum cluster_kind kind;
    const char *ns, *name;
    char *err = NULL;

    if (!cluster_identify(obj, &kind, &ns, &name, &err)) {
        parse_alone(obj, kind, &err);
    }
    free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_object *values = parse_values(data, size);
    struct cluster *cluster = cluster_create();

    fuzzmodel_apply_all(cluster, values);
    fuzzmodel_finish(cluster, values);
    for (size_t i = 0; i < json_object_array_length(values); i++) {
        parse_known(json_object_array_get_idx(values, i));
    }
    json_object_put(values);
    return 0;
}
