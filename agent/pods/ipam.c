/*
 * The allocator's memory is a copy of its folder, rebuilt on open:
 *
 *   STATE_DIR/ipam/10.244.1.0_24/
 *       10.244.1.2    "0f3a.../eth0\n"    one file per allocated address,
 *       10.244.1.3    "9b41.../net1\n"    holding its owner key
 *       last          "10.244.1.3\n"      where the next search starts
 *
 * Every file named by an allocatable address of the subnet has an entry in
 * 'by_addr' (keyed by the address's offset in the subnet), and the entry is
 * also in 'by_owner' when its owner key could be read.  A file whose owner
 * cannot be read still reserves its address: a damaged folder can leak an
 * address, never hand one out twice.  An owner has one address, but a
 * damaged folder may give it more; release frees them all.  Files
 * named otherwise (not an address, outside the subnet, the network,
 * gateway or broadcast address) are not ours and are left alone.
 *
 * A file is on disk, with its directory entry synced, before its address
 * is returned.  Creating it with O_EXCL makes the file itself the claim, so
 * an address whose file appeared behind our back is skipped, not shared.
 */
#include <config.h>
#include "agent/pods/ipam.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "sset.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ipam);

/* Owner keys are "containerID/ifname"; longer ones are refused so that
 * every key written can be read back. */
#define IPAM_OWNER_MAX 512
#define IPAM_LAST "last"
#define IPAM_LAST_TMP "last.tmp"

struct ipam_entry {
    struct hmap_node addr_node;  /* in ipam->by_addr, by 'offset' */
    struct hmap_node owner_node; /* in ipam->by_owner if 'owner' */
    uint32_t offset;             /* host part of the address */
    char *owner;                 /* NULL if the file could not be read */
};

struct ipam {
    char *dir;
    int dirfd;
    int family;                  /* AF_INET or AF_INET6 */
    struct in6_addr base6;       /* AF_INET6: the subnet's address */
    uint32_t subnet;             /* network address (AF_INET6: its low 32
                                  * bits), host byte order */
    int prefix_len;
    uint32_t size;               /* addresses in the subnet */
    uint32_t last;               /* offset allocated most recently */
    struct hmap by_addr;
    struct hmap by_owner;
};

/* Offsets 0 (network), 1 (gateway) and size - 1 (broadcast) are never
 * allocated. */
#define IPAM_FIRST 2

static uint32_t
usable(const struct ipam *ipam)
{
    return ipam->size - 3;
}

static struct in_addr
offset_addr(const struct ipam *ipam, uint32_t offset)
{
    return (struct in_addr) { .s_addr = htonl(ipam->subnet + offset) };
}

/* The subnet's host part never carries into the upper 96 bits: the base's
 * host bits are zero and 'offset' is below 'size'. */
static struct in6_addr
offset_addr6(const struct ipam *ipam, uint32_t offset)
{
    struct in6_addr addr = ipam->base6;
    uint32_t low = htonl(ipam->subnet + offset);

    memcpy(&addr.s6_addr[12], &low, sizeof low);
    return addr;
}

static void
offset_name(const struct ipam *ipam, uint32_t offset,
            char name[INET6_ADDRSTRLEN])
{
    if (ipam->family == AF_INET6) {
        struct in6_addr addr = offset_addr6(ipam, offset);
        inet_ntop(AF_INET6, &addr, name, INET6_ADDRSTRLEN);
    } else {
        struct in_addr addr = offset_addr(ipam, offset);
        inet_ntop(AF_INET, &addr, name, INET6_ADDRSTRLEN);
    }
}

/* The low 32 bits of 'name', an address of the allocator's family within
 * the subnet's upper bits; false otherwise. */
static bool
name_low32(const struct ipam *ipam, const char *name, uint32_t *lowp)
{
    if (ipam->family == AF_INET6) {
        struct in6_addr addr;
        uint32_t low;

        if (inet_pton(AF_INET6, name, &addr) != 1
            || memcmp(addr.s6_addr, ipam->base6.s6_addr, 12)) {
            return false;
        }
        memcpy(&low, &addr.s6_addr[12], sizeof low);
        *lowp = ntohl(low);
        return true;
    }
    struct in_addr addr;
    if (inet_pton(AF_INET, name, &addr) != 1) {
        return false;
    }
    *lowp = ntohl(addr.s_addr);
    return true;
}

