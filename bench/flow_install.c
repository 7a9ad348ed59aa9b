/*
 * flow_install: how long a new set of policy flows takes to reach OVS
 * through the agent's path (polflows into a flowtab, flowtab_commit()
 * through an ofconn: one ORDERED|ATOMIC bundle), against the same flows
 * loaded by "ovs-ofctl --bundle add-flows" from a file, in the same run.
 *
 *   flow_install --target unix:RUNDIR/BRIDGE.mgmt --flows N [--reps R]
 *                --file FLOWFILE [--json FILE]
 *
 * The flows are those of synthetic policy rules (egress, table
 * TABLE_EGRESS_RULE): each rule applies to 8 of 100 local pods and allows
 * 20 peer addresses of its own on two TCP ports, so pod clause flows are
 * shared between rules as they are in a real node.  Rules are added until
 * the flow table holds at least N flows.  The file is
 * flowtab_format_desired() of that table: the same flows in ovs-ofctl
 * syntax (without cookies).
 *
 * Each repetition empties the bridge (ovs-ofctl del-flows, not timed),
 * loads the file with ovs-ofctl and checks the switch's flow count, empties
 * it again, then builds a new flow table from the rules (compile) and
 * commits it (commit), and checks the count again.  Which of the two goes
 * first alternates.  The ovs-ofctl figure is the wall clock of the process
 * (exec to exit: parsing the file and the whole bundle exchange); commit
 * is flowtab_commit() on a connection opened beforehand, as the agent's is
 * (diff, encoding and the bundle, until the switch has confirmed it).
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <json-c/json.h>

#include "bench/benchclock.h"
#include "bench/benchopt.h"
#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/ofconn.h"
#include "dataplane/polflows.h"
#include "dataplane/tables.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "util.h"

extern char **environ;

#define N_LOCAL_PODS 100
#define PODS_PER_RULE 8
#define PEERS_PER_RULE 20
#define CONNECT_TIMEOUT_MS 10000

struct install_config {
    const char *target;         /* the bridge's OpenFlow socket */
    size_t n_flows;
    size_t reps;
    const char *file;           /* the ovs-ofctl flow file to write */
    const char *json;           /* NULL: no JSON */
};

static const struct install_config install_defaults = {
    .n_flows = 10000,
    .reps = 3,
};

/* The rules and the arrays they point into. */
struct rule_set {
    struct polflows_rule *rules;
    size_t n_rules;
    struct in_addr pods[N_LOCAL_PODS];
    struct in_addr *rule_pods;          /* PODS_PER_RULE per rule */
    struct polflows_cidr *peers;        /* PEERS_PER_RULE per rule */
    struct polflows_port ports[2];
};

static void
rule_set_init(struct rule_set *rs, size_t n_rules)
{
    memset(rs, 0, sizeof *rs);
    rs->rules = xcalloc(n_rules, sizeof *rs->rules);
    rs->rule_pods = xcalloc(n_rules * PODS_PER_RULE, sizeof *rs->rule_pods);
    rs->peers = xcalloc(n_rules * PEERS_PER_RULE, sizeof *rs->peers);
    for (size_t i = 0; i < N_LOCAL_PODS; i++) {
        rs->pods[i].s_addr = htonl(0x0a000002 + i);       /* 10.0.0.2.. */
    }
    rs->ports[0] = (struct polflows_port) { IPPROTO_TCP, 443, 0 };
    rs->ports[1] = (struct polflows_port) { IPPROTO_TCP, 8000, 8099 };
}

static void
rule_set_destroy(struct rule_set *rs)
{
    free(rs->rules);
    free(rs->rule_pods);
    free(rs->peers);
}

/* Rule 'i': 8 of the local pods, spread so that rules share them; 20 peer
 * addresses of its own (10.1.0.0 + 20 * i on); both ports. */
