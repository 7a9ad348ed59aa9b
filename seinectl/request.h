/*
 * request: what seinectl asks the agent for each command, and the answer
 * as a seinectl/v1 object.  Most commands are one "ctl/..." call whose
 * JSON is the answer; "log-level" uses the agent's vlog/set and vlog/list
 * (libopenvswitch's, which answer text) and reshapes the list, and
 * "version" adds seinectl's own version.
 */
#ifndef SEINECTL_REQUEST_H
#define SEINECTL_REQUEST_H 1

#include <json-c/json.h>

struct ctl_opts;
struct jsonrpc;

/* Runs the command of 'opts' over 'client'.  CTL_EXIT_OK with the answer
 * in '*replyp', or another CTL_EXIT_* with why in '*errp' (the caller
 * frees both). */
int request_run(struct jsonrpc *client, const struct ctl_opts *,
                struct json_object **replyp, char **errp);

/* vlog/list's table as a LogLevelList answer, only 'module' if nonnull:
 * items {"module", "console", "syslog", "file"}, levels in lower case. */
struct json_object *request_parse_loglevels(const char *text,
                                            const char *module);

#endif /* seinectl/request.h */
