/*
 * cpuset: a set of logical CPU numbers, as the kernel writes them in
 * sysfs ("0-3,8,10-11", a "cpulist") and as OVS takes them in its
 * other_config masks ("0xf0f", the lowest bit CPU 0, as taskset does).
 * A plain value: copied by assignment, no allocation.
 */
#ifndef PMD_CONFIG_CPUSET_H
#define PMD_CONFIG_CPUSET_H 1

#include <stdbool.h>
#include <stdint.h>

/* The kernel's NR_CPUS on distribution kernels is at most 8192; hosts
 * that run OVS-DPDK have a few hundred. */
#define CPUSET_MAX 1024

struct cpuset {
    uint64_t bits[CPUSET_MAX / 64];
};

struct ds;

#define CPUSET_FOR_EACH(CPU, SET) \
    for (int CPU = cpuset_next(SET, -1); CPU >= 0; CPU = cpuset_next(SET, CPU))

void cpuset_clear(struct cpuset *);
/* CPUs at or above CPUSET_MAX are ignored. */
void cpuset_add(struct cpuset *, int cpu);
void cpuset_remove(struct cpuset *, int cpu);
bool cpuset_has(const struct cpuset *, int cpu);
int cpuset_count(const struct cpuset *);
bool cpuset_is_empty(const struct cpuset *);
bool cpuset_equal(const struct cpuset *, const struct cpuset *);
/* Every CPU of 'a' is in 'b'. */
bool cpuset_is_subset(const struct cpuset *a, const struct cpuset *b);
/* The lowest CPU above 'cpu' (-1 for the first), or -1. */
int cpuset_next(const struct cpuset *, int cpu);

/* 'dst' becomes 'dst' with 'src', without it, or only what both have. */
void cpuset_or(struct cpuset *dst, const struct cpuset *src);
void cpuset_minus(struct cpuset *dst, const struct cpuset *src);
void cpuset_and(struct cpuset *dst, const struct cpuset *src);

/* "0-3,8" (blanks and a trailing newline allowed; "" is empty) into
 * '*set': 0, or -EINVAL (-ERANGE for a CPU at or above CPUSET_MAX). */
int cpuset_parse_list(const char *, struct cpuset *);
/* "0xf0f" or "f0f" into '*set': 0, -EINVAL or -ERANGE. */
int cpuset_parse_mask(const char *, struct cpuset *);

/* "0-3,8" ("" when empty) and "0x10f" ("0x0" when empty). */
void cpuset_format_list(const struct cpuset *, struct ds *);
void cpuset_format_mask(const struct cpuset *, struct ds *);
/* The same in a new string the caller frees. */
char *cpuset_list(const struct cpuset *);
char *cpuset_mask(const struct cpuset *);

#endif /* pmd-config/cpuset.h */