static const struct polflows_rule *
rule_set_make(struct rule_set *rs, size_t i)
{
    struct polflows_rule *r = &rs->rules[i];
    struct in_addr *pods = &rs->rule_pods[i * PODS_PER_RULE];
    struct polflows_cidr *peers = &rs->peers[i * PEERS_PER_RULE];

    for (size_t j = 0; j < PODS_PER_RULE; j++) {
        pods[j] = rs->pods[(i * 7 + j * 13) % N_LOCAL_PODS];
    }
    for (size_t j = 0; j < PEERS_PER_RULE; j++) {
        peers[j].addr.s_addr = htonl(0x0a010000 + i * PEERS_PER_RULE + j);
        peers[j].plen = 32;
    }
    *r = (struct polflows_rule) {
        .id = 16 + i,
        .dir = POLFLOWS_EGRESS,
        .action = POLFLOWS_ALLOW,
        .table = TABLE_EGRESS_RULE,
        .priority = 100,
        .next_table = TABLE_L3_FORWARDING,
        .pods = pods,
        .n_pods = PODS_PER_RULE,
        .peers = peers,
        .n_peers = PEERS_PER_RULE,
        .ports = rs->ports,
        .n_ports = ARRAY_SIZE(rs->ports),
    };
    rs->n_rules = MAX(rs->n_rules, i + 1);
    return r;
}

/* Adds rules until 'ft' holds 'n_flows' flows (the first time), or the
 * same rules again. */
static int
compile(struct rule_set *rs, size_t n_flows, struct flowtab *ft)
{
    size_t n = rs->n_rules;

    for (size_t i = 0; n ? i < n : flowtab_count(ft) < n_flows; i++) {
        const struct polflows_rule *r = n ? &rs->rules[i]
                                          : rule_set_make(rs, i);
        int error = polflows_set_rule(ft, r);
        if (error) {
            return error;
        }
    }
    return 0;
}

static int
run_ofctl(char *const argv[])
{
    pid_t pid;
    int status, error;

    error = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (error) {
        fprintf(stderr, "flow_install: %s: %s\n", argv[0], strerror(error));
        return -error;
    }
    if (waitpid(pid, &status, 0) < 0) {
        return -errno;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "flow_install: %s %s failed\n", argv[0], argv[1]);
        return -EPROTO;
    }
    return 0;
}

static int
del_flows(const struct install_config *cfg)
{
    char *argv[] = { "ovs-ofctl", "del-flows", CONST_CAST(char *, cfg->target),
                     NULL };
    return run_ofctl(argv);
}

static void
count_flow(const void *fs OVS_UNUSED, void *aux)
{
    size_t *n = aux;
    (*n)++;
}

/* Checks that the switch holds 'expected' flows. */
static int
check_count(struct ofconn *conn, size_t expected, const char *who)
{
    size_t n = 0;
    int error = ofconn_dump_flows(conn, count_flow, &n);

    if (!error && n != expected) {
        fprintf(stderr, "flow_install: after %s the switch has %zu flows, "
                "expected %zu\n", who, n, expected);
        error = -EPROTO;
    }
    return error;
}

struct install_sample {
    double ofctl_s;
    double compile_s;
    double commit_s;
    double one_change_s;        /* commit of one flow among all of them */
    double idle_check_s;        /* flowtab_has_changes() with none */
};

/* How often the idle check runs in one sample, for a time above the
 * clock's resolution. */
#define IDLE_CHECKS 1000

/* With every flow installed: one flow changes (its actions), and the
 * commit sends it; then the table is idle, and the check an agent makes
 * on every wake-up finds nothing.  Both should not grow with the table. */
