/*
 * manifests: a state source reading Kubernetes manifests (YAML or JSON,
 * several documents per file, "List" kinds expanded) from one folder, and
 * watching it with inotify.  A file that changes is re-read whole; objects
 * that disappear from it (or with it) are deleted from the cluster.  A file
 * that fails to parse is logged and keeps its previous objects, so a
 * half-written editor save never empties the cluster.
 */
#ifndef MANIFESTS_H
#define MANIFESTS_H 1

#include <json-c/json.h>
#include "source.h"

/* Opens the source on 'dir' and loads what is there now into 'cluster'.
 * 0 or -errno (-ENOENT: no such folder). */
int manifests_open(const char *dir, struct cluster *, struct source *);

/* Parses YAML or JSON text with one or more documents into a json-c array
 * of objects (a "kind: List" document contributes its items).  0, or
 * -EINVAL with '*err' naming the line (caller frees). */
int manifests_parse(const char *text, size_t len, struct json_object **arrayp,
                    char **err);

#endif /* manifests.h */
