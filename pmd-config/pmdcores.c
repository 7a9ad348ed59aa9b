#include <config.h>
#include "pmd-config/pmdcores.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "pmd-config/pmdintent.h"
#include "pmd-config/pmdkeys.h"
#include "pmd-config/pmdplan.h"
#include "pmd-config/pmdtopo.h"
#include "util.h"

/* One planning of the cores. */
struct cores {
    const struct pmdtopo *topo;
    const struct pmdintent *in;
    struct pmdplan *plan;
    struct cpuset usable;       /* online, allowed here, no pod's */
    struct ds why;              /* pmd-cpu-mask's reason */
};

static char *
list(const struct cpuset *s)
{
    return cpuset_list(s);
}

/* The NICs' nodes; a NIC that does not say (-1) is taken to be on the
 * first node. */
static void
plan_nic_nodes(struct cores *c)
{
    const struct pmdtopo *t = c->topo;

    c->plan->nic_nodes = xcalloc(MAX(t->n_nics, 1), sizeof (int));
    for (size_t i = 0; i < t->n_nics; i++) {
        const struct pmdtopo_nic *nic = &t->nics[i];
        c->plan->nic_nodes[i] = nic->node >= 0 ? nic->node : t->nodes[0].id;
        if (!nic->found) {
            pmdplan_refuse(c->plan, "NIC %s: not on this host (no %s)",
                           nic->name, strchr(nic->name, ':')
                           ? "sys/bus/pci/devices/ADDR"
                           : "sys/class/net/NAME/device");
        } else if (nic->node < 0 && t->n_nodes > 1) {
            pmdplan_warn(c->plan, "NIC %s: its device does not say its NUMA "
                         "node (numa_node -1), planned as node %d: if it is "
                         "on another, every packet crosses the interconnect",
                         nic->name, c->plan->nic_nodes[i]);
        }
    }
}

/* The first NIC's node, or the first node: where ports that belong to no
 * NIC (pods) and a shared PMD go. */
static int
home_node(const struct cores *c)
{
    return c->topo->n_nics ? c->plan->nic_nodes[0] : c->topo->nodes[0].id;
}

/* The CPUs a dedicated PMD may take on 'node'. */
static struct cpuset
dedicated_candidates(const struct cores *c, int node)
{
    struct cpuset s = pmdtopo_node(c->topo, node)->cpus;

    cpuset_and(&s, &c->usable);
    cpuset_and(&s, &c->topo->isolated);
    if (c->in->has_reserved) {
        cpuset_and(&s, &c->in->reserved);
    }
    return s;
}

/* How many PMD threads node 'node' wants: pmdsPerNode, else one per rx
 * queue of its NICs (a NIC of unknown queues counts one). */
static int
wanted_pmds(const struct cores *c, int node)
{
    int n = 0;

    if (c->in->pmds_per_node) {
        return c->in->pmds_per_node;
    }
    for (size_t i = 0; i < c->topo->n_nics; i++) {
        if (c->plan->nic_nodes[i] == node) {
            n += (c->in->rxqs ? c->in->rxqs
                  : MAX(c->topo->nics[i].n_rxq, 1));
        }
    }
    return MAX(n, 1);
}

/* Takes whole cores of 'cand', lowest first, until 'want' PMD threads;
 * returns how many it took. */
static int
take_cores(struct cores *c, const struct cpuset *cand, int want,
           struct cpuset *taken)
{
    int n = 0;

    cpuset_clear(taken);
    CPUSET_FOR_EACH (cpu, cand) {
        struct cpuset sib = pmdtopo_siblings(c->topo, cpu);
        if (n >= want || pmdtopo_core(c->topo, cpu) != cpu
            || !cpuset_is_subset(&sib, cand)) {
            continue;
        }
        if (c->in->siblings == PMDINTENT_SIBLINGS_IDLE) {
            cpuset_add(taken, cpu);
            n++;
        } else {
            cpuset_or(taken, &sib);
            n += cpuset_count(&sib);
        }
    }
    return n;
}

/* "4 PMD threads on CPUs 2-3,10-11 (cores 2,3, every SMT sibling a
 * PMD)". */
