#include <config.h>
#include "pmd-config/pmdtopo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* One reading of the tree. */
struct reader {
    const char *root;
    struct pmdtopo *topo;
    char **errp;
};

static char *
tree_path(const struct reader *r, const char *path)
{
    return xasprintf("%s/%s", r->root, path);
}

/* The contents of 'path' (below the root) in a new string, or NULL when
 * it cannot be read. */
static char *
read_text(const struct reader *r, const char *path)
{
    char *full = tree_path(r, path);
    FILE *f = fopen(full, "r");
    struct ds s = DS_EMPTY_INITIALIZER;

    free(full);
    if (!f) {
        return NULL;
    }
    int c;
    while ((c = getc(f)) != EOF) {
        ds_put_char(&s, c);
    }
    fclose(f);
    return ds_steal_cstr(&s);
}

static int
malformed(const struct reader *r, const char *path, const char *what)
{
    *r->errp = xasprintf("%s/%s: %s", r->root, path, what);
    return -EINVAL;
}

/* 'path' as a cpulist into '*set'; 1 when the file is missing ('*set'
 * untouched), 0, or -EINVAL.  The kernel writes "(null)" for an empty
 * nohz_full. */
static int
read_cpulist(const struct reader *r, const char *path, struct cpuset *set)
{
    char *text = read_text(r, path);
    int error;

    if (!text) {
        return 1;
    }
    error = (!strncmp(text, "(null)", 6) ? (cpuset_clear(set), 0)
             : cpuset_parse_list(text, set));
    free(text);
    return error ? malformed(r, path, "not a CPU list") : 0;
}

/* An integer file; 'dflt' when it is missing or not a number. */
static int
read_int(const struct reader *r, const char *path, int dflt)
{
    char *text = read_text(r, path);
    int v;

    if (!text || !str_to_int(strtok(text, " \n"), 10, &v)) {
        v = dflt;
    }
    free(text);
    return v;
}

