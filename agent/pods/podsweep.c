#include <config.h>
#include "agent/pods/podsweep.h"

#include <ctype.h>
#include <string.h>

#include "agent/pods/podstore.h"
#include "util.h"

static void
list_add(struct podsweep_list *list, size_t idx)
{
    list->idx = xrealloc(list->idx, (list->n + 1) * sizeof *list->idx);
    list->idx[list->n++] = idx;
}

static bool
is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char) s[i]) || isupper((unsigned char) s[i])) {
            return false;
        }
    }
    return strlen(s) == n;
}

bool
podsweep_is_socket_dir_name(const char *name)
{
    const char *last = strrchr(name, '-');

    return (last && last > name && memchr(name, '-', last - name)
            && name[0] != '-' && is_lower_hex(last + 1, 2));
}

void
podsweep_decide(const struct podsweep_input *in, struct podsweep_plan *plan)
{
    struct sset rec_ports = SSET_INITIALIZER(&rec_ports);
    struct sset rec_owners = SSET_INITIALIZER(&rec_owners);
    struct sset rec_dirs = SSET_INITIALIZER(&rec_dirs);
    struct sset bridge_ports = SSET_INITIALIZER(&bridge_ports);
    const char *name;

    memset(plan, 0, sizeof *plan);
    sset_init(&plan->links);
    sset_init(&plan->socket_dirs);
    sset_init(&plan->ip_owners);

    for (size_t i = 0; i < in->n_recs; i++) {
        sset_add(&rec_ports, in->recs[i].port_name);
        sset_add(&rec_owners, in->recs[i].owner);
        if (in->recs[i].socket_dir) {
            sset_add(&rec_dirs, in->recs[i].socket_dir);
        }
    }
    for (size_t i = 0; i < in->n_ports; i++) {
        const struct podsweep_port *p = &in->ports[i];

        sset_add(&bridge_ports, p->name);
        if (p->owner && !sset_contains(&rec_ports, p->name)) {
            list_add(&plan->ports, i);
        }
    }
    for (size_t i = 0; i < in->n_recs; i++) {
        if (in->recs[i].netns_gone
            || !sset_contains(&bridge_ports, in->recs[i].port_name)) {
            list_add(&plan->stale_recs, i);
        }
    }
    SSET_FOR_EACH (name, in->links) {
        if (podstore_is_port_name(name) && !sset_contains(&rec_ports, name)
            && !sset_contains(&bridge_ports, name)) {
            sset_add(&plan->links, name);
        }
    }
    SSET_FOR_EACH (name, in->socket_dirs) {
        const char *slash = strrchr(name, '/');

        if (podsweep_is_socket_dir_name(slash ? slash + 1 : name)
            && !sset_contains(&rec_dirs, name)) {
            sset_add(&plan->socket_dirs, name);
        }
    }
    SSET_FOR_EACH (name, in->ip_owners) {
        if (!sset_contains(&rec_owners, name)) {
            sset_add(&plan->ip_owners, name);
        }
    }
    sset_destroy(&rec_ports);
    sset_destroy(&rec_owners);
    sset_destroy(&rec_dirs);
    sset_destroy(&bridge_ports);
}

void
podsweep_plan_destroy(struct podsweep_plan *plan)
{
    free(plan->stale_recs.idx);
    free(plan->ports.idx);
    sset_destroy(&plan->links);
    sset_destroy(&plan->socket_dirs);
    sset_destroy(&plan->ip_owners);
}

size_t
podsweep_plan_count(const struct podsweep_plan *plan)
{
    return (plan->stale_recs.n + plan->ports.n + sset_count(&plan->links)
            + sset_count(&plan->socket_dirs) + sset_count(&plan->ip_owners));
}
