/*
 * eswitch: a PF's embedded switch mode through devlink, the kernel's
 * generic netlink family "devlink" (what `devlink dev eswitch show|set
 * pci/ADDR` speaks).
 *
 * The messages are built and the answers decoded apart from the socket,
 * so that the unit tests check them byte for byte without a device:
 *   request: nlmsghdr (type = the family's id, NLM_F_REQUEST|NLM_F_ACK),
 *            genlmsghdr (cmd ESWITCH_GET or ESWITCH_SET, version 1),
 *            DEVLINK_ATTR_BUS_NAME "pci", DEVLINK_ATTR_DEV_NAME the PF's
 *            address, and for SET DEVLINK_ATTR_ESWITCH_MODE (u16);
 *   answer:  for GET a message of the family carrying ESWITCH_MODE, then
 *            an NLMSG_ERROR whose error 0 is the ack; a refusal is an
 *            NLMSG_ERROR with the negative errno (ENODEV: no such devlink
 *            device; EOPNOTSUPP: the driver has no eswitch).
 */
#ifndef HWOFFLOAD_ESWITCH_H
#define HWOFFLOAD_ESWITCH_H 1

#include <stdbool.h>

struct nl_msg;
struct nlmsghdr;

enum eswitch_mode {
    ESWITCH_LEGACY,             /* DEVLINK_ESWITCH_MODE_LEGACY */
    ESWITCH_SWITCHDEV,          /* DEVLINK_ESWITCH_MODE_SWITCHDEV */
};

/* The requests to the family whose id is 'family', for PCI device 'pci'.
 * Sequence number and port are 0: the socket fills them when sending. */
struct nl_msg *eswitch_msg_get(int family, const char *pci);
struct nl_msg *eswitch_msg_set(int family, const char *pci,
                               enum eswitch_mode);

/* What the answer 'nlh' to a request about 'pci' says.  0 with
 * '*donep' true for the ack; 0 with '*has_modep' true and the mode in
 * '*modep' for the GET reply; a negative errno with why in '*errp' for a
 * refusal or a malformed answer. */
int eswitch_parse(const struct nlmsghdr *nlh, const char *pci,
                  enum eswitch_mode *modep, bool *has_modep, bool *donep,
                  char **errp);

/* The live calls.  0, or a negative errno with why in '*errp': -ENODEV
 * "no devlink device pci/ADDR" also when this kernel has no devlink. */
int eswitch_get(const char *pci, enum eswitch_mode *, char **errp);
int eswitch_set(const char *pci, enum eswitch_mode, char **errp);

const char *eswitch_mode_name(enum eswitch_mode);
/* "legacy" or "switchdev" into '*modep'; false for anything else. */
bool eswitch_mode_from_name(const char *, enum eswitch_mode *modep);

#endif /* hwoffload/eswitch.h */