/* Parses a canonical 'name' that is an allocatable address of the subnet
 * into its offset. */
static bool
name_offset(const struct ipam *ipam, const char *name, uint32_t *offsetp)
{
    char canonical[INET6_ADDRSTRLEN];
    uint32_t low;

    if (!name_low32(ipam, name, &low)) {
        return false;
    }
    uint32_t offset = low - ipam->subnet;
    if (offset < IPAM_FIRST || offset >= ipam->size - 1) {
        return false;
    }
    offset_name(ipam, offset, canonical);
    if (strcmp(canonical, name)) {
        return false;
    }
    *offsetp = offset;
    return true;
}

static struct ipam_entry *
find_addr(const struct ipam *ipam, uint32_t offset)
{
    struct ipam_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, addr_node, hash_int(offset, 0),
                             &ipam->by_addr) {
        if (e->offset == offset) {
            return e;
        }
    }
    return NULL;
}

static struct ipam_entry *
find_owner(const struct ipam *ipam, const char *owner)
{
    struct ipam_entry *e;

    HMAP_FOR_EACH_WITH_HASH (e, owner_node, hash_string(owner, 0),
                             &ipam->by_owner) {
        if (!strcmp(e->owner, owner)) {
            return e;
        }
    }
    return NULL;
}

/* Takes ownership of 'owner'. */
static void
entry_add(struct ipam *ipam, uint32_t offset, char *owner)
{
    struct ipam_entry *e = xzalloc(sizeof *e);

    e->offset = offset;
    e->owner = owner;
    hmap_insert(&ipam->by_addr, &e->addr_node, hash_int(offset, 0));
    if (owner) {
        hmap_insert(&ipam->by_owner, &e->owner_node, hash_string(owner, 0));
    }
}

static void
entry_remove(struct ipam *ipam, struct ipam_entry *e)
{
    hmap_remove(&ipam->by_addr, &e->addr_node);
    if (e->owner) {
        hmap_remove(&ipam->by_owner, &e->owner_node);
    }
    free(e->owner);
    free(e);
}

/* Reads a one-line file into a string; NULL if it cannot be read or is
 * not a single non-empty line. */
static char *
read_line(int dirfd, const char *name)
{
    char buf[IPAM_OWNER_MAX + 2];
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return NULL;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n <= 0 || n == sizeof buf) {
        return NULL;
    }
    if (buf[n - 1] == '\n') {
        n--;
    }
    if (!n || memchr(buf, '\n', n) || memchr(buf, '\0', n)) {
        return NULL;
    }
    return xmemdup0(buf, n);
}

static void
load_entry(struct ipam *ipam, uint32_t offset, const char *name)
{
    char *owner = read_line(ipam->dirfd, name);

    if (!owner) {
        VLOG_WARN("%s/%s: owner unreadable, address stays reserved",
                  ipam->dir, name);
    } else if (find_owner(ipam, owner)) {
        VLOG_WARN("%s/%s: owner %s already holds another address",
                  ipam->dir, name, owner);
    }
    entry_add(ipam, offset, owner);
}

static int
load_entries(struct ipam *ipam)
{
    int fd = dup(ipam->dirfd);
    if (fd < 0) {
        return -errno;
    }
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int error = -errno;
        close(fd);
        return error;
    }
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        uint32_t offset;

        if (name_offset(ipam, de->d_name, &offset)) {
            load_entry(ipam, offset, de->d_name);
        }
    }
    closedir(dir);
    return 0;
}

static void
load_last(struct ipam *ipam)
{
    char *text = read_line(ipam->dirfd, IPAM_LAST);
    uint32_t offset;

    if (text && name_offset(ipam, text, &offset)) {
        ipam->last = offset;
    } else if (text) {
        VLOG_WARN("%s/%s: not an address of the subnet, ignored",
                  ipam->dir, IPAM_LAST);
    }
    free(text);
}

