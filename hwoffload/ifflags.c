#include <config.h>
#include "hwoffload/ifflags.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static int
refused(int error, const char *ifname, char **errp)
{
    *errp = (error == -ENODEV
             ? xasprintf("%s: no such netdev in this network namespace",
                         ifname)
             : error == -EPERM
             ? xasprintf("%s: bringing it up needs CAP_NET_ADMIN", ifname)
             : xasprintf("%s: bringing it up: %s", ifname,
                         ovs_strerror(-error)));
    return error;
}

int
ifflags_up(const char *ifname, bool *was_upp, char **errp)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = 0;

    *was_upp = false;
    if (fd < 0) {
        return refused(-errno, ifname, errp);
    }
    memset(&ifr, 0, sizeof ifr);
    ovs_strzcpy(ifr.ifr_name, ifname, sizeof ifr.ifr_name);
    if (strlen(ifname) >= IFNAMSIZ) {
        error = -ENODEV;
    } else if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        error = -errno;
    } else if (ifr.ifr_flags & IFF_UP) {
        *was_upp = true;
    } else {
        ifr.ifr_flags |= IFF_UP;
        error = ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
    }
    close(fd);
    return error ? refused(error, ifname, errp) : 0;
}
