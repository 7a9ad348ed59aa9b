#include <config.h>
#include "agent/hostnet/nodeport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "agent/lib/hostlink.h"
#include "agent/hostnet/nftables.h"
#include "agent/lib/ipproto.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#define NODEPORT_TABLE "seine"

int
nodeport_setup_route(const char *gateway, const uint8_t mac[6])
{
    struct in_addr ip;

    inet_pton(AF_INET, NODEPORT_IP, &ip);
    return hostlink_set_neighbor(gateway, ip, mac);
}

/* Priority -100 is where DNAT goes (nftables' "dstnat", a name it takes
 * for prerouting only). */
static void
put_chain(struct ds *s, const char *hook)
{
    ds_put_format(s, "    chain %s {\n"
                  "        type nat hook %s priority -100; policy accept;\n"
                  "        fib daddr type local meta l4proto . th dport "
                  "@nodeports dnat to "NODEPORT_IP"\n"
                  "    }\n", hook, hook);
}

char *
nodeport_script(const struct ipproto_port *ports, size_t n)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    /* Creating the table first makes the deletion valid whether or not it
     * existed; both happen in the same transaction as the new table. */
    ds_put_cstr(&s, "table ip "NODEPORT_TABLE"\n"
                "delete table ip "NODEPORT_TABLE"\n");
    if (!n) {
        return ds_steal_cstr(&s);
    }
    ds_put_cstr(&s, "table ip "NODEPORT_TABLE" {\n"
                "    set nodeports {\n"
                "        type inet_proto . inet_service\n"
                "        elements = { ");
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&s, "%s%s . %u", i ? ", " : "",
                      ipproto_name(ports[i].proto), ports[i].port);
    }
    ds_put_cstr(&s, " }\n    }\n");
    put_chain(&s, "prerouting");
    put_chain(&s, "output");
    ds_put_cstr(&s, "}\n");
    return ds_steal_cstr(&s);
}

int
nodeport_apply(const struct ipproto_port *ports, size_t n, char **errp)
{
    char *script = nodeport_script(ports, n);
    int error = nftables_run(script, errp);

    free(script);
    return error;
}
