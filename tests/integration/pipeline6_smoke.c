/*
 * pipeline6_smoke: installs the pipeline of a dual-stack node and its pods
 * on a real switch through flowtab and ofconn, as the agent does, and
 * checks that the switch then holds exactly those flows.
 * test-ipv6-pipeline.sh starts the switch, wires the pods and sends the
 * traffic.
 *
 *   pipeline6_smoke OVS_RUNDIR BRIDGE GW_OFPORT GW_MAC OFPORT,IP,IP6...
 *
 * The node's subnets are 10.244.1.0/24 and fd00:10:244:1::/64 with the
 * gateway at their first addresses; a pod's MAC is 0a:58: and its IPv4
 * address.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/ovsbridge.h"
#include "dataplane/pipeline.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

#define TIMEOUT_MS 10000

static int
parse_node(const char *ofport, const char *mac, struct pipeline_node *node)
{
    uint8_t *m = node->gw_mac;

    *node = (struct pipeline_node) {
        .prefix_len = 24, .has_ip6 = true, .prefix_len6 = 64,
        .gw_ofport = atoll(ofport),
    };
    inet_pton(AF_INET, "10.244.1.0", &node->subnet);
    inet_pton(AF_INET, "10.244.1.1", &node->gw_ip);
    inet_pton(AF_INET6, "fd00:10:244:1::", &node->subnet6);
    inet_pton(AF_INET6, "fd00:10:244:1::1", &node->gw_ip6);
    return sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
                  &m[3], &m[4], &m[5]) == 6 ? 0 : -EINVAL;
}

/* "OFPORT,IP,IP6" into the pod of owner id 'id'. */
static int
parse_pod(const char *arg, uint64_t id, struct pipeline_pod *pod)
{
    char ip[INET_ADDRSTRLEN], ip6[INET6_ADDRSTRLEN];

    *pod = (struct pipeline_pod) {
        .owner = cookie_owner(COOKIE_KIND_POD, id), .has_ip6 = true,
        .mac = { 0x0a, 0x58 },
    };
    if (sscanf(arg, "%"SCNd64",%15[0-9.],%45[0-9a-fA-F:]", &pod->ofport,
               ip, ip6) != 3
        || inet_pton(AF_INET, ip, &pod->ip) != 1
        || inet_pton(AF_INET6, ip6, &pod->ip6) != 1) {
        return -EINVAL;
    }
    memcpy(&pod->mac[2], &pod->ip, 4);
    return 0;
}

static int
add_pipeline(struct flowtab *ft, int argc, char *argv[])
{
    struct pipeline_node node;
    int error = parse_node(argv[3], argv[4], &node);

    error = error ? error : pipeline_set_node(ft, &node);
    for (int i = 5; !error && i < argc; i++) {
        struct pipeline_pod pod;

        error = parse_pod(argv[i], i, &pod);
        error = error ? error : pipeline_set_pod(ft, &node, &pod);
    }
    return error;
}

/* The switch holds exactly the pipeline when a second flowtab desiring it
 * finds nothing to change after reading the switch. */
static int
check_installed(struct ofconn *conn, int argc, char *argv[])
{
    struct flowtab *probe = flowtab_create(1);
    struct ds diff = DS_EMPTY_INITIALIZER;
    int error = add_pipeline(probe, argc, argv);

    error = error ? error : flowtab_sync_installed(probe, conn);
    if (!error) {
        flowtab_format_diff(probe, &diff);
        if (diff.length) {
            printf("# switch differs:\n%s", ds_cstr(&diff));
            error = -EAGAIN;
        }
    }
    ds_destroy(&diff);
    flowtab_destroy(probe);
    return error;
}

int
main(int argc, char *argv[])
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s OVS_RUNDIR BRIDGE GW_OFPORT GW_MAC "
                "OFPORT,IP,IP6...\n", argv[0]);
        return 2;
    }
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);

    char *target = ovsbridge_mgmt_target(argv[1], argv[2]);
    struct flowtab *ft = flowtab_create(1);
    struct ofconn *conn = NULL;
    int error = add_pipeline(ft, argc, argv);

    error = error ? error : ofconn_open(target, TIMEOUT_MS, &conn);
    error = error ? error : flowtab_commit(ft, conn);
    error = error ? error : check_installed(conn, argc, argv);
    printf("%s: pipeline installed (%s)\n", error ? "FAIL" : "PASS",
           error ? ovs_strerror(-error) : "exactly");
    if (conn) {
        ofconn_close(conn);
    }
    flowtab_destroy(ft);
    free(target);
    return error ? 1 : 0;
}
