/*
 * ctdump_smoke: the flow exporter's pipeline, short of the Kubernetes
 * names, on a real switch whose conntrack test-conntrack-export.sh
 * filled:
 *
 *   ctdump_smoke RUNDIR ZONE COLLECTOR
 *
 * It asks the ovs-vswitchd of RUNDIR for its connections asynchronously
 * (ctdump_query_start()), in all zones and in ZONE alone, both queries at
 * once; parses the answers; feeds the first to a conntable at once
 * flushed; and sends each record (conntable_to_flowrecord(),
 * flowrecord_encode()) to COLLECTOR through ipfixsend.  It prints a line
 * a record,
 *
 *   PROTO SRC:PORT DST:PORT zone=Z nat=IP:PORT state=S reason=R
 *
 * (for ICMP the destination port is type * 256 + code), then
 *
 *   entries=N zone_entries=N bad=N records=N sent=N
 *
 * and exits 1 if a query, an encoding or the sending failed.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/lib/vec.h"
#include "agent/observe/conntable.h"
#include "agent/observe/ctdump.h"
#include "agent/observe/flowrecord.h"
#include "agent/observe/ipfix.h"
#include "agent/observe/ipfixsend.h"
#include "dataplane/vswitchctl.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

#define QUERY_TIMEOUT_MS 5000

struct smoke {
    struct ipfix *ipfix;
    size_t n_records;
    int failures;
};

/* Both answers, asked at once; NULL for a query that failed. */
static void
query_both(const char *rundir, uint16_t zone, char *answers[2])
{
    struct vswitchctl_query *q[2] = {
        ctdump_query_start(rundir, NULL, QUERY_TIMEOUT_MS),
        ctdump_query_start(rundir, &zone, QUERY_TIMEOUT_MS),
    };

    answers[0] = answers[1] = NULL;
    while (q[0] || q[1]) {
        for (int i = 0; i < 2; i++) {
            if (q[i]) {
                int error = vswitchctl_query_finish(q[i], &answers[i]);
                if (error != -EINPROGRESS) {
                    q[i] = NULL;
                } else {
                    vswitchctl_query_wait(q[i]);
                }
            }
        }
        if (q[0] || q[1]) {
            poll_block();
        }
    }
}

static void
print_record(const struct flowrecord *rec, const struct ctdump_entry *ct)
{
    char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], nat[INET_ADDRSTRLEN];

    printf("%s %s:%u %s:%u zone=%u nat=%s:%u state=%s reason=%u\n",
           rec->proto == 6 ? "tcp" : rec->proto == 17 ? "udp"
           : rec->proto == 1 ? "icmp" : "other",
           inet_ntop(AF_INET, &rec->src_ip, src, sizeof src), rec->src_port,
           inet_ntop(AF_INET, &rec->dst_ip, dst, sizeof dst), rec->dst_port,
           ct->zone,
           inet_ntop(AF_INET, &rec->post_nat_dst_ip, nat, sizeof nat),
           rec->post_nat_dst_port,
           rec->tcp_state ? rec->tcp_state : "-", rec->end_reason);
}

static void
export_flow(const struct conntable_flow *flow, void *sm_)
{
    struct smoke *sm = sm_;
    struct flowrecord rec;

    if (!conntable_to_flowrecord(flow, &rec)) {
        return;
    }
    rec.src_pod_name = "smoke";
    print_record(&rec, flow->ct);
    if (flowrecord_encode(sm->ipfix, &rec)) {
        sm->failures++;
    }
    sm->n_records++;
}

/* Sends what the encoder holds, 2 s at most. */
static bool
send_all(struct ipfixsend *s)
{
    long long int deadline = time_msec() + 2000;

    do {
        ipfixsend_run(s);
        ipfixsend_wait(s);
        poll_timer_wait_until(deadline);
        poll_block();
    } while (ipfixsend_queued(s) && time_msec() < deadline);
    return !ipfixsend_queued(s);
}

int
main(int argc, char *argv[])
{
    struct smoke sm = { .n_records = 0 };
    struct vec entries = VEC_INIT(struct ctdump_entry);
    struct vec zone_entries = VEC_INIT(struct ctdump_entry);
    struct ipfix_options options = { .domain_id = 2 };
    struct ipfixsend_options send_options;
    struct ipfixsend *s;
    char *answers[2], *err;

    if (argc != 4) {
        fprintf(stderr, "usage: %s RUNDIR ZONE COLLECTOR\n", argv[0]);
        return 2;
    }
    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    fatal_ignore_sigpipe();

    sm.ipfix = ipfix_create(&options);
    send_options = (struct ipfixsend_options) { .collector = argv[3] };
    if (flowrecord_add_template(sm.ipfix, IPFIX_PEN_SEINE)
        || ipfixsend_create(&send_options, sm.ipfix, &s, &err)) {
        fprintf(stderr, "%s\n", err ? err : "template rejected");
        return 2;
    }

    query_both(argv[1], atoi(argv[2]), answers);
    if (!answers[0] || !answers[1]) {
        fprintf(stderr, "a conntrack query failed\n");
        return 1;
    }
    size_t bad = ctdump_parse(answers[0], &entries)
                 + ctdump_parse(answers[1], &zone_entries);

    struct conntable_options table_options = { 0 };
    struct conntable *t = conntable_create(&table_options, export_flow, &sm);
    long long int now = time_wall_msec();
    conntable_update(t, entries.data, entries.n, now);
    conntable_flush(t, now);
    conntable_destroy(t);
    ipfix_flush(sm.ipfix);
    bool sent = send_all(s);

    printf("entries=%"PRIuSIZE" zone_entries=%"PRIuSIZE" bad=%"PRIuSIZE
           " records=%"PRIuSIZE" sent=%"PRIu64"\n", entries.n,
           zone_entries.n, bad, sm.n_records, ipfixsend_stats(s)->records);
    ipfixsend_destroy(s);
    ipfix_destroy(sm.ipfix);
    free(entries.data);
    free(zone_entries.data);
    free(answers[0]);
    free(answers[1]);
    return sm.failures || !sent ? 1 : 0;
}
