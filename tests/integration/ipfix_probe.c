/*
 * ipfix_probe: Seine's flow records, as the exporter will send them, to a
 * real collector (tests/integration/ipfix-collectors.sh):
 *
 *   ipfix_probe COLLECTOR SECONDS [TEMPLATE_REFRESH_S]
 *
 * For SECONDS it encodes one record a second (observe/flowrecord) and
 * sends it through observe/ipfixsend to COLLECTOR ("udp:HOST:PORT" or
 * "tcp:HOST:PORT"), then waits up to 2 s for the queue to drain and
 * prints the transport's counters:
 *
 *   messages=N records=N bytes=N drops=N reconnects=N
 *
 * Record i is TCP 10.244.1.5:(40000 + i) -> 10.96.0.10:80, DNAT to
 * 10.244.2.7:8080, 7 packets and 4242 bytes out, 5 and 3131 back, from
 * pod shop/web-1 on node1 to shop/db-0 on node2 through Service shop/db,
 * allowed by NetworkPolicy shop/db-in "ingress rule 0".
 */
#include <config.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/observe/flowrecord.h"
#include "agent/observe/ipfix.h"
#include "agent/observe/ipfixsend.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

static struct flowrecord
probe_record(int i)
{
    long long int now = time_wall_msec();

    return (struct flowrecord) {
        .start_ms = now - 10000,
        .end_ms = now,
        .end_reason = FLOWRECORD_END_IDLE,
        .src_ip = htonl(0x0af40105),
        .dst_ip = htonl(0x0a60000a),
        .src_port = 40000 + i,
        .dst_port = 80,
        .proto = 6,
        .delta = { 7, 4242 },
        .total = { 7, 4242 },
        .reverse_delta = { 5, 3131 },
        .reverse_total = { 5, 3131 },
        .post_nat_dst_ip = htonl(0x0af40207),
        .post_nat_dst_port = 8080,
        .src_pod_namespace = "shop",
        .src_pod_name = "web-1",
        .src_node_name = "node1",
        .dst_pod_namespace = "shop",
        .dst_pod_name = "db-0",
        .dst_node_name = "node2",
        .dst_service_namespace = "shop",
        .dst_service_name = "db",
        .dst_service_port = 80,
        .ingress = { FLOWRECORD_KIND_NETWORK_POLICY, "shop", "db-in",
                     "ingress rule 0", FLOWRECORD_ACTION_ALLOW },
        .flow_type = FLOWRECORD_TYPE_INTER_NODE,
        .tcp_state = "TIME_WAIT",
    };
}

/* Runs the transport until 'deadline' (monotonic ms), or until its queue
 * is empty if 'drain'. */
static void
run_until(struct ipfixsend *s, long long int deadline, bool drain)
{
    while (time_msec() < deadline && !(drain && !ipfixsend_queued(s))) {
        ipfixsend_run(s);
        ipfixsend_wait(s);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

int
main(int argc, char *argv[])
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s COLLECTOR SECONDS [TEMPLATE_REFRESH_S]\n",
                argv[0]);
        return 2;
    }
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    fatal_ignore_sigpipe();

    struct ipfix_options options = {
        .domain_id = 1,
        .template_refresh_s = argc > 3 ? atoi(argv[3]) : 0,
    };
    struct ipfix *ipfix = ipfix_create(&options);
    struct ipfixsend_options send_options = { .collector = argv[1] };
    struct ipfixsend *s;
    char *err;

    if (flowrecord_add_template(ipfix)
        || ipfixsend_create(&send_options, ipfix, &s, &err)) {
        fprintf(stderr, "%s\n", err ? err : "template rejected");
        return 2;
    }

    int seconds = atoi(argv[2]);
    long long int start = time_msec();
    for (int i = 0; i < seconds; i++) {
        struct flowrecord rec = probe_record(i);

        if (flowrecord_encode(ipfix, &rec)) {
            fprintf(stderr, "record %d not encoded\n", i);
            return 1;
        }
        ipfix_flush(ipfix);
        run_until(s, start + (i + 1) * 1000LL, false);
    }
    run_until(s, time_msec() + 2000, true);

    const struct ipfixsend_stats *st = ipfixsend_stats(s);
    printf("messages=%"PRIu64" records=%"PRIu64" bytes=%"PRIu64
           " drops=%"PRIu64" reconnects=%"PRIu64"\n", st->messages,
           st->records, st->bytes, st->drops, st->reconnects);
    bool drained = !ipfixsend_queued(s);
    ipfixsend_destroy(s);
    ipfix_destroy(ipfix);
    return drained ? 0 : 1;
}