static int
write_all(int fd, const char *s)
{
    size_t len = strlen(s);

    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        s += n;
        len -= n;
    }
    return 0;
}

/* Writes 'text' and a newline to a file created with 'flags' and syncs
 * it.  A file it created is removed again on failure. */
static int
write_file(int dirfd, const char *name, int flags, const char *text)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | flags,
                    0644);
    if (fd < 0) {
        return -errno;
    }
    char *line = xasprintf("%s\n", text);
    int error = write_all(fd, line);
    if (!error && fsync(fd)) {
        error = -errno;
    }
    if (close(fd) && !error) {
        error = -errno;
    }
    if (error) {
        unlinkat(dirfd, name, 0);
    }
    free(line);
    return error;
}

static int
write_last(struct ipam *ipam, uint32_t offset)
{
    char name[INET6_ADDRSTRLEN];
    int error;

    offset_name(ipam, offset, name);
    error = write_file(ipam->dirfd, IPAM_LAST_TMP, O_TRUNC, name);
    if (!error && renameat(ipam->dirfd, IPAM_LAST_TMP,
                           ipam->dirfd, IPAM_LAST)) {
        error = -errno;
        unlinkat(ipam->dirfd, IPAM_LAST_TMP, 0);
    }
    return error;
}

static int
sync_dir(const struct ipam *ipam)
{
    return fsync(ipam->dirfd) ? -errno : 0;
}

/* Creates 'path' and any missing parent, syncing each parent that gains
 * an entry so the folder outlives a crash with the files in it. */
static int
make_dirs(const char *path)
{
    char *copy = xstrdup(path);
    int error = 0;

    for (char *p = copy + 1; !error; p++) {
        bool end = !*p;

        if (*p != '/' && !end) {
            continue;
        }
        *p = '\0';
        if (!mkdir(copy, 0755)) {
            char *slash = strrchr(copy, '/');
            char *parent = (!slash ? xstrdup(".")
                            : slash == copy ? xstrdup("/")
                            : xmemdup0(copy, slash - copy));
            int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd >= 0) {
                fsync(fd);
                close(fd);
            }
            free(parent);
        } else if (errno != EEXIST) {
            error = -errno;
        }
        if (end) {
            break;
        }
        *p = '/';
    }
    free(copy);
    return error;
}

/* Opens the allocator of 'family' for a subnet whose network address is
 * 'name' and whose low 32 bits are 'net' (host byte order), 'size'
 * addresses long. */
static int
open_subnet(const char *state_dir, int family, const char *name,
            uint32_t net, uint32_t size, int prefix_len, struct ipam **ipamp)
{
    struct ipam *ipam = xzalloc(sizeof *ipam);
    int error;

    ipam->dir = xasprintf("%s/ipam/%s_%d", state_dir, name, prefix_len);
    ipam->dirfd = -1;
    ipam->family = family;
    ipam->subnet = net;
    ipam->prefix_len = prefix_len;
    ipam->size = size;
    ipam->last = IPAM_FIRST - 1;
    hmap_init(&ipam->by_addr);
    hmap_init(&ipam->by_owner);
    if (family == AF_INET6) {
        inet_pton(AF_INET6, name, &ipam->base6);
    }

    error = make_dirs(ipam->dir);
    if (error) {
        goto error;
    }
    ipam->dirfd = open(ipam->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ipam->dirfd < 0) {
        error = -errno;
        goto error;
    }
    error = load_entries(ipam);
    if (error) {
        goto error;
    }
    load_last(ipam);
    *ipamp = ipam;
    return 0;

error:
    ipam_close(ipam);
    return error;
}

int
ipam_open(const char *state_dir, struct in_addr subnet, int prefix_len,
          struct ipam **ipamp)
{
    *ipamp = NULL;
    if (prefix_len < 1 || prefix_len > 30) {
        return -EINVAL;
    }
    uint32_t size = UINT32_C(1) << (32 - prefix_len);
    uint32_t net = ntohl(subnet.s_addr);
    if (net & (size - 1)) {
        return -EINVAL;
    }