static int
compare_ints(const void *a_, const void *b_)
{
    const int *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

/* The numbers N of the entries of 'dir' named PREFIX + N, ascending. */
static size_t
list_numbered(const struct reader *r, const char *dir, const char *prefix,
              int **idsp)
{
    char *full = tree_path(r, dir);
    DIR *d = opendir(full);
    size_t n = 0, allocated = 0;
    int *ids = NULL;
    struct dirent *de;

    free(full);
    while (d && (de = readdir(d))) {
        size_t len = strlen(prefix);
        int id;
        if (!strncmp(de->d_name, prefix, len)
            && str_to_int(de->d_name + len, 10, &id) && id >= 0) {
            if (n >= allocated) {
                ids = x2nrealloc(ids, &allocated, sizeof *ids);
            }
            ids[n++] = id;
        }
    }
    if (d) {
        closedir(d);
    }
    qsort(ids, n, sizeof *ids, compare_ints);
    *idsp = ids;
    return n;
}

static int
read_cpus(struct reader *r)
{
    struct pmdtopo *t = r->topo;
    int *ids;
    size_t n = list_numbered(r, "sys/devices/system/cpu", "cpu", &ids);

    for (size_t i = 0; i < n; i++) {
        cpuset_add(&t->present, ids[i]);
    }
    free(ids);
    if (cpuset_is_empty(&t->present)) {
        *r->errp = xasprintf("%s/sys/devices/system/cpu: no CPU", r->root);
        return -ENOENT;
    }
    t->online = t->present;
    int error = read_cpulist(r, "sys/devices/system/cpu/online", &t->online);
    t->n_cpu_slots = CPUSET_MAX;
    t->cpu_node = xmalloc(CPUSET_MAX * sizeof *t->cpu_node);
    t->siblings = xcalloc(CPUSET_MAX, sizeof *t->siblings);
    for (int c = 0; c < CPUSET_MAX; c++) {
        t->cpu_node[c] = -1;
        cpuset_add(&t->siblings[c], c);
    }
    CPUSET_FOR_EACH (c, &t->present) {
        char *path = xasprintf("sys/devices/system/cpu/cpu%d/topology/"
                               "thread_siblings_list", c);
        int e = read_cpulist(r, path, &t->siblings[c]);
        free(path);
        error = error < 0 ? error : e < 0 ? e : 0;
    }
    return MIN(error, 0);
}

static void
read_pools(struct reader *r, struct pmdtopo_node *node)
{
    char *dir = xasprintf("sys/devices/system/node/node%d/hugepages",
                          node->id);
    char *full = tree_path(r, dir);
    DIR *d = opendir(full);
    struct dirent *de;

    free(full);
    while (d && (de = readdir(d)) && node->n_pools < PMDTOPO_MAX_POOLS) {
        int kb;
        if (sscanf(de->d_name, "hugepages-%dkB", &kb) == 1 && kb > 0) {
            struct pmdtopo_pool *p = &node->pools[node->n_pools++];
            char *nr = xasprintf("%s/%s/nr_hugepages", dir, de->d_name);
            char *fr = xasprintf("%s/%s/free_hugepages", dir, de->d_name);
            *p = (struct pmdtopo_pool) { kb, read_int(r, nr, 0),
                                         read_int(r, fr, 0) };
            free(nr);
            free(fr);
        }
    }
    if (d) {
        closedir(d);
    }
    /* size_kb is the first member. */
    qsort(node->pools, node->n_pools, sizeof *node->pools, compare_ints);
    free(dir);
}

static int
read_nodes(struct reader *r)
{
    struct pmdtopo *t = r->topo;
    int *ids;
    size_t n = list_numbered(r, "sys/devices/system/node", "node", &ids);
    int error = 0;

    t->nodes = xcalloc(MAX(n, 1), sizeof *t->nodes);
    for (size_t i = 0; i < n && !error; i++) {
        struct pmdtopo_node *node = &t->nodes[t->n_nodes++];
        char *path = xasprintf("sys/devices/system/node/node%d/cpulist",
                               ids[i]);
        node->id = ids[i];
        error = MIN(read_cpulist(r, path, &node->cpus), 0);
        free(path);
        read_pools(r, node);
    }
    free(ids);
    if (!n) {
        /* A kernel without NUMA: one node with every CPU. */
        t->nodes[0].cpus = t->present;
        t->n_nodes = 1;
    }
    for (size_t i = 0; i < t->n_nodes; i++) {
        CPUSET_FOR_EACH (c, &t->nodes[i].cpus) {
            t->cpu_node[c] = t->nodes[i].id;
        }
    }
    return error;
}

/* The CPU list of kernel parameter 'name' ("isolcpus=managed_irq,domain,
 * 2-7"): its flags (words) are skipped. */
static void
cmdline_cpus(const char *cmdline, const char *name, struct cpuset *set)
{
    char *copy = xstrdup(cmdline), *save = NULL;
    size_t len = strlen(name);

    for (char *w = strtok_r(copy, " \t\n", &save); w;
         w = strtok_r(NULL, " \t\n", &save)) {
        if (!strncmp(w, name, len) && w[len] == '=') {
            char *list = w + len + 1;
            while (isalpha((unsigned char) *list)) {
                list += strcspn(list, ",");
                list += *list == ',';
            }
            struct cpuset one;
            if (!cpuset_parse_list(list, &one)) {
                cpuset_or(set, &one);
            }
        }
    }
    free(copy);
}

static int
read_isolation(struct reader *r)
{
    struct pmdtopo *t = r->topo;
    char *cmdline = read_text(r, "proc/cmdline");
    int e1 = read_cpulist(r, "sys/devices/system/cpu/isolated",
                          &t->isolated_sysfs);
    int e2 = read_cpulist(r, "sys/devices/system/cpu/nohz_full",
                          &t->nohz_full);

    if (cmdline) {
        cmdline_cpus(cmdline, "isolcpus", &t->isolcpus);
        cmdline_cpus(cmdline, "nohz_full", &t->nohz_full);
        free(cmdline);
    }
    t->isolated = t->isolated_sysfs;
    cpuset_or(&t->isolated, &t->isolcpus);
    cpuset_or(&t->isolated, &t->nohz_full);
    return MIN(MIN(e1, e2), 0);
}

/* Cpus_allowed_list of proc/self/status; every online CPU without it. */
static int
read_allowed(struct reader *r)
{
    struct pmdtopo *t = r->topo;
    char *status = read_text(r, "proc/self/status");
    const char *line = status ? strstr(status, "Cpus_allowed_list:") : NULL;
    int error = 0;

    t->allowed = t->online;
    if (line) {
        error = cpuset_parse_list(line + strlen("Cpus_allowed_list:"),
                                  &t->allowed);
    }
    free(status);
    return error ? malformed(r, "proc/self/status",
                             "Cpus_allowed_list is not a CPU list") : 0;
}

/* The container CPUs of one pod's entry: {"CONTAINER": "4-5", ...}. */
static int
kubelet_entry(struct json_object *pod, struct cpuset *cpus)
{
    json_object_object_foreach (pod, container, list) {
        struct cpuset one;
        if (!json_object_is_type(list, json_type_string)
            || cpuset_parse_list(json_object_get_string(list), &one)) {
            return -EINVAL;
        }
        (void) container;
        cpuset_or(cpus, &one);
    }
    return 0;
}

static int
read_kubelet(struct reader *r)
{
    static const char path[] = "var/lib/kubelet/cpu_manager_state";
    struct pmdtopo *t = r->topo;
    char *text = read_text(r, path);
    struct json_object *state, *v;
    int error = 0;

    if (!text) {
        return 0;
    }
    state = json_tokener_parse(text);
    free(text);
    if (!json_object_is_type(state, json_type_object)) {
        json_object_put(state);
        return malformed(r, path, "not a JSON object");
    }
    t->has_kubelet_state = true;
    if (json_object_object_get_ex(state, "policyName", &v)) {
        t->kubelet_policy = xstrdup(json_object_get_string(v));
    }
    if (json_object_object_get_ex(state, "entries", &v)
        && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach (v, pod, containers) {
            (void) pod;
            error = error ? error : kubelet_entry(containers,
                                                  &t->kubelet_pods);
        }
    }
    json_object_put(state);
    return error ? malformed(r, path, "an entry is not a CPU list") : 0;
}

/* The last part of the link at 'path' (a driver), or the file's text
 * when it is a plain file (fixture trees). */
static char *
read_link_name(const struct reader *r, const char *path)
{
    char *full = tree_path(r, path), buf[PATH_MAX];
    ssize_t n = readlink(full, buf, sizeof buf - 1);

    free(full);
    if (n > 0) {
        buf[n] = '\0';
        const char *slash = strrchr(buf, '/');
        return xstrdup(slash ? slash + 1 : buf);
    }
    char *text = read_text(r, path);
    if (text) {
        text[strcspn(text, " \n")] = '\0';
    }
    return text;
}

static bool
is_pci_address(const char *name)
{
    unsigned int dom, bus, dev, fn;
    char tail;

    return sscanf(name, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) == 4;
}

static void
read_nic(struct reader *r, struct pmdtopo_nic *nic)
{
    bool pci = is_pci_address(nic->name);
    char *dir = (pci ? xasprintf("sys/bus/pci/devices/%s", nic->name)
                 : xasprintf("sys/class/net/%s/device", nic->name));
    char *full = tree_path(r, dir);
    char *node = xasprintf("%s/numa_node", dir);
    char *driver = xasprintf("%s/driver", dir);

    nic->found = !access(full, F_OK);
    nic->node = read_int(r, node, -1);
    nic->driver = read_link_name(r, driver);
    if (!pci) {
        char *queues = xasprintf("sys/class/net/%s/queues", nic->name);
        char *mtu = xasprintf("sys/class/net/%s/mtu", nic->name);
        int *ids;
        nic->n_rxq = list_numbered(r, queues, "rx-", &ids);
        nic->mtu = read_int(r, mtu, 0);
        free(ids);
        free(queues);
        free(mtu);
    }
    free(full);
    free(node);
    free(driver);
    free(dir);
}

int
pmdtopo_read(const char *root, const char *const *nics, size_t n_nics,
             struct pmdtopo **topop, char **errp)
{
    struct pmdtopo *t = xzalloc(sizeof *t);
    struct reader r = { root, t, errp };
    int error;

    *errp = NULL;
    error = read_cpus(&r);
    error = error ? error : read_nodes(&r);
    error = error ? error : read_isolation(&r);
    error = error ? error : read_allowed(&r);
    error = error ? error : read_kubelet(&r);
    t->nics = xcalloc(MAX(n_nics, 1), sizeof *t->nics);
    for (size_t i = 0; !error && i < n_nics; i++) {
        t->nics[i].name = xstrdup(nics[i]);
        t->n_nics++;
        read_nic(&r, &t->nics[i]);
    }
    if (error) {
        pmdtopo_destroy(t);
        t = NULL;
    }
    *topop = t;
    return error;
}

void
pmdtopo_destroy(struct pmdtopo *t)
{
    if (t) {
        for (size_t i = 0; i < t->n_nics; i++) {
            free(t->nics[i].name);
            free(t->nics[i].driver);
        }
        free(t->nics);
        free(t->nodes);
        free(t->cpu_node);
        free(t->siblings);
        free(t->kubelet_policy);
        free(t);
    }
}

const struct pmdtopo_node *
pmdtopo_node(const struct pmdtopo *t, int id)
{
    for (size_t i = 0; i < t->n_nodes; i++) {
        if (t->nodes[i].id == id) {
            return &t->nodes[i];
        }
    }
    return NULL;
}

int
pmdtopo_cpu_node(const struct pmdtopo *t, int cpu)
{
    return cpu >= 0 && cpu < t->n_cpu_slots ? t->cpu_node[cpu] : -1;
}

struct cpuset
pmdtopo_siblings(const struct pmdtopo *t, int cpu)
{
    struct cpuset one;

    if (cpu >= 0 && cpu < t->n_cpu_slots) {
        return t->siblings[cpu];
    }
    cpuset_clear(&one);
    return one;
}

int
pmdtopo_core(const struct pmdtopo *t, int cpu)
{
    struct cpuset s = pmdtopo_siblings(t, cpu);
    int first = cpuset_next(&s, -1);

    return first >= 0 ? first : cpu;
}

void
pmdtopo_format_size(int size_kb, struct ds *s)
{
    if (size_kb >= 1024 * 1024 && !(size_kb % (1024 * 1024))) {
        ds_put_format(s, "%dGB", size_kb / (1024 * 1024));
    } else if (size_kb >= 1024 && !(size_kb % 1024)) {
        ds_put_format(s, "%dMB", size_kb / 1024);
    } else {
        ds_put_format(s, "%dkB", size_kb);
    }
}
