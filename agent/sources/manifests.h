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

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "agent/sources/source.h"

/* Opens the source on 'dir' and loads what is there now into 'cluster'.
 * 0 or -errno (-ENOENT: no such folder).  When two files define the same
 * object, the one read last wins (name order at start, then write order);
 * see docs/configuration.md. */
int manifests_open(const char *dir, struct cluster *, struct source *);

/* Whether a file called 'name' in the folder is read: *.yaml, *.yml and
 * *.json, except dotfiles (hidden files, editor swap and lock files). */
bool manifests_is_manifest_name(const char *name);

/* Parses YAML or JSON text with one or more documents into a json-c array
 * of objects (a "kind: List" document contributes its items).  Text whose
 * first character is '{' or '[' is JSON (one value after another), anything
 * else YAML ("---" between documents).  Plain YAML scalars follow the YAML
 * 1.2 core schema (null, true/false, integers, floats); quoted ones stay
 * strings.  Anchors and aliases are rejected.  0, or -EINVAL with '*err'
 * naming the line (caller frees). */
int manifests_parse(const char *text, size_t len, struct json_object **arrayp,
                    char **err);

#endif /* manifests.h */