static void
describe_cores(struct cores *c, const struct cpuset *taken, int got)
{
    struct cpuset cores, idle;
    bool smt = false;

    cpuset_clear(&cores);
    cpuset_clear(&idle);
    CPUSET_FOR_EACH (cpu, taken) {
        struct cpuset sib = pmdtopo_siblings(c->topo, cpu);
        cpuset_add(&cores, pmdtopo_core(c->topo, cpu));
        cpuset_or(&idle, &sib);
        smt = smt || cpuset_count(&sib) > 1;
    }
    cpuset_minus(&idle, taken);
    char *cpus = list(taken), *names = list(&cores), *rest = list(&idle);
    bool one_idle = cpuset_count(&idle) == 1;
    ds_put_format(&c->why, "%d PMD thread%s on CPU%s %s (core%s %s%s%s%s)",
                  got, got == 1 ? "" : "s", got == 1 ? "" : "s", cpus,
                  cpuset_count(&cores) == 1 ? "" : "s", names,
                  !smt ? "" : !*rest ? ", every SMT sibling a PMD"
                  : one_idle ? ", SMT sibling " : ", SMT siblings ",
                  smt ? rest : "", smt && *rest ? " left idle" : "");
    free(cpus);
    free(names);
    free(rest);
}

static void
plan_node(struct cores *c, int node, bool *wanted)
{
    struct cpuset cand = dedicated_candidates(c, node), taken;
    int want = wanted_pmds(c, node);
    int got = take_cores(c, &cand, want, &taken);

    wanted[node] = true;
    if (!got) {
        return;
    }
    cpuset_or(&c->plan->pmds, &taken);
    ds_put_format(&c->why, "%snode %d: ", c->why.length ? "; " : "dedicated, ",
                  node);
    describe_cores(c, &taken, got);
    if (got < want) {
        pmdplan_warn(c->plan, "node %d: %d PMDs of the %d it wants (no "
                     "more whole isolated cores): its queues share PMDs",
                     node, got, want);
    }
}

/* A NIC on a node without PMD is polled from another node. */
static void
warn_remote_nics(struct cores *c)
{
    for (size_t i = 0; i < c->topo->n_nics; i++) {
        const struct pmdtopo_node *node = pmdtopo_node(c->topo,
                                                       c->plan->nic_nodes[i]);
        struct cpuset local = node ? node->cpus : c->plan->pmds;
        cpuset_and(&local, &c->plan->pmds);
        if (cpuset_is_empty(&local) && !cpuset_is_empty(&c->plan->pmds)) {
            pmdplan_warn(c->plan, "NIC %s is on NUMA node %d, which has no "
                         "PMD: PMDs of another node poll it, and every "
                         "packet's descriptors and buffers cross the "
                         "interconnect (cross-NUMA polling can halve "
                         "throughput)", c->topo->nics[i].name,
                         c->plan->nic_nodes[i]);
        }
    }
}

/* Without reservedSystemCPUs, kubelet's static policy may give a PMD's
 * CPU to a pod that comes later. */
static void
warn_kubelet(struct cores *c)
{
    const char *policy = c->topo->kubelet_policy;

    if (policy && !strcmp(policy, "static") && !c->in->has_reserved) {
        char *s = list(&c->plan->pmds);
        pmdplan_warn(c->plan, "kubelet's static CPU manager may give CPUs "
                     "%s (the PMDs) to a pod it admits later: give kubelet's "
                     "reservedSystemCPUs, which keep them from pods, and "
                     "plan within them", s);
        free(s);
    }
}

