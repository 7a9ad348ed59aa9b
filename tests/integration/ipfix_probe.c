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
 * Record i is tests/unit/flowrecord-fixture.h's: TCP 10.244.1.5:(40000 +
 * i) -> 10.96.0.10:80, DNAT to 10.244.2.7:8080, 4242 bytes out and 3131
 * back, from pod shop/web-1.
 */
#include <config.h>

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
#include "tests/unit/flowrecord-fixture.h"
#include "timeval.h"
#include "util.h"

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

    if (flowrecord_add_template(ipfix, IPFIX_PEN_SEINE)
        || ipfixsend_create(&send_options, ipfix, &s, &err)) {
        fprintf(stderr, "%s\n", err ? err : "template rejected");
        return 2;
    }

    int seconds = atoi(argv[2]);
    long long int start = time_msec();
    for (int i = 0; i < seconds; i++) {
        struct flowrecord rec = flowrecord_fixture(time_wall_msec(), i);

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
