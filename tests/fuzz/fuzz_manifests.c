/* A file of the manifests folder (YAML or JSON, several documents, List
 * kinds), parsed as manifests_parse() reads it, and its objects applied
 * to a cluster model as the manifests source applies them. */
#include <config.h>

#include <stdlib.h>

#include "agent/model/cluster.h"
#include "agent/sources/manifests.h"
#include "fuzzglue.h"
#include "fuzzmodel.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_object *objects = NULL;
    char *err = NULL;

    if (!manifests_parse((const char *) data, size, &objects, &err)) {
        struct cluster *cluster = cluster_create();

        fuzzmodel_apply_all(cluster, objects);
        fuzzmodel_finish(cluster, objects);
    }
    json_object_put(objects);
    free(err);
    return 0;
}
