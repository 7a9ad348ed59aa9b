/*
 * ctlapi: the agent's answers to seinectl, the operator's CLI, on its
 * control socket (unixctl).  Every command is named "ctl/..." and answers
 * one JSON object of one versioned protocol:
 *
 *   {"apiVersion": "seinectl/v1", "kind": "PodList", "items": [...]}
 *
 * Field names are camelCase and stable within an apiVersion: a new field
 * may appear, none changes meaning or goes away.  docs/observability.md
 * lists every command and field.  Errors are unixctl errors (text), which
 * seinectl turns into exit code 1.
 *
 * The commands read what the agent holds (podstore, cluster model, policy
 * and service state, desired flows, OVSDB through its IDL), except
 * ctl/policies' packet counters, read from the switch over OpenFlow, and
 * ctl/pmd, asked of ovs-vswitchd's control socket (pmdstats.h).
 */
#ifndef CTLAPI_H
#define CTLAPI_H 1

struct agent;
struct json_object;
struct unixctl_conn;

#define CTLAPI_VERSION "seinectl/v1"

/* Registers every "ctl/..." command, answering for 'agent'.  'config_path'
 * is the file the agent's configuration came from (ctl/runtime tells it);
 * it must outlive the commands. */
void ctlapi_register(struct agent *, const char *config_path);

/* Answers 'conn' with 'items' (taking its reference) in the envelope every
 * answer shares, for commands that answer later (traceflow.h). */
void ctlapi_reply_items(struct unixctl_conn *, const char *kind,
                        struct json_object *items);

#endif /* ctlapi.h */
