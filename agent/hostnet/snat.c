#include <config.h>
#include "agent/hostnet/snat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent/hostnet/nftables.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static void
put_subnet(struct ds *s, const struct snat_subnet *subnet)
{
    char ip[INET_ADDRSTRLEN];

    ds_put_format(s, "%s/%d", inet_ntop(AF_INET, &subnet->addr, ip, sizeof ip),
                  subnet->prefix_len);
}

char *
snat_script(const struct snat_subnet *local, const char *gateway,
            const struct snat_subnet *all, size_t n_all)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_cstr(&s, "table ip seine-snat\n"
                "delete table ip seine-snat\n"
                "table ip seine-snat {\n"
                "    set podnets {\n"
                "        type ipv4_addr\n"
                "        flags interval\n"
                "        auto-merge\n"
                "        elements = { ");
    for (size_t i = 0; i < n_all; i++) {
        ds_put_cstr(&s, i ? ", " : "");
        put_subnet(&s, &all[i]);
    }
    ds_put_cstr(&s, " }\n    }\n"
                "    chain postrouting {\n"
                "        type nat hook postrouting priority 100; "
                "policy accept;\n"
                "        ip saddr ");
    put_subnet(&s, local);
    ds_put_format(&s, " ip daddr != @podnets oifname != \"%s\" masquerade\n"
                  "    }\n}\n", gateway);
    return ds_steal_cstr(&s);
}

static int
enable_forwarding(char **errp)
{
    int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY);
    int error = 0;

    if (fd < 0 || write(fd, "1\n", 2) != 2) {
        error = -errno;
        *errp = xasprintf("cannot enable IPv4 forwarding: %s",
                          ovs_strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
    return error;
}

int
snat_apply(const char *script, char **errp)
{
    int error = nftables_run(script, errp);

    return error ? error : enable_forwarding(errp);
}
