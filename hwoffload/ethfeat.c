#include <config.h>
#include "hwoffload/ethfeat.h"

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "util.h"

/* One SIOCETHTOOL call on 'ifname' with command block 'cmd'. */
static int
ethtool(int fd, const char *ifname, void *cmd)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof ifr);
    ovs_strzcpy(ifr.ifr_name, ifname, sizeof ifr.ifr_name);
    ifr.ifr_data = cmd;
    return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

/* The number of feature bits 'ifname''s kernel has. */
static int
n_features(int fd, const char *ifname, uint32_t *np)
{
    /* The header and its one data word (the length of the one set asked
     * for), as one buffer: a struct ending in a flexible array cannot be
     * a member of another in ISO C. */
    union {
        struct ethtool_sset_info hdr;
        uint8_t bytes[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
    } info;
    int error;

    memset(&info, 0, sizeof info);
    info.hdr.cmd = ETHTOOL_GSSET_INFO;
    info.hdr.sset_mask = UINT64_C(1) << ETH_SS_FEATURES;
    error = ethtool(fd, ifname, &info);
    if (!error && !(info.hdr.sset_mask & (UINT64_C(1) << ETH_SS_FEATURES))) {
        error = -EOPNOTSUPP;
    }
    *np = error ? 0 : info.hdr.data[0];
    return error;
}

/* The bit of 'feature' in '*bitp', and how many 32-bit blocks hold all
 * features in '*n_blocksp' (ETHTOOL_SFEATURES wants them all). */
static int
feature_bit(int fd, const char *ifname, const char *feature, uint32_t *bitp,
            uint32_t *n_blocksp)
{
    uint32_t n;
    int error = n_features(fd, ifname, &n);

    if (error) {
        return error;
    }
    *n_blocksp = DIV_ROUND_UP(n, 32);
    struct ethtool_gstrings *gs = xzalloc(sizeof *gs + n * ETH_GSTRING_LEN);
    gs->cmd = ETHTOOL_GSTRINGS;
    gs->string_set = ETH_SS_FEATURES;
    gs->len = n;
    error = ethtool(fd, ifname, gs);
    for (uint32_t i = 0; !error && i < gs->len; i++) {
        const char *name = (const char *) gs->data + i * ETH_GSTRING_LEN;
        if (!strncmp(name, feature, ETH_GSTRING_LEN)) {
            *bitp = i;
            free(gs);
            return 0;
        }
    }
    free(gs);
    return error ? error : -ENOENT;
}

struct query {
    int fd;
    uint32_t bit;
    uint32_t n_blocks;          /* of all the kernel's features */
};

static int
why(int error, const char *ifname, const char *feature, const char *doing,
    char **errp)
{
    if (error == -ENODEV) {
        *errp = xasprintf("%s: no such netdev in this network namespace",
                          ifname);
    } else if (error == -ENOENT) {
        *errp = xasprintf("%s: this kernel has no ethtool feature \"%s\"",
                          ifname, feature);
    } else if (error == -EPERM) {
        *errp = xasprintf("%s: %s %s needs CAP_NET_ADMIN", ifname, doing,
                          feature);
    } else {
        *errp = xasprintf("%s: %s %s: %s", ifname, doing, feature,
                          ovs_strerror(-error));
    }
    return error;
}

static int
open_query(const char *ifname, const char *feature, struct query *q,
           char **errp)
{
    int error;

    q->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (q->fd < 0) {
        return why(-errno, ifname, feature, "reading", errp);
    }
    error = feature_bit(q->fd, ifname, feature, &q->bit, &q->n_blocks);
    if (error) {
        close(q->fd);
        return why(error, ifname, feature, "reading", errp);
    }
    return 0;
}

static int
read_state(const struct query *q, const char *ifname, const char *feature,
           struct ethfeat_state *state, char **errp)
{
    struct ethtool_gfeatures *gf;
    uint32_t mask = UINT32_C(1) << (q->bit % 32);
    int error;

    gf = xzalloc(sizeof *gf + q->n_blocks * sizeof gf->features[0]);
    gf->cmd = ETHTOOL_GFEATURES;
    gf->size = q->n_blocks;
    error = ethtool(q->fd, ifname, gf);
    if (!error) {
        const struct ethtool_get_features_block *b
            = &gf->features[q->bit / 32];
        state->active = b->active & mask;
        state->changeable = (b->available & mask)
                            && !(b->never_changed & mask);
    }
    free(gf);
    return error ? why(error, ifname, feature, "reading", errp) : 0;
}

int
ethfeat_get(const char *ifname, const char *feature,
            struct ethfeat_state *state, char **errp)
{
    struct query q;
    int error = open_query(ifname, feature, &q, errp);

    if (!error) {
        error = read_state(&q, ifname, feature, state, errp);
        close(q.fd);
    }
    return error;
}

static int
write_state(const struct query *q, const char *ifname, const char *feature,
            bool on, char **errp)
{
    struct ethtool_sfeatures *sf;
    uint32_t mask = UINT32_C(1) << (q->bit % 32);
    struct ifreq ifr;
    int rc;

    sf = xzalloc(sizeof *sf + q->n_blocks * sizeof sf->features[0]);
    sf->cmd = ETHTOOL_SFEATURES;
    sf->size = q->n_blocks;
    sf->features[q->bit / 32].valid = mask;
    sf->features[q->bit / 32].requested = on ? mask : 0;
    memset(&ifr, 0, sizeof ifr);
    ovs_strzcpy(ifr.ifr_name, ifname, sizeof ifr.ifr_name);
    ifr.ifr_data = (void *) sf;
    /* A non-negative answer may still say the driver did not take it. */
    rc = ioctl(q->fd, SIOCETHTOOL, &ifr);
    int error = rc < 0 ? -errno : 0;
    free(sf);
    if (error) {
        return why(error, ifname, feature, on ? "turning on" : "turning off",
                   errp);
    }
    if (rc & (ETHTOOL_F_UNSUPPORTED | ETHTOOL_F_WISH)) {
        *errp = xasprintf("%s: the driver did not take %s %s", ifname,
                          feature, on ? "on" : "off");
        return -EOPNOTSUPP;
    }
    return 0;
}

int
ethfeat_set(const char *ifname, const char *feature, bool on, char **errp)
{
    struct ethfeat_state state;
    struct query q;
    int error = open_query(ifname, feature, &q, errp);

    if (error) {
        return error;
    }
    error = read_state(&q, ifname, feature, &state, errp);
    if (!error && state.active != on && !state.changeable) {
        *errp = xasprintf("%s: the driver does not let %s change (it is "
                          "%s, fixed)", ifname, feature,
                          state.active ? "on" : "off");
        error = -EOPNOTSUPP;
    } else if (!error && state.active != on) {
        error = write_state(&q, ifname, feature, on, errp);
    }
    close(q.fd);
    return error;
}
