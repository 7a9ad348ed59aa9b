/*
 * render: the agent's seinectl/v1 answers (agent/core/ctlapi.h) as human
 * tables (table.h), one layout per kind of answer.
 */
#ifndef SEINECTL_RENDER_H
#define SEINECTL_RENDER_H 1

#include <json-c/json.h>

struct ds;

/* Appends 'reply' (an answer object) as a table.  0, or -EINVAL when it is
 * not an answer of a kind seinectl knows. */
int render_table(struct json_object *reply, struct ds *);

/* The text of JSON value 'v' for a cell: strings as they are, numbers and
 * booleans as JSON writes them, null and absence as NULL.  Valid until
 * 'v' changes. */
const char *render_cell(struct json_object *v);

#endif /* seinectl/render.h */
