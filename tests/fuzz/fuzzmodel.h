/*
 * fuzzmodel: the cluster model as the targets that feed it (model,
 * manifests, kubewatch) use it: objects applied the way the agent's
 * sources apply them, then everything the agent reads back from the model
 * after a change.
 */
#ifndef FUZZMODEL_H
#define FUZZMODEL_H 1

#include <json-c/json.h>

struct cluster;

/* Applies each object of the json-c array 'objects' to 'cluster', twice:
 * the second time must record no change, since nothing differs. */
void fuzzmodel_apply_all(struct cluster *, struct json_object *objects);

/* Reads 'cluster' as the agent does after changes (its changes, its
 * listing), deletes every object of 'objects' from it (NULL: none), and
 * destroys it. */
void fuzzmodel_finish(struct cluster *, struct json_object *objects);

#endif /* fuzzmodel.h */
