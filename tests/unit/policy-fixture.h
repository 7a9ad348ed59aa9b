/* Clusters and resolutions for the policy unit tests (test_netpol,
 * test_cnp): a cluster built from a table of namespaces and pods that
 * reads like the diagram of it, and a resolution's text. */
#ifndef POLICY_FIXTURE_H
#define POLICY_FIXTURE_H 1

#include <stddef.h>

#include "agent/policy/rulebook.h"

struct ds;

/* A cluster of the namespaces and pods that 'table' lists, one a line,
 * with no change pending:
 *
 *   ns NAME LABELS
 *   pod NAMESPACE NAME NODE IP LABELS [PORTS]
 *
 * LABELS "app=web,tier=1"; PORTS "http:8080,dns:53/UDP" (named container
 * ports, TCP unless given). */
struct cluster *policy_fixture_cluster(const char *table);

/* Checks that the model refuses the object 'text' (JSON, single quotes)
 * with -EINVAL and the message 'expected'. */
void policy_fixture_refused(struct cluster *, const char *text,
                            const char *expected);

/* Takes the pending changes of the cluster; returns how many there were. */
size_t policy_fixture_take_changes(struct cluster *);

/* What 'cls' resolves for node 'node' from scratch, as 'format' writes
 * it; the caller frees it. */
char *policy_fixture_resolve_text(
    const struct rulebook_class *cls,
    void (*format)(const struct rulebook_result *, struct ds *),
    const struct cluster *, const char *node);

/* The desired flows of 'ft', as text; the caller frees it. */
struct flowtab;
char *policy_fixture_flows(const struct flowtab *);
/* Fails unless 'flows' holds 'flow'. */
void policy_fixture_assert_has(const char *flows, const char *flow);

#endif /* policy-fixture.h */