static int
time_one_change(struct flowtab *ft, struct ofconn *conn,
                struct install_sample *sample)
{
    uint64_t owner = cookie_owner(COOKIE_KIND_NODE, 0xbe0c);
    int error = flowtab_add_flow(ft, owner, 0, 1, "ip,nw_src=192.0.2.1",
                                 "drop");
    error = error ? error : flowtab_commit(ft, conn);
    flowtab_remove_owner(ft, owner);
    error = error ? error : flowtab_add_flow(ft, owner, 0, 1,
                                             "ip,nw_src=192.0.2.1",
                                             "resubmit(,10)");
    double t0 = benchclock_now();
    error = error ? error : flowtab_commit(ft, conn);
    sample->one_change_s = benchclock_now() - t0;

    bool changes = false;
    t0 = benchclock_now();
    for (int i = 0; i < IDLE_CHECKS; i++) {
        changes |= flowtab_has_changes(ft);
    }
    sample->idle_check_s = (benchclock_now() - t0) / IDLE_CHECKS;
    return error ? error : changes ? -EINVAL : 0;
}

/* Connections are opened per phase: compiling a large table takes longer
 * than the switch's inactivity probe, and the agent's connection would be
 * open already. */
static int
open_conn(const struct install_config *cfg, struct ofconn **connp)
{
    int error = ofconn_open(cfg->target, CONNECT_TIMEOUT_MS, connp);

    if (error) {
        fprintf(stderr, "flow_install: %s: %s\n", cfg->target,
                ovs_strerror(-error));
    }
    return error;
}

static int
time_ofctl(const struct install_config *cfg, size_t n_flows,
           struct install_sample *sample)
{
    struct ofconn *conn = NULL;
    char *argv[] = { "ovs-ofctl", "--bundle", "add-flows",
                     CONST_CAST(char *, cfg->target),
                     CONST_CAST(char *, cfg->file), NULL };
    double t0;
    int error;

    error = del_flows(cfg);
    if (error) {
        return error;
    }
    t0 = benchclock_now();
    error = run_ofctl(argv);
    sample->ofctl_s = benchclock_now() - t0;
    error = error ? error : open_conn(cfg, &conn);
    error = error ? error : check_count(conn, n_flows, "ovs-ofctl");
    ofconn_close(conn);
    return error;
}

static int
time_seine(const struct install_config *cfg, struct rule_set *rs,
           size_t n_flows, struct install_sample *sample)
{
    struct flowtab *ft = flowtab_create(1);
    struct ofconn *conn = NULL;
    double t0, t1;
    int error;

    error = del_flows(cfg);
    if (error) {
        goto out;
    }
    t0 = benchclock_now();
    error = compile(rs, n_flows, ft);
    sample->compile_s = benchclock_now() - t0;
    error = error ? error : open_conn(cfg, &conn);
    if (error) {
        goto out;
    }
    t1 = benchclock_now();
    error = flowtab_commit(ft, conn);
    sample->commit_s = benchclock_now() - t1;
    if (!error) {
        error = check_count(conn, flowtab_count(ft), "flowtab_commit");
    }
    error = error ? error : time_one_change(ft, conn, sample);
out:
    ofconn_close(conn);
    flowtab_destroy(ft);
    return error;
}

/* Builds the rules once, and writes the flow file from them; the number of
 * flows in '*n_flowsp'. */
static int
write_flow_file(const struct install_config *cfg, struct rule_set *rs,
                size_t *n_flowsp)
{
    struct flowtab *ft = flowtab_create(1);
    struct ds text = DS_EMPTY_INITIALIZER;
    FILE *f = NULL;
    int error;

    error = compile(rs, cfg->n_flows, ft);
    if (error) {
        goto out;
    }
    *n_flowsp = flowtab_count(ft);
    flowtab_format_desired(ft, 0, &text);
    f = fopen(cfg->file, "w");
    if (!f || fputs(ds_cstr(&text), f) < 0 || fclose(f)) {
        error = -errno;
        fprintf(stderr, "flow_install: %s: %s\n", cfg->file,
                ovs_strerror(errno));
    }
out:
    ds_destroy(&text);
    flowtab_destroy(ft);
    return error;
}