    char name[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET, &subnet, name, sizeof name);
    return open_subnet(state_dir, AF_INET, name, net, size, prefix_len,
                       ipamp);
}

int
ipam_open6(const char *state_dir, struct in6_addr subnet, int prefix_len,
           struct ipam **ipamp)
{
    *ipamp = NULL;
    if (prefix_len < 1 || prefix_len > 126) {
        return -EINVAL;
    }
    struct in6_addr mask = ipv6_create_mask(prefix_len);
    struct in6_addr network = ipv6_addr_bitand(&subnet, &mask);
    if (!ipv6_addr_equals(&subnet, &network)) {
        return -EINVAL;
    }
    /* Wider subnets allocate from their first 2^32 addresses: no node
     * runs that many pods. */
    uint32_t size = (prefix_len > 96 ? UINT32_C(1) << (128 - prefix_len)
                     : UINT32_MAX);
    uint32_t net;
    memcpy(&net, &subnet.s6_addr[12], sizeof net);

    char name[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &subnet, name, sizeof name);
    return open_subnet(state_dir, AF_INET6, name, ntohl(net), size,
                       prefix_len, ipamp);
}

void
ipam_close(struct ipam *ipam)
{
    if (ipam) {
        struct ipam_entry *e;

        HMAP_FOR_EACH_SAFE (e, addr_node, &ipam->by_addr) {
            entry_remove(ipam, e);
        }
        hmap_destroy(&ipam->by_addr);
        hmap_destroy(&ipam->by_owner);
        if (ipam->dirfd >= 0) {
            close(ipam->dirfd);
        }
        free(ipam->dir);
        free(ipam);
    }
}

struct in_addr
ipam_gateway(const struct ipam *ipam)
{
    return offset_addr(ipam, 1);
}

struct in6_addr
ipam_gateway6(const struct ipam *ipam)
{
    return offset_addr6(ipam, 1);
}

int
ipam_family(const struct ipam *ipam)
{
    return ipam->family;
}

int
ipam_prefix_len(const struct ipam *ipam)
{
    return ipam->prefix_len;
}

/* Claims 'offset' on disk for 'owner'.  -EEXIST: its file exists, though
 * not in memory. */
static int
claim(struct ipam *ipam, uint32_t offset, const char *owner)
{
    char name[INET6_ADDRSTRLEN];
    int error;

    offset_name(ipam, offset, name);
    error = write_file(ipam->dirfd, name, O_EXCL, owner);
    if (error) {
        if (error == -EEXIST) {
            load_entry(ipam, offset, name);
        }
        return error;
    }
    error = write_last(ipam, offset);
    if (!error) {
        error = sync_dir(ipam);
    }
    if (error) {
        unlinkat(ipam->dirfd, name, 0);
    }
    return error;
}

static bool
owner_valid(const char *owner)
{
    size_t len = owner ? strlen(owner) : 0;
    return len && len <= IPAM_OWNER_MAX && !strchr(owner, '\n');
}

static int
allocate_offset(struct ipam *ipam, const char *owner, uint32_t *offsetp)
{
    if (!owner_valid(owner)) {
        return -EINVAL;
    }
    const struct ipam_entry *held = find_owner(ipam, owner);
    if (held) {
        *offsetp = held->offset;
        return 0;
    }

    /* Searching onwards from the last allocation leaves a released
     * address unused for as long as possible, so that stale traffic or
     * policy for its old owner has time to drain. */
    uint32_t n = usable(ipam);
    uint32_t start = ipam->last - IPAM_FIRST + 1;
    for (uint32_t i = 0; i < n && hmap_count(&ipam->by_addr) < n; i++) {
        uint32_t offset = IPAM_FIRST + (start + i) % n;

        if (find_addr(ipam, offset)) {
            continue;
        }
        int error = claim(ipam, offset, owner);
        if (error == -EEXIST) {
            continue;
        } else if (error) {
            return error;
        }
        entry_add(ipam, offset, xstrdup(owner));
        ipam->last = offset;
        *offsetp = offset;
        return 0;
    }
    /* Not -ENOSPC: that is what a full state directory says. */
    return -EADDRNOTAVAIL;
}

