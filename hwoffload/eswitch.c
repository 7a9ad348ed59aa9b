#include <config.h>
#include "hwoffload/eswitch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/devlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_msg *
request(int family, uint8_t cmd, const char *pci)
{
    struct nl_msg *msg = nlmsg_alloc();

    if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
                             NLM_F_REQUEST | NLM_F_ACK, cmd,
                             DEVLINK_GENL_VERSION)
        || nla_put_string(msg, DEVLINK_ATTR_BUS_NAME, "pci") < 0
        || nla_put_string(msg, DEVLINK_ATTR_DEV_NAME, pci) < 0) {
        nlmsg_free(msg);
        return NULL;
    }
    return msg;
}

struct nl_msg *
eswitch_msg_get(int family, const char *pci)
{
    return request(family, DEVLINK_CMD_ESWITCH_GET, pci);
}

struct nl_msg *
eswitch_msg_set(int family, const char *pci, enum eswitch_mode mode)
{
    struct nl_msg *msg = request(family, DEVLINK_CMD_ESWITCH_SET, pci);
    uint16_t value = (mode == ESWITCH_SWITCHDEV
                      ? DEVLINK_ESWITCH_MODE_SWITCHDEV
                      : DEVLINK_ESWITCH_MODE_LEGACY);

    if (msg && nla_put_u16(msg, DEVLINK_ATTR_ESWITCH_MODE, value) < 0) {
        nlmsg_free(msg);
        msg = NULL;
    }
    return msg;
}

/* The kernel's own words for a refusal (extended ack), or NULL: they
 * follow the error and the request's header (the socket asks for capped
 * acks, but a full copy is skipped as well). */
static const char *
extack_message(const struct nlmsghdr *nlh, const struct nlmsgerr *e)
{
    static const struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
        [NLMSGERR_ATTR_MSG] = { .type = NLA_NUL_STRING },
    };
    struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
    size_t skip = sizeof *e;

    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
        return NULL;
    }
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
        skip += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
    }
    if (nlh->nlmsg_len < NLMSG_HDRLEN + skip) {
        return NULL;
    }
    int len = nlh->nlmsg_len - NLMSG_HDRLEN - skip;
    struct nlattr *attrs = (struct nlattr *) ((char *) nlmsg_data(nlh)
                                              + skip);
    if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, policy) < 0
        || !tb[NLMSGERR_ATTR_MSG]) {
        return NULL;
    }
    return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

static int
refusal(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
        const char *pci, char **errp)
{
    const char *kernel = extack_message(nlh, e);
    char *why;

    switch (-e->error) {
    case ENODEV:
        why = xasprintf("no devlink device pci/%s", pci);
        break;
    case EOPNOTSUPP:
        why = xasprintf("pci/%s: its driver has no eswitch mode to show or "
                        "change", pci);
        break;
    case EPERM:
        why = xasprintf("pci/%s: the eswitch mode needs CAP_NET_ADMIN", pci);
        break;
    default:
        why = xasprintf("pci/%s: devlink refused: %s", pci,
                        ovs_strerror(-e->error));
        break;
    }
    *errp = kernel ? xasprintf("%s (kernel: %s)", why, kernel) : why;
    if (kernel) {
        free(why);
    }
    return e->error;
}

static int
parse_reply(const struct nlmsghdr *nlh, const char *pci,
            enum eswitch_mode *modep, bool *has_modep, char **errp)
{
    static const struct nla_policy policy[DEVLINK_ATTR_MAX + 1] = {
        [DEVLINK_ATTR_BUS_NAME] = { .type = NLA_NUL_STRING },
        [DEVLINK_ATTR_DEV_NAME] = { .type = NLA_NUL_STRING },
        [DEVLINK_ATTR_ESWITCH_MODE] = { .type = NLA_U16 },
    };
    struct nlattr *tb[DEVLINK_ATTR_MAX + 1];
    int error = genlmsg_parse(CONST_CAST(struct nlmsghdr *, nlh), 0, tb,
                              DEVLINK_ATTR_MAX, policy);

    if (error < 0) {
        *errp = xasprintf("pci/%s: a devlink answer that does not parse: %s",
                          pci, nl_geterror(error));
        return -EBADMSG;
    }
    if (tb[DEVLINK_ATTR_DEV_NAME]
        && strcmp(nla_get_string(tb[DEVLINK_ATTR_DEV_NAME]), pci)) {
        *errp = xasprintf("pci/%s: devlink answered for %s", pci,
                          nla_get_string(tb[DEVLINK_ATTR_DEV_NAME]));
        return -EBADMSG;
    }
    if (tb[DEVLINK_ATTR_ESWITCH_MODE]) {
        uint16_t mode = nla_get_u16(tb[DEVLINK_ATTR_ESWITCH_MODE]);
        if (mode != DEVLINK_ESWITCH_MODE_LEGACY
            && mode != DEVLINK_ESWITCH_MODE_SWITCHDEV) {
            *errp = xasprintf("pci/%s: eswitch mode %u is neither legacy nor "
                              "switchdev", pci, mode);
            return -EBADMSG;
        }
        *modep = (mode == DEVLINK_ESWITCH_MODE_SWITCHDEV ? ESWITCH_SWITCHDEV
                  : ESWITCH_LEGACY);
        *has_modep = true;
    }
    return 0;
}