static void
plan_dedicated(struct cores *c)
{
    bool *wanted = xcalloc(CPUSET_MAX, sizeof *wanted);
    int home = home_node(c);

    for (size_t i = 0; i < c->topo->n_nics; i++) {
        if (!wanted[c->plan->nic_nodes[i]]
            && pmdtopo_node(c->topo, c->plan->nic_nodes[i])) {
            plan_node(c, c->plan->nic_nodes[i], wanted);
        }
    }
    if (!wanted[home] && pmdtopo_node(c->topo, home)) {
        plan_node(c, home, wanted);
    }
    free(wanted);
    if (cpuset_is_empty(&c->plan->pmds)) {
        char *iso = list(&c->topo->isolated);
        pmdplan_refuse(c->plan, "dedicated: no whole core for a PMD: its "
                       "CPUs must be online, isolated (isolcpus=, "
                       "nohz_full=), allowed to this process, no pod's%s "
                       "(isolated here: %s); or plan --intent shared",
                       c->in->has_reserved ? " and reserved for the system "
                       "(reservedSystemCPUs)" : "", *iso ? iso : "none");
        free(iso);
        return;
    }
    warn_remote_nics(c);
    warn_kubelet(c);
}

static void
plan_shared(struct cores *c)
{
    int node = home_node(c);
    struct cpuset cand = pmdtopo_node(c->topo, node)->cpus;
    int last = -1;

    cpuset_and(&cand, &c->usable);
    if (c->in->has_reserved) {
        cpuset_and(&cand, &c->in->reserved);
    }
    CPUSET_FOR_EACH (cpu, &cand) {
        last = cpu;
    }
    if (last < 0) {
        pmdplan_refuse(c->plan, "shared: node %d has no usable CPU for the "
                       "PMD (online, allowed to this process, no pod's)",
                       node);
        return;
    }
    cpuset_add(&c->plan->pmds, last);
    ds_put_format(&c->why, "shared: one PMD on CPU %d, the last usable CPU "
                  "of node %d, away from CPU 0 and the host's housekeeping "
                  "there; it sleeps when idle", last, node);
}

/* An explicit mask names CPUs the host has, online and no pod's. */
static bool
check_mask(struct cores *c, const char *key, const char *value,
           struct cpuset *set)
{
    const struct pmdtopo *t = c->topo;
    struct cpuset bad;

