/* The address allocator against a real folder in a temporary directory. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/pods/ipam.h"
#include "sset.h"
#include "util.h"

struct fixture {
    char root[64];              /* the state directory */
    char *dir;                  /* the allocator's folder in it */
    struct in_addr subnet;      /* 10.1.2.0/29 unless a test changes it */
};

static struct in_addr
addr(const char *text)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, text, &a), 1);
    return a;
}

static const char *
ntoa(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
    return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void
assert_addr(struct in_addr got, const char *want)
{
    char buf[INET_ADDRSTRLEN];
    assert_string_equal(ntoa(got, buf), want);
}

static int
setup(void **state)
{
    struct fixture *f = xzalloc(sizeof *f);

    snprintf(f->root, sizeof f->root, "/tmp/seine-test-ipam-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    f->dir = xasprintf("%s/ipam/10.1.2.0_29", f->root);
    f->subnet = addr("10.1.2.0");
    *state = f;
    return 0;
}

static int
remove_entry(const char *path, const struct stat *st OVS_UNUSED,
             int flag OVS_UNUSED,
             struct FTW *ftw OVS_UNUSED)
{
    return remove(path);
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    nftw(f->root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f->dir);
    free(f);
    return 0;
}

static struct ipam *
open_29(const struct fixture *f)
{
    struct ipam *ipam;
    assert_int_equal(ipam_open(f->root, f->subnet, 29, &ipam), 0);
    return ipam;
}

static char *
owner(int i)
{
    return xasprintf("container%d/eth0", i);
}

static struct in_addr
allocate_ok(struct ipam *ipam, const char *owner)
{
    struct in_addr ip;
    assert_int_equal(ipam_allocate(ipam, owner, &ip), 0);
    return ip;
}

static char *
read_file(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    char buf[256];
    int fd = open(path, O_RDONLY);
    free(path);
    if (fd < 0) {
        return NULL;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    return xstrdup(buf);
}

static void
write_raw(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = xasprintf("%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t) len);
    close(fd);
    free(path);
}

/* A /29 has 8 addresses: network .0, gateway .1, broadcast .7, leaving
 * exactly .2 to .6. */
static void
test_fills_subnet_then_addrnotavail(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    static const char *const want[] = {
        "10.1.2.2", "10.1.2.3", "10.1.2.4", "10.1.2.5", "10.1.2.6",
    };
    struct in_addr ip;

    assert_addr(ipam_gateway(ipam), "10.1.2.1");
    assert_int_equal(ipam_prefix_len(ipam), 29);
    for (int i = 0; i < ARRAY_SIZE(want); i++) {
        char *o = owner(i);
        assert_addr(allocate_ok(ipam, o), want[i]);
        free(o);
    }
    assert_int_equal(ipam_count(ipam), 5);
    assert_int_equal(ipam_allocate(ipam, "one-more/eth0", &ip), -EADDRNOTAVAIL);
    assert_int_equal(ipam_count(ipam), 5);
    ipam_close(ipam);
}

static void
test_files_on_disk(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);

    assert_addr(allocate_ok(ipam, "abc/eth0"), "10.1.2.2");
    char *content = read_file(f->dir, "10.1.2.2");
    assert_string_equal(content, "abc/eth0\n");
    free(content);
    content = read_file(f->dir, "last");
    assert_string_equal(content, "10.1.2.2\n");
    free(content);

    assert_int_equal(ipam_release(ipam, "abc/eth0"), 0);
    assert_null(read_file(f->dir, "10.1.2.2"));
    assert_int_equal(ipam_count(ipam), 0);
    ipam_close(ipam);
}

static void
test_release_then_reallocate(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct in_addr ip;

    for (int i = 0; i < 5; i++) {
        char *o = owner(i);
        allocate_ok(ipam, o);
        free(o);
    }
    assert_int_equal(ipam_release(ipam, "container2/eth0"), 0);
    assert_int_equal(ipam_count(ipam), 4);
    assert_int_equal(ipam_lookup(ipam, "container2/eth0", &ip), -ENOENT);
    assert_addr(allocate_ok(ipam, "newcomer/eth0"), "10.1.2.4");
    assert_int_equal(ipam_allocate(ipam, "late/eth0", &ip), -EADDRNOTAVAIL);
    ipam_close(ipam);
}

static void
test_same_owner_same_address(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct in_addr ip;

    struct in_addr first = allocate_ok(ipam, "c1/eth0");
    allocate_ok(ipam, "c2/eth0");
    struct in_addr again = allocate_ok(ipam, "c1/eth0");
    assert_int_equal(first.s_addr, again.s_addr);
    assert_int_equal(ipam_count(ipam), 2);
    assert_int_equal(ipam_lookup(ipam, "c1/eth0", &ip), 0);
    assert_int_equal(ip.s_addr, first.s_addr);

    /* Another interface of the same container is another owner. */
    struct in_addr other = allocate_ok(ipam, "c1/net1");
    assert_int_not_equal(other.s_addr, first.s_addr);
    ipam_close(ipam);
}

static void
test_persists_across_reopen(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct in_addr held[3], ip;

    for (int i = 0; i < 3; i++) {
        char *o = owner(i);
        held[i] = allocate_ok(ipam, o);
        free(o);
    }
    ipam_close(ipam);

    ipam = open_29(f);
    assert_int_equal(ipam_count(ipam), 3);
    for (int i = 0; i < 3; i++) {
        char *o = owner(i);
        assert_int_equal(ipam_lookup(ipam, o, &ip), 0);
        assert_int_equal(ip.s_addr, held[i].s_addr);
        assert_int_equal(allocate_ok(ipam, o).s_addr, held[i].s_addr);
        free(o);
    }
    for (int i = 3; i < 5; i++) {
        char *o = owner(i);
        ip = allocate_ok(ipam, o);
        for (int j = 0; j < 3; j++) {
            assert_int_not_equal(ip.s_addr, held[j].s_addr);
        }
        free(o);
    }
    assert_int_equal(ipam_allocate(ipam, "extra/eth0", &ip), -EADDRNOTAVAIL);
    ipam_close(ipam);
}

static void
test_two_instances_see_each_others_files(void **state)
{
    struct fixture *f = *state;
    struct ipam *a = open_29(f);
    struct ipam *b = open_29(f);

    /* 'b' does not know about .2 in memory; its file makes b skip it. */
    assert_addr(allocate_ok(a, "a/eth0"), "10.1.2.2");
    assert_addr(allocate_ok(b, "b/eth0"), "10.1.2.3");
    assert_int_equal(ipam_count(b), 2);
    ipam_close(a);
    ipam_close(b);
}

static void
test_release_unknown_owner(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);

    allocate_ok(ipam, "known/eth0");
    assert_int_equal(ipam_release(ipam, "unknown/eth0"), 0);
    assert_int_equal(ipam_release(ipam, "known/eth0"), 0);
    assert_int_equal(ipam_release(ipam, "known/eth0"), 0);
    assert_int_equal(ipam_count(ipam), 0);
    ipam_close(ipam);
}

static void
test_invalid_arguments(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = (struct ipam *) f;
    struct in_addr ip;

    assert_int_equal(ipam_open(f->root, f->subnet, 31, &ipam), -EINVAL);
    assert_null(ipam);
    assert_int_equal(ipam_open(f->root, f->subnet, 32, &ipam), -EINVAL);
    assert_int_equal(ipam_open(f->root, f->subnet, 0, &ipam), -EINVAL);
    assert_int_equal(ipam_open(f->root, f->subnet, -1, &ipam), -EINVAL);
    /* Host bits set: not a subnet. */
    assert_int_equal(ipam_open(f->root, addr("10.1.2.8"), 28, &ipam),
                     -EINVAL);

    ipam = open_29(f);
    assert_int_equal(ipam_allocate(ipam, "", &ip), -EINVAL);
    assert_int_equal(ipam_allocate(ipam, NULL, &ip), -EINVAL);
    assert_int_equal(ipam_allocate(ipam, "two\nlines", &ip), -EINVAL);
    char long_owner[600];
    memset(long_owner, 'x', sizeof long_owner - 1);
    long_owner[sizeof long_owner - 1] = '\0';
    assert_int_equal(ipam_allocate(ipam, long_owner, &ip), -EINVAL);
    assert_int_equal(ipam_count(ipam), 0);
    ipam_close(ipam);
}

static void
test_smallest_and_larger_subnets(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam;
    struct in_addr ip;

    /* /30: only .2 (network .0, gateway .1, broadcast .3). */
    assert_int_equal(ipam_open(f->root, addr("10.9.0.4"), 30, &ipam), 0);
    assert_addr(ipam_gateway(ipam), "10.9.0.5");
    assert_addr(allocate_ok(ipam, "only/eth0"), "10.9.0.6");
    assert_int_equal(ipam_allocate(ipam, "second/eth0", &ip), -EADDRNOTAVAIL);
    ipam_close(ipam);

    /* /16: the search crosses octets. */
    assert_int_equal(ipam_open(f->root, addr("10.200.0.0"), 16, &ipam), 0);
    for (int i = 0; i < 260; i++) {
        char *o = owner(i);
        ip = allocate_ok(ipam, o);
        free(o);
    }
    assert_addr(ip, "10.200.1.5");
    ipam_close(ipam);
}

static void
test_order_moves_forward(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);

    assert_addr(allocate_ok(ipam, "a/eth0"), "10.1.2.2");
    assert_addr(allocate_ok(ipam, "b/eth0"), "10.1.2.3");
    assert_int_equal(ipam_release(ipam, "a/eth0"), 0);
    /* .2 is free again but comes last. */
    assert_addr(allocate_ok(ipam, "c/eth0"), "10.1.2.4");
    assert_int_equal(ipam_release(ipam, "c/eth0"), 0);
    ipam_close(ipam);

    /* 'last' survives a restart: .4 was the most recent allocation. */
    ipam = open_29(f);
    assert_addr(allocate_ok(ipam, "d/eth0"), "10.1.2.5");
    assert_addr(allocate_ok(ipam, "e/eth0"), "10.1.2.6");
    /* Past the end the search wraps to the start of the range. */
    assert_addr(allocate_ok(ipam, "f/eth0"), "10.1.2.2");
    assert_addr(allocate_ok(ipam, "g/eth0"), "10.1.2.4");
    ipam_close(ipam);
}

/* Files that are not an allocatable address are left alone; a file named
 * by an address whose owner cannot be read keeps that address reserved. */
static void
test_foreign_and_corrupt_files(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct in_addr ip;
    ipam_close(ipam);

    write_raw(f->dir, "README", "not an address\n", 15);
    write_raw(f->dir, "10.1.2.1", "gateway/eth0\n", 13);
    write_raw(f->dir, "10.1.2.7", "broadcast/eth0\n", 15);
    write_raw(f->dir, "10.1.3.4", "elsewhere/eth0\n", 15);
    write_raw(f->dir, "10.1.2.03", "noncanonical/eth0\n", 18);
    write_raw(f->dir, "10.1.2.3", "", 0);
    write_raw(f->dir, "10.1.2.5", "bin\0ary", 7);
    write_raw(f->dir, "last", "garbage", 7);
    char *sub = xasprintf("%s/10.1.2.4", f->dir);
    assert_int_equal(mkdir(sub, 0755), 0);

    ipam = open_29(f);
    assert_int_equal(ipam_count(ipam), 3);
    assert_int_equal(ipam_lookup(ipam, "gateway/eth0", &ip), -ENOENT);
    assert_int_equal(ipam_lookup(ipam, "noncanonical/eth0", &ip), -ENOENT);
    assert_addr(allocate_ok(ipam, "x/eth0"), "10.1.2.2");
    assert_addr(allocate_ok(ipam, "y/eth0"), "10.1.2.6");
    assert_int_equal(ipam_allocate(ipam, "z/eth0", &ip), -EADDRNOTAVAIL);
    ipam_close(ipam);

    char *readme = read_file(f->dir, "README");
    assert_string_equal(readme, "not an address\n");
    free(readme);
    char *gw = read_file(f->dir, "10.1.2.1");
    assert_string_equal(gw, "gateway/eth0\n");
    free(gw);
    struct stat st;
    assert_int_equal(stat(sub, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    free(sub);
}

/* Only a damaged folder can give an owner two addresses; DEL must still
 * free both. */
static void
test_release_frees_duplicates(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct in_addr ip;
    ipam_close(ipam);

    write_raw(f->dir, "10.1.2.3", "twice/eth0\n", 11);
    write_raw(f->dir, "10.1.2.5", "twice/eth0\n", 11);
    ipam = open_29(f);
    assert_int_equal(ipam_count(ipam), 2);
    assert_int_equal(ipam_lookup(ipam, "twice/eth0", &ip), 0);
    assert_true(ip.s_addr == addr("10.1.2.3").s_addr
                || ip.s_addr == addr("10.1.2.5").s_addr);
    assert_int_equal(ipam_release(ipam, "twice/eth0"), 0);
    assert_int_equal(ipam_count(ipam), 0);
    assert_int_equal(ipam_lookup(ipam, "twice/eth0", &ip), -ENOENT);
    assert_null(read_file(f->dir, "10.1.2.3"));
    assert_null(read_file(f->dir, "10.1.2.5"));
    ipam_close(ipam);
}

/* A file that appears after open is not ours to reuse. */
static void
test_file_appearing_behind_our_back(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);

    write_raw(f->dir, "10.1.2.2", "other-agent/eth0\n", 17);
    assert_addr(allocate_ok(ipam, "mine/eth0"), "10.1.2.3");
    assert_int_equal(ipam_count(ipam), 2);
    char *content = read_file(f->dir, "10.1.2.2");
    assert_string_equal(content, "other-agent/eth0\n");
    free(content);
    ipam_close(ipam);
}

/* A static address: allocated when free and in the subnet, kept on a
 * retried ADD, moved when the same owner asks for another, refused
 * (never shared) when another owner holds it, and refused outside the
 * allocatable range; on disk like any other. */
static void
test_allocate_at(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct in_addr ip;

    assert_int_equal(ipam_allocate_at(ipam, "a/eth0", addr("10.1.2.5")), 0);
    assert_int_equal(ipam_allocate_at(ipam, "a/eth0", addr("10.1.2.5")), 0);
    assert_int_equal(ipam_lookup(ipam, "a/eth0", &ip), 0);
    assert_addr(ip, "10.1.2.5");
    char *content = read_file(f->dir, "10.1.2.5");
    assert_string_equal(content, "a/eth0\n");
    free(content);

    assert_int_equal(ipam_allocate_at(ipam, "b/eth0", addr("10.1.2.5")),
                     -EADDRINUSE);
    assert_int_equal(ipam_allocate_at(ipam, "b/eth0", addr("10.1.3.5")),
                     -EDOM);
    assert_int_equal(ipam_allocate_at(ipam, "b/eth0", addr("10.1.2.1")),
                     -EDOM);
    assert_int_equal(ipam_allocate_at(ipam, "b/eth0", addr("10.1.2.7")),
                     -EDOM);
    assert_int_equal(ipam_allocate_at(ipam, "b/eth0", addr("10.1.2.0")),
                     -EDOM);
    assert_int_equal(ipam_count(ipam), 1);

    assert_int_equal(ipam_allocate_at(ipam, "a/eth0", addr("10.1.2.6")), 0);
    assert_int_equal(ipam_count(ipam), 1);
    assert_null(read_file(f->dir, "10.1.2.5"));
    assert_addr(allocate_ok(ipam, "b/eth0"), "10.1.2.2");

    write_raw(f->dir, "10.1.2.3", "other-agent/eth0\n", 17);
    assert_int_equal(ipam_allocate_at(ipam, "c/eth0", addr("10.1.2.3")),
                     -EADDRINUSE);
    ipam_close(ipam);
}

/* The owners listed are those whose files could be read; an unreadable
 * file keeps its address but names nobody to sweep. */
static void
test_owners(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open_29(f);
    struct sset owners = SSET_INITIALIZER(&owners);

    allocate_ok(ipam, "a/eth0");
    allocate_ok(ipam, "b/net1");
    ipam_close(ipam);
    write_raw(f->dir, "10.1.2.6", "", 0);
    ipam = open_29(f);
    ipam_owners(ipam, &owners);
    assert_int_equal(sset_count(&owners), 2);
    assert_true(sset_contains(&owners, "a/eth0"));
    assert_true(sset_contains(&owners, "b/net1"));
    assert_int_equal(ipam_count(ipam), 3);
    assert_string_equal(ipam_dir(ipam), f->dir);
    sset_destroy(&owners);
    ipam_close(ipam);
}

/* IPv6 allocators. */

static struct in6_addr
addr6(const char *text)
{
    struct in6_addr a;
    assert_int_equal(inet_pton(AF_INET6, text, &a), 1);
    return a;
}

static void
assert_addr6(struct in6_addr got, const char *want)
{
    char buf[INET6_ADDRSTRLEN];
    assert_string_equal(inet_ntop(AF_INET6, &got, buf, sizeof buf), want);
}

static struct ipam *
open6(const struct fixture *f, const char *subnet, int prefix_len)
{
    struct ipam *ipam;
    assert_int_equal(ipam_open6(f->root, addr6(subnet), prefix_len, &ipam),
                     0);
    return ipam;
}

static void
test_v6_fills_subnet_then_addrnotavail(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open6(f, "fd00:1::", 125);
    struct in6_addr ip;
    static const char *const want[] = {
        "fd00:1::2", "fd00:1::3", "fd00:1::4", "fd00:1::5", "fd00:1::6",
    };

    assert_int_equal(ipam_family(ipam), AF_INET6);
    assert_addr6(ipam_gateway6(ipam), "fd00:1::1");
    for (int i = 0; i < 5; i++) {
        char *o = owner(i);
        assert_int_equal(ipam_allocate6(ipam, o, &ip), 0);
        assert_addr6(ip, want[i]);
        free(o);
    }
    assert_int_equal(ipam_allocate6(ipam, "full/eth0", &ip), -EADDRNOTAVAIL);
    ipam_close(ipam);
}

static void
test_v6_files_persist_and_release(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open6(f, "fd00:10:244:1::", 64);
    char *dir = xasprintf("%s/ipam/fd00:10:244:1::_64", f->root);
    struct in6_addr ip, again;

    assert_string_equal(ipam_dir(ipam), dir);
    assert_addr6(ipam_gateway6(ipam), "fd00:10:244:1::1");
    assert_int_equal(ipam_allocate6(ipam, "a/eth0", &ip), 0);
    assert_addr6(ip, "fd00:10:244:1::2");
    char *text = read_file(dir, "fd00:10:244:1::2");
    assert_string_equal(text, "a/eth0\n");
    free(text);
    ipam_close(ipam);

    ipam = open6(f, "fd00:10:244:1::", 64);
    assert_int_equal(ipam_lookup6(ipam, "a/eth0", &again), 0);
    assert_addr6(again, "fd00:10:244:1::2");
    assert_int_equal(ipam_allocate6(ipam, "a/eth0", &again), 0);
    assert_addr6(again, "fd00:10:244:1::2");
    assert_int_equal(ipam_allocate6(ipam, "b/eth0", &ip), 0);
    assert_addr6(ip, "fd00:10:244:1::3");
    assert_int_equal(ipam_release(ipam, "a/eth0"), 0);
    assert_int_equal(ipam_lookup6(ipam, "a/eth0", &again), -ENOENT);
    assert_null(read_file(dir, "fd00:10:244:1::2"));
    assert_int_equal(ipam_count(ipam), 1);
    ipam_close(ipam);
    free(dir);
}

static void
test_v6_allocate_at_and_foreign_files(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam = open6(f, "fd00:1::", 120);
    char *path = xasprintf("%s/fd00:1::7", ipam_dir(ipam));
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old/eth0\n", 9), 9);
    close(fd);
    free(path);
    ipam_close(ipam);

    ipam = open6(f, "fd00:1::", 120);
    struct in6_addr ip;
    assert_int_equal(ipam_lookup6(ipam, "old/eth0", &ip), 0);
    assert_addr6(ip, "fd00:1::7");
    assert_int_equal(ipam_allocate_at6(ipam, "x/eth0", addr6("fd00:1::7")),
                     -EADDRINUSE);
    assert_int_equal(ipam_allocate_at6(ipam, "x/eth0", addr6("fd00:1::1")),
                     -EDOM);
    assert_int_equal(ipam_allocate_at6(ipam, "x/eth0", addr6("fd00:2::9")),
                     -EDOM);
    assert_int_equal(ipam_allocate_at6(ipam, "x/eth0", addr6("fd00:1::ff")),
                     -EDOM);
    assert_int_equal(ipam_allocate_at6(ipam, "x/eth0", addr6("fd00:1::40")),
                     0);
    assert_int_equal(ipam_lookup6(ipam, "x/eth0", &ip), 0);
    assert_addr6(ip, "fd00:1::40");
    ipam_close(ipam);
}

static void
test_v6_invalid_and_family_mismatch(void **state)
{
    struct fixture *f = *state;
    struct ipam *ipam;
    struct in6_addr ip6;
    struct in_addr ip;

    assert_int_equal(ipam_open6(f->root, addr6("fd00::1"), 64, &ipam),
                     -EINVAL);
    assert_null(ipam);
    assert_int_equal(ipam_open6(f->root, addr6("fd00::"), 127, &ipam),
                     -EINVAL);
    assert_int_equal(ipam_open6(f->root, addr6("fd00::"), 0, &ipam),
                     -EINVAL);

    ipam = open6(f, "fd00::", 64);
    assert_int_equal(ipam_allocate(ipam, "a/eth0", &ip), -EAFNOSUPPORT);
    assert_int_equal(ipam_allocate_at(ipam, "a/eth0", addr("10.1.2.3")),
                     -EAFNOSUPPORT);
    assert_int_equal(ipam_allocate6(ipam, "a/eth0", &ip6), 0);
    assert_int_equal(ipam_lookup(ipam, "a/eth0", &ip), -ENOENT);
    ipam_close(ipam);

    ipam = open_29(f);
    assert_int_equal(ipam_family(ipam), AF_INET);
    assert_int_equal(ipam_allocate6(ipam, "a/eth0", &ip6), -EAFNOSUPPORT);
    assert_int_equal(ipam_lookup6(ipam, "a/eth0", &ip6), -ENOENT);
    ipam_close(ipam);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, setup, teardown)
        T(test_fills_subnet_then_addrnotavail),
        T(test_files_on_disk),
        T(test_release_then_reallocate),
        T(test_same_owner_same_address),
        T(test_persists_across_reopen),
        T(test_two_instances_see_each_others_files),
        T(test_release_unknown_owner),
        T(test_invalid_arguments),
        T(test_smallest_and_larger_subnets),
        T(test_order_moves_forward),
        T(test_foreign_and_corrupt_files),
        T(test_file_appearing_behind_our_back),
        T(test_release_frees_duplicates),
        T(test_allocate_at),
        T(test_owners),
        T(test_v6_fills_subnet_then_addrnotavail),
        T(test_v6_files_persist_and_release),
        T(test_v6_allocate_at_and_foreign_files),
        T(test_v6_invalid_and_family_mismatch),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