int
ipam_allocate(struct ipam *ipam, const char *owner, struct in_addr *ipp)
{
    uint32_t offset;
    int error = (ipam->family == AF_INET
                 ? allocate_offset(ipam, owner, &offset) : -EAFNOSUPPORT);
    if (!error) {
        *ipp = offset_addr(ipam, offset);
    }
    return error;
}

int
ipam_allocate6(struct ipam *ipam, const char *owner, struct in6_addr *ipp)
{
    uint32_t offset;
    int error = (ipam->family == AF_INET6
                 ? allocate_offset(ipam, owner, &offset) : -EAFNOSUPPORT);
    if (!error) {
        *ipp = offset_addr6(ipam, offset);
    }
    return error;
}

/* Allocates the address named 'name' (canonical text). */
static int
allocate_name(struct ipam *ipam, const char *owner, const char *name)
{
    uint32_t offset;

    if (!owner_valid(owner)) {
        return -EINVAL;
    }
    if (!name_offset(ipam, name, &offset)) {
        return -EDOM;
    }
    const struct ipam_entry *held = find_addr(ipam, offset);
    if (held) {
        return held->owner && !strcmp(held->owner, owner) ? 0 : -EADDRINUSE;
    }
    /* What the owner held before (an ADD cut short) is no longer wanted:
     * an owner has one address. */
    int error = ipam_release(ipam, owner);
    if (!error) {
        error = claim(ipam, offset, owner);
    }
    if (error) {
        return error == -EEXIST ? -EADDRINUSE : error;
    }
    entry_add(ipam, offset, xstrdup(owner));
    ipam->last = offset;
    return 0;
}

int
ipam_allocate_at(struct ipam *ipam, const char *owner, struct in_addr ip)
{
    char name[INET6_ADDRSTRLEN];

    if (ipam->family != AF_INET) {
        return -EAFNOSUPPORT;
    }
    inet_ntop(AF_INET, &ip, name, sizeof name);
    return allocate_name(ipam, owner, name);
}

int
ipam_allocate_at6(struct ipam *ipam, const char *owner, struct in6_addr ip)
{
    char name[INET6_ADDRSTRLEN];

    if (ipam->family != AF_INET6) {
        return -EAFNOSUPPORT;
    }
    inet_ntop(AF_INET6, &ip, name, sizeof name);
    return allocate_name(ipam, owner, name);
}

int
ipam_release(struct ipam *ipam, const char *owner)
{
    struct ipam_entry *e;
    bool removed = false;

    while (owner && (e = find_owner(ipam, owner)) != NULL) {
        char name[INET6_ADDRSTRLEN];

        offset_name(ipam, e->offset, name);
        if (unlinkat(ipam->dirfd, name, 0) && errno != ENOENT) {
            return -errno;
        }
        entry_remove(ipam, e);
        removed = true;
    }
    return removed ? sync_dir(ipam) : 0;
}

int
ipam_lookup(const struct ipam *ipam, const char *owner, struct in_addr *ipp)
{
    const struct ipam_entry *e = owner ? find_owner(ipam, owner) : NULL;

    if (!e || ipam->family != AF_INET) {
        return -ENOENT;
    }
    *ipp = offset_addr(ipam, e->offset);
    return 0;
}

int
ipam_lookup6(const struct ipam *ipam, const char *owner,
             struct in6_addr *ipp)
{
    const struct ipam_entry *e = owner ? find_owner(ipam, owner) : NULL;

    if (!e || ipam->family != AF_INET6) {
        return -ENOENT;
    }
    *ipp = offset_addr6(ipam, e->offset);
    return 0;
}

void
ipam_owners(const struct ipam *ipam, struct sset *owners)
{
    const struct ipam_entry *e;

    HMAP_FOR_EACH (e, addr_node, &ipam->by_addr) {
        if (e->owner) {
            sset_add(owners, e->owner);
        }
    }
}

const char *
ipam_dir(const struct ipam *ipam)
{
    return ipam->dir;
}

size_t
ipam_count(const struct ipam *ipam)
{
    return hmap_count(&ipam->by_addr);
}
