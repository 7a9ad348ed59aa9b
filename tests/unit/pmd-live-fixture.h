/*
 * What OVS 3.1's ovs-vswitchd answered on this project's machines for one
 * PMD (core 1, pmd-maxsleep 1000) polling one AF_XDP port after a few
 * packets: dpif-netdev/pmd-stats-show, pmd-rxq-show and pmd-perf-show,
 * as recorded, for the tests of their readers (test_pmdstats, test_pmdshow).
 */
#ifndef PMD_LIVE_FIXTURE_H
#define PMD_LIVE_FIXTURE_H 1

static const char live_stats_show[] =
    "pmd thread numa_id 0 core_id 1:\n"
    "  packets received: 10\n"
    "  packet recirculations: 0\n"
    "  avg. datapath passes per packet: 1.00\n"
    "  phwol hits: 0\n"
    "  mfex opt hits: 0\n"
    "  simple match hits: 0\n"
    "  emc hits: 0\n"
    "  smc hits: 0\n"
    "  megaflow hits: 6\n"
    "  avg. subtable lookups per megaflow hit: 1.33\n"
    "  miss with success upcall: 4\n"
    "  miss with failed upcall: 0\n"
    "  avg. packets per output batch: 1.11\n"
    "  idle cycles: 70534998 (97.29%)\n"
    "  processing cycles: 1966718 (2.71%)\n"
    "  avg cycles per packet: 7250171.60 (72501716/10)\n"
    "  avg processing cycles per packet: 196671.80 (1966718/10)\n"
    "main thread:\n"
    "  packets received: 0\n"
    "  packet recirculations: 0\n"
    "  avg. datapath passes per packet: 0.00\n"
    "  phwol hits: 0\n"
    "  mfex opt hits: 0\n"
    "  simple match hits: 0\n"
    "  emc hits: 0\n"
    "  smc hits: 0\n"
    "  megaflow hits: 0\n"
    "  avg. subtable lookups per megaflow hit: 0.00\n"
    "  miss with success upcall: 0\n"
    "  miss with failed upcall: 0\n"
    "  avg. packets per output batch: 0.00\n";

static const char live_rxq_show[] =
    "Displaying last 60 seconds pmd usage %\n"
    "pmd thread numa_id 0 core_id 1:\n"
    "  isolated : false\n"
    "  port: v0                queue-id:  0 (enabled)   pmd usage:  0 %\n"
    "  overhead:  0 %\n";

static const char live_perf_show[] =
    "\n"
    "Time: 06:21:52.514\n"
    "Measurement duration: 20.720 s\n"
    "\n"
    "pmd thread numa_id 0 core_id 1:\n"
    "\n"
    "  Iterations:                20037  (1029.26 us/it)\n"
    "  - Used TSC cycles:      72482320  (  0.1 % of total cycles)\n"
    "  - idle iterations:         20028  ( 97.3 % of used cycles)\n"
    "  - busy iterations:             9  (  2.7 % of used cycles)\n"
    "  - sleep iterations:        20037  (100.0 % of iterations)\n"
    "  Sleep time (us):        20595400  (1028 us/iteration avg.)\n"
    "  Rx packets:                   10  (0 Kpps, 196672 cycles/pkt)\n"
    "  Datapath passes:              10  (1.00 passes/pkt)\n"
    "  - PHWOL hits:                  0  (  0.0 %)\n"
    "  - MFEX Opt hits:               0  (  0.0 %)\n"
    "  - Simple Match hits:           0  (  0.0 %)\n"
    "  - EMC hits:                    0  (  0.0 %)\n"
    "  - SMC hits:                    0  (  0.0 %)\n"
    "  - Megaflow hits:               6  ( 60.0 %, 1.33 subtbl lookups/hit)\n"
    "  - Upcalls:                     4  ( 40.0 %, 0.0 us/upcall)\n"
    "  - Lost upcalls:                0  (  0.0 %)\n"
    "  Tx packets:                   10  (0 Kpps)\n"
    "  Tx batches:                    9  (1.11 pkts/batch)\n";

#endif /* pmd-live-fixture.h */