    if (cpuset_parse_mask(value, set)) {
        pmdplan_refuse(c->plan, "%s %s: not a hexadecimal CPU mask", key,
                       value);
        return false;
    }
    struct {
        const struct cpuset *within;
        bool must;
        const char *what;
    } checks[] = {
        { &t->present, true, "is on no NUMA node of this host" },
        { &t->online, true, "is offline" },
        { &t->kubelet_pods, false, "is given to a pod by kubelet "
          "(cpu_manager_state)" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
        bad = *set;
        if (checks[i].must) {
            cpuset_minus(&bad, checks[i].within);
        } else {
            cpuset_and(&bad, checks[i].within);
        }
        if (!cpuset_is_empty(&bad)) {
            char *s = list(&bad);
            pmdplan_refuse(c->plan, "%s %s: CPU %s %s", key, value, s,
                           checks[i].what);
            free(s);
            return false;
        }
    }
    return true;
}

static void
plan_given_pmds(struct cores *c, const char *mask)
{
    struct cpuset set;

    if (check_mask(c, PMDKEY_PMD_CPU_MASK, mask, &set)) {
        c->plan->pmds = set;
        char *s = list(&set);
        ds_put_format(&c->why, "given: CPUs %s", s);
        free(s);
        warn_remote_nics(c);
    }
}

/* The housekeeping CPU of DPDK's lcore threads. */
static int
choose_lcore(const struct cores *c, const char **whyp)
{
    struct cpuset house = c->usable, pref;
    const struct pmdtopo_node *home = pmdtopo_node(c->topo, home_node(c));

    cpuset_minus(&house, &c->topo->isolated);
    cpuset_minus(&house, &c->plan->pmds);
    pref = house;
    if (c->in->has_reserved) {
        cpuset_and(&pref, &c->in->reserved);
    }
    cpuset_and(&pref, &home->cpus);
    *whyp = "the lowest CPU that is not isolated and not a PMD";
    if (!cpuset_is_empty(&pref)) {
        *whyp = (c->in->has_reserved
                 ? "the lowest reserved (reservedSystemCPUs) CPU of the first "
                   "NIC's node that is not isolated and not a PMD"
                 : "the lowest CPU of the first NIC's node that is not "
                   "isolated and not a PMD");
        return cpuset_next(&pref, -1);
    }
    if (cpuset_is_empty(&house) && c->in->mode == PMDINTENT_SHARED) {
        *whyp = "the only usable CPU: shared with the PMD";
        return cpuset_next(&c->plan->pmds, -1);
    }
    return cpuset_next(&house, -1);
}

static void
plan_lcore(struct cores *c)
{
    const char *given = smap_get(&c->in->overrides, PMDKEY_LCORE_MASK);
    struct cpuset set;
    const char *why;
    int planned = choose_lcore(c, &why);

    if (planned >= 0) {
        cpuset_clear(&set);
        cpuset_add(&set, planned);
        char *mask = cpuset_mask(&set);
        pmdplan_add(c->plan, NULL, PMDKEY_LCORE_MASK, mask,
                    "CPU %d for DPDK's own threads: %s", planned, why);
        free(mask);
    }
    /* pmdplan.c puts a given value in place of the planned one. */
    if (given) {
        c->plan->lcore = (check_mask(c, PMDKEY_LCORE_MASK, given, &set)
                          ? cpuset_next(&set, -1) : -1);
    } else if (planned < 0) {
        pmdplan_refuse(c->plan, "%s: no housekeeping CPU (online, not "
                       "isolated, not a PMD) for DPDK's own threads",
                       PMDKEY_LCORE_MASK);
    } else {
        c->plan->lcore = planned;
    }
}

/* What a PMD's SMT sibling does besides, or NULL when it idles. */
static const char *
sibling_work(const struct cores *c, int cpu)
{
    return (cpu == c->plan->lcore ? "DPDK's housekeeping CPU"
            : cpuset_has(&c->topo->kubelet_pods, cpu) ? "a pod's"
            : !cpuset_has(&c->topo->isolated, cpu) ? "not isolated"
            : NULL);
}

static void
warn_split_siblings(struct cores *c)
{
    CPUSET_FOR_EACH (pmd, &c->plan->pmds) {
        if (!cpuset_has(&c->topo->isolated, pmd)) {
            pmdplan_warn(c->plan, "CPU %d (PMD) is not isolated: the "
                         "scheduler runs other tasks on it, and the PMD "
                         "loses the cycles they take", pmd);
        }
        struct cpuset sib = pmdtopo_siblings(c->topo, pmd);
        CPUSET_FOR_EACH (s, &sib) {
            const char *work = (s == pmd || cpuset_has(&c->plan->pmds, s)
                                ? NULL : sibling_work(c, s));
            if (work) {
                pmdplan_warn(c->plan, "CPU %d (PMD) and CPU %d (%s) are SMT "
                             "siblings of core %d: a busy sibling takes up "
                             "to half the core's cycles from the PMD", pmd,
                             s, work, pmdtopo_core(c->topo, pmd));
            }
        }
    }
}

void
pmdcores_plan(const struct pmdtopo *topo, const struct pmdintent *in,
              struct pmdplan *plan)
{
    struct cores c = { .topo = topo, .in = in, .plan = plan,
                       .why = DS_EMPTY_INITIALIZER };
    const char *given = smap_get(&in->overrides, PMDKEY_PMD_CPU_MASK);

    c.usable = topo->online;
    cpuset_and(&c.usable, &topo->allowed);
    cpuset_minus(&c.usable, &topo->kubelet_pods);
    cpuset_clear(&plan->pmds);
    plan->lcore = -1;
    plan_nic_nodes(&c);
    if (given) {
        plan_given_pmds(&c, given);
    } else if (in->mode == PMDINTENT_DEDICATED) {
        plan_dedicated(&c);
    } else {
        plan_shared(&c);
    }
    if (!cpuset_is_empty(&plan->pmds)) {
        char *mask = cpuset_mask(&plan->pmds);
        pmdplan_add(plan, NULL, PMDKEY_PMD_CPU_MASK, mask, "%s",
                    ds_cstr(&c.why))->given = given != NULL;
        free(mask);
    }
    ds_destroy(&c.why);
    if (plan->dpdk && !cpuset_is_empty(&plan->pmds)) {
        plan_lcore(&c);
    }
    if (in->mode == PMDINTENT_DEDICATED) {
        warn_split_siblings(&c);
    }
}
