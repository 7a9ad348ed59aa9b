/*
 * podsweep: what a crash left of pod attachments, decided from what the
 * node holds.
 *
 * An ADD makes its pieces in order (address, link, OVS port, flows) and
 * writes the pod record last; a DEL removes them and the record last.  A
 * SIGKILL between two steps therefore leaves pieces that no record names
 * (an ADD cut short), or a record whose port is gone (a DEL cut short).
 * The agent's sweep, at start and on each CNI GC, gathers what the node
 * holds into a podsweep_input and removes what podsweep_decide() says:
 *
 *   a record whose OVS port is not on the bridge,   the whole attachment
 *     or whose pod namespace is gone (its pod is      (record last)
 *     dead: after a reboot, every record's is)
 *   an OVS port with an owner key, that no record    the port, its host
 *     names                                          link and its flows
 *   a host link named like a pod port that is        the link
 *     neither a record's nor on the bridge
 *   a vhost-user folder no record names              the folder
 *   an address whose owner has no record             the address
 *
 * An address whose owner still has a record is kept even when an older
 * port of the same owner goes.  Ports without an owner key are an
 * operator's, and links or folders named otherwise are not ours: neither
 * is touched.  The decision is separate from the I/O so that a unit test
 * covers every case (tests/unit/test_podsweep.c).
 */
#ifndef PODSWEEP_H
#define PODSWEEP_H 1

#include <stdbool.h>
#include <stddef.h>

#include "sset.h"

struct podsweep_record {
    const char *owner;          /* "containerID/ifname" */
    const char *port_name;
    const char *socket_dir;     /* vhostuser: its folder, else NULL */
    bool netns_gone;            /* its pod's namespace path names none */
};

struct podsweep_port {
    const char *name;
    const char *owner;          /* external_ids:seine-owner, NULL: none */
};

struct podsweep_input {
    const struct podsweep_record *recs;
    size_t n_recs;
    const struct podsweep_port *ports;      /* every port of the bridge */
    size_t n_ports;
    const struct sset *links;               /* host links, any name */
    const struct sset *socket_dirs;         /* folders of the vhost-user
                                             * bases, full paths */
    const struct sset *ip_owners;           /* owners holding an address */
};

/* Indexes into an input array. */
struct podsweep_list {
    size_t *idx;
    size_t n;
};

struct podsweep_plan {
    struct podsweep_list stale_recs;        /* into input->recs */
    struct podsweep_list ports;             /* into input->ports */
    struct sset links;
    struct sset socket_dirs;
    struct sset ip_owners;
};

void podsweep_decide(const struct podsweep_input *, struct podsweep_plan *);
void podsweep_plan_destroy(struct podsweep_plan *);
/* How many pieces the plan removes. */
size_t podsweep_plan_count(const struct podsweep_plan *);

/* Whether folder name 'name' is one a vhost-user attachment's folder has:
 * "<containerID prefix>-<ifname>-<2 hex digits of its port>". */
bool podsweep_is_socket_dir_name(const char *name);

#endif /* podsweep.h */
