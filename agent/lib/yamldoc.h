/*
 * yamldoc: loading a configuration file (or its text, read elsewhere) that
 * holds one YAML document, with the error wording the agent's readers
 * share ("PATH:LINE:COLUMN: what libyaml found"), so that they differ only
 * in what they do with the nodes.
 */
#ifndef YAMLDOC_H
#define YAMLDOC_H 1

#include <stddef.h>
#include <yaml.h>

/* Loads file 'path' into '*doc', which the caller then frees with
 * yaml_document_delete().  An empty file gives a document without a root
 * node; a second document in the file is an error.  0, or -errno with
 * '*err' naming the file (caller frees) and nothing left to free in
 * '*doc'. */
int yamldoc_load(const char *path, yaml_document_t *doc, char **err);
/* The same for the 'len' bytes of 'text', which errors call 'name' in
 * place of a path. */
int yamldoc_parse(const char *name, const char *text, size_t len,
                  yaml_document_t *doc, char **err);

#endif /* yamldoc.h */