int
eswitch_parse(const struct nlmsghdr *nlh, const char *pci,
              enum eswitch_mode *modep, bool *has_modep, bool *donep,
              char **errp)
{
    if (nlh->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = nlmsg_data(nlh);
        if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *e)) {
            *errp = xasprintf("pci/%s: a truncated netlink error", pci);
            return -EBADMSG;
        }
        if (e->error > 0) {
            *errp = xasprintf("pci/%s: a netlink error %d that is not a "
                              "negative errno", pci, e->error);
            return -EBADMSG;
        }
        *donep = !e->error;
        return e->error ? refusal(nlh, e, pci, errp) : 0;
    }
    if (nlh->nlmsg_type == NLMSG_DONE) {
        *donep = true;
        return 0;
    }
    return (nlh->nlmsg_type < NLMSG_MIN_TYPE ? 0
            : parse_reply(nlh, pci, modep, has_modep, errp));
}

/* A generic netlink socket and devlink's family id. */
static int
open_devlink(const char *pci, struct nl_sock **sockp, int *familyp,
             char **errp)
{
    struct nl_sock *sock = nl_socket_alloc();
    int one = 1, error;

    *sockp = NULL;
    if (!sock) {
        *errp = xstrdup("out of memory for a netlink socket");
        return -ENOMEM;
    }
    error = genl_connect(sock);
    if (error < 0) {
        *errp = xasprintf("generic netlink: %s", nl_geterror(error));
        nl_socket_free(sock);
        return -EIO;
    }
    /* The kernel's reason in the error, not the whole request back. */
    setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_EXT_ACK, &one,
               sizeof one);
    setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK, &one,
               sizeof one);
    *familyp = genl_ctrl_resolve(sock, DEVLINK_GENL_NAME);
    if (*familyp < 0) {
        *errp = xasprintf("no devlink device pci/%s: this kernel has no "
                          "devlink (no generic netlink family \"%s\")", pci,
                          DEVLINK_GENL_NAME);
        nl_socket_free(sock);
        return -ENODEV;
    }
    *sockp = sock;
    return 0;
}

/* Sends 'msg' (and frees it), then reads the answers up to the ack. */
static int
exchange(struct nl_sock *sock, struct nl_msg *msg, const char *pci,
         enum eswitch_mode *modep, bool *has_modep, char **errp)
{
    int n = msg ? nl_send_auto(sock, msg) : -NLE_NOMEM;
    bool done = false;
    int error = 0;

    nlmsg_free(msg);
    if (n < 0) {
        *errp = xasprintf("pci/%s: sending to devlink: %s", pci,
                          nl_geterror(n));
        return -EIO;
    }
    while (!done && !error) {
        struct sockaddr_nl peer;
        unsigned char *buf = NULL;
        n = nl_recv(sock, &peer, &buf, NULL);
        if (n <= 0) {
            *errp = xasprintf("pci/%s: reading devlink's answer: %s", pci,
                              n ? nl_geterror(n) : "end of file");
            error = -EIO;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *) buf;
             n > 0 && !done && !error && nlmsg_ok(h, n);
             h = nlmsg_next(h, &n)) {
            error = eswitch_parse(h, pci, modep, has_modep, &done, errp);
        }
        free(buf);
    }
    return error;
}

int
eswitch_get(const char *pci, enum eswitch_mode *modep, char **errp)
{
    struct nl_sock *sock;
    bool has_mode = false;
    int family, error = open_devlink(pci, &sock, &family, errp);

    if (!error) {
        error = exchange(sock, eswitch_msg_get(family, pci), pci, modep,
                         &has_mode, errp);
        nl_socket_free(sock);
    }
    if (!error && !has_mode) {
        *errp = xasprintf("pci/%s: devlink's answer has no eswitch mode",
                          pci);
        error = -EBADMSG;
    }
    return error;
}

int
eswitch_set(const char *pci, enum eswitch_mode mode, char **errp)
{
    struct nl_sock *sock;
    enum eswitch_mode ignored;
    bool has_mode = false;
    int family, error = open_devlink(pci, &sock, &family, errp);

    if (!error) {
        error = exchange(sock, eswitch_msg_set(family, pci, mode), pci,
                         &ignored, &has_mode, errp);
        nl_socket_free(sock);
    }
    return error;
}

const char *
eswitch_mode_name(enum eswitch_mode mode)
{
    return mode == ESWITCH_SWITCHDEV ? "switchdev" : "legacy";
}

bool
eswitch_mode_from_name(const char *name, enum eswitch_mode *modep)
{
    if (!strcmp(name, "switchdev") || !strcmp(name, "legacy")) {
        *modep = !strcmp(name, "switchdev") ? ESWITCH_SWITCHDEV
                                            : ESWITCH_LEGACY;
        return true;
    }
    return false;
}