static int
compare_double(const void *a_, const void *b_)
{
    const double *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

/* Median of one field (seconds) of the samples; the samples, times
 * 'scale' (1e3: ms, 1e6: us), go into 'arr'. */
static double
field_median(const struct install_sample *s, size_t n, size_t offset,
             double scale, struct json_object *arr)
{
    double *v = xcalloc(n, sizeof *v), m;

    for (size_t i = 0; i < n; i++) {
        v[i] = *(const double *) ((const char *) &s[i] + offset);
        json_object_array_add(arr, json_object_new_double(v[i] * scale));
    }
    qsort(v, n, sizeof *v, compare_double);
    m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    free(v);
    return m;
}

static int
report(const struct install_config *cfg, size_t n_rules, size_t n_flows,
       const struct install_sample *samples)
{
    struct json_object *top = json_object_new_object();
    struct json_object *res = json_object_new_object();
    struct json_object *arr[5];
    double ofctl, compile_s, commit, one_change, idle;
    int error = 0;

    for (size_t i = 0; i < ARRAY_SIZE(arr); i++) {
        arr[i] = json_object_new_array();
    }
    ofctl = field_median(samples, cfg->reps,
                         offsetof(struct install_sample, ofctl_s), 1e3,
                         arr[0]);
    compile_s = field_median(samples, cfg->reps,
                             offsetof(struct install_sample, compile_s), 1e3,
                             arr[1]);
    commit = field_median(samples, cfg->reps,
                          offsetof(struct install_sample, commit_s), 1e3,
                          arr[2]);
    one_change = field_median(samples, cfg->reps,
                              offsetof(struct install_sample, one_change_s),
                              1e3, arr[3]);
    idle = field_median(samples, cfg->reps,
                        offsetof(struct install_sample, idle_check_s), 1e6,
                        arr[4]);

    printf("%8zu %7zu %5zu %11.1f %11.1f %11.1f %11.1f %9.0f %9.0f %7.2f "
           "%7.2f\n", n_flows, n_rules, cfg->reps, ofctl * 1e3,
           compile_s * 1e3, commit * 1e3, (compile_s + commit) * 1e3,
           n_flows / ofctl, n_flows / commit, commit / ofctl,
           (compile_s + commit) / ofctl);

    json_object_object_add(res, "flows", json_object_new_int64(n_flows));
    json_object_object_add(res, "rules", json_object_new_int64(n_rules));
    json_object_object_add(res, "reps", json_object_new_int64(cfg->reps));
    json_object_object_add(res, "ofctl_ms",
                           json_object_new_double(ofctl * 1e3));
    json_object_object_add(res, "compile_ms",
                           json_object_new_double(compile_s * 1e3));
    json_object_object_add(res, "commit_ms",
                           json_object_new_double(commit * 1e3));
    json_object_object_add(res, "seine_total_ms",
                           json_object_new_double((compile_s + commit) * 1e3));
    json_object_object_add(res, "ofctl_flows_per_s",
                           json_object_new_double(n_flows / ofctl));
    json_object_object_add(res, "commit_flows_per_s",
                           json_object_new_double(n_flows / commit));
    json_object_object_add(res, "total_flows_per_s",
                           json_object_new_double(n_flows
                                                  / (compile_s + commit)));
    json_object_object_add(res, "ratio_commit_to_ofctl",
                           json_object_new_double(commit / ofctl));
    json_object_object_add(res, "ratio_total_to_ofctl",
                           json_object_new_double((compile_s + commit)
                                                  / ofctl));
    json_object_object_add(res, "ofctl_samples_ms", arr[0]);
    json_object_object_add(res, "compile_samples_ms", arr[1]);
    json_object_object_add(res, "commit_samples_ms", arr[2]);
    json_object_object_add(res, "one_change_commit_ms",
                           json_object_new_double(one_change * 1e3));
    json_object_object_add(res, "one_change_commit_samples_ms", arr[3]);
    json_object_object_add(res, "idle_check_us",
                           json_object_new_double(idle * 1e6));
    json_object_object_add(res, "idle_check_samples_us", arr[4]);
    json_object_object_add(top, "result", res);
    if (cfg->json && json_object_to_file_ext(cfg->json, top,
                                             JSON_C_TO_STRING_PRETTY)) {
        fprintf(stderr, "flow_install: %s: %s\n", cfg->json,
                json_util_get_last_err());
        error = -EIO;
    }
    json_object_put(top);
    return error;
}

static int
install_run(const struct install_config *cfg)
{
    struct install_sample *samples = xcalloc(cfg->reps, sizeof *samples);
    struct rule_set rs;
    size_t n_flows = 0;
    int error;

    rule_set_init(&rs, cfg->n_flows / PEERS_PER_RULE + 1);
    error = write_flow_file(cfg, &rs, &n_flows);
    if (error) {
        goto out;
    }
    for (size_t i = 0; !error && i < cfg->reps; i++) {
        if (i % 2) {
            error = time_seine(cfg, &rs, n_flows, &samples[i]);
            error = error ? error : time_ofctl(cfg, n_flows, &samples[i]);
        } else {
            error = time_ofctl(cfg, n_flows, &samples[i]);
            error = error ? error : time_seine(cfg, &rs, n_flows,
                                               &samples[i]);
        }
    }
    error = error ? error : del_flows(cfg);
    error = error ? error : report(cfg, rs.n_rules, n_flows, samples);
out:
    rule_set_destroy(&rs);
    free(samples);
    return error;
}

static const char install_usage[] =
    "usage: flow_install --target unix:RUNDIR/BRIDGE.mgmt --flows N "
    "--file FLOWFILE\n"
    "                    [--reps R] [--json FILE] [--header]";

/* --header: the column names of the table report() prints, and exit. */
static int
print_header(void *cfg OVS_UNUSED, const char *arg OVS_UNUSED)
{
    printf("%8s %7s %5s %11s %11s %11s %11s %9s %9s %7s %7s\n",
           "flows", "rules", "reps", "ofctl_ms", "compile_ms", "commit_ms",
           "total_ms", "ofctl/s", "commit/s", "c/ofctl", "t/ofctl");
    exit(EXIT_SUCCESS);
}

static int
parse_options(int argc, char *argv[], struct install_config *cfg)
{
    static const struct benchopt opts[] = {
        BENCHOPT("target", BENCHOPT_STRING, struct install_config, target),
        BENCHOPT("flows", BENCHOPT_SIZE, struct install_config, n_flows),
        BENCHOPT("reps", BENCHOPT_SIZE, struct install_config, reps),
        BENCHOPT("file", BENCHOPT_STRING, struct install_config, file),
        BENCHOPT("json", BENCHOPT_STRING, struct install_config, json),
        { "header", BENCHOPT_CALL, 0, print_header, 0 },
    };

    *cfg = install_defaults;
    if (benchopt_parse(argc, argv, opts, ARRAY_SIZE(opts), cfg,
                       install_usage)) {
        return -EINVAL;
    }
    if (!cfg->target || !cfg->file || !cfg->reps || !cfg->n_flows) {
        fprintf(stderr, "%s\n", install_usage);
        return -EINVAL;
    }
    return 0;
}

int
main(int argc, char *argv[])
{
    struct install_config cfg;

    set_program_name(argv[0]);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_WARN);
    /* Compiling is one long poll interval: not worth a warning here. */
    vlog_set_levels(vlog_module_from_name("timeval"), VLF_ANY_DESTINATION,
                    VLL_ERR);
    signal(SIGPIPE, SIG_IGN);
    if (parse_options(argc, argv, &cfg)) {
        return EXIT_FAILURE;
    }
    return install_run(&cfg) ? EXIT_FAILURE : EXIT_SUCCESS;
}
