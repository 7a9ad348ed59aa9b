/* seine-agent: the per-node daemon (see docs/architecture.md). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "agent/core/agent.h"
#include "agent/core/agentconf.h"
#include "agent/core/attach.h"
#include "agent/core/agentmetrics.h"
#include "agent/core/ctlapi.h"
#include "agent/lib/sockdir.h"
#include "agent/model/cluster.h"
#include "agent/pods/cniserver.h"
#include "agent/policy/policy.h"
#include "agent/services/svclb.h"
#include "dataplane/flowtab.h"
#include "command-line.h"
#include "daemon.h"
#include "dns-resolve.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "seine-config.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(main);

struct agent_options {
    const char *config;
    const char *unixctl;
    char **verbosity;               /* -v arguments, applied after logLevel */
    size_t n_verbosity;
};

static void OVS_NO_RETURN
usage(void)
{
    printf("%s: Seine node agent\n"
           "usage: %s [OPTIONS]\n"
           "\nOptions:\n"
           "  --config=FILE       configuration (default: %s)\n"
           "  --unixctl=SOCKET    control socket for ovs-appctl\n",
           program_name, program_name, SEINE_DEFAULT_CONFIG);
    daemon_usage();
    vlog_usage();
    printf("  -h, --help          display this help message\n"
           "  -V, --version       display version information\n");
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[], struct agent_options *opts)
{
    enum {
        OPT_CONFIG = UCHAR_MAX + 1,
        OPT_UNIXCTL,
        DAEMON_OPTION_ENUMS,
        VLOG_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    opts->config = SEINE_DEFAULT_CONFIG;
    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_CONFIG:
            opts->config = optarg;
            break;
        case OPT_UNIXCTL:
            opts->unixctl = optarg;
            break;
        case 'h':
            usage();
        case 'V':
            printf("seine-agent %s (Open vSwitch library %s)\n",
                   SEINE_VERSION, VERSION);
            exit(EXIT_SUCCESS);
        case 'v':
            opts->verbosity = xrealloc(opts->verbosity,
                                       (opts->n_verbosity + 1)
                                       * sizeof *opts->verbosity);
            opts->verbosity[opts->n_verbosity++] = optarg;
            break;
        case OPT_LOG_FILE:
            if (vlog_set_log_file(optarg) && optarg) {
                exit(EXIT_FAILURE);
            }
            break;
        case OPT_SYSLOG_IMPL:
            vlog_set_syslog_method(optarg);
            break;
        case OPT_SYSLOG_TARGET:
            vlog_set_syslog_target(optarg);
            break;
        DAEMON_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        }
    }
    free(short_options);
    if (optind != argc) {
        ovs_fatal(0, "unexpected argument '%s' (use --help)", argv[optind]);
    }
}

static void
load_config(const struct agent_options *opts, struct agentconf *conf)
{
    char *err = NULL;
    int error = agentconf_load(opts->config, conf, &err);

    if (error == -ENOENT) {
        VLOG_WARN("%s: not found, using defaults", opts->config);
        agentconf_defaults(conf);
    } else if (error) {
        ovs_fatal(0, "%s", err);
    }
    free(err);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION,
                    vlog_get_level_val(conf->log_level));
    for (size_t i = 0; i < opts->n_verbosity; i++) {
        vlog_set_verbosity(opts->verbosity[i]);
    }
}

static void
agent_unixctl_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
                   const char *argv[] OVS_UNUSED, void *exiting_)
{
    bool *exiting = exiting_;
    *exiting = true;
    unixctl_command_reply(conn, NULL);
}

/* "policy/stats": every policy rule in force with its counters. */
static void
agent_unixctl_policy_stats(struct unixctl_conn *conn, int argc OVS_UNUSED,
                           const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;

    if (!agent->of || !agent->policy) {
        unixctl_command_reply_error(conn, "not connected to the switch");
        return;
    }
    policy_format_stats(agent->policy, agent->of, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "service/show": every service load balancer with its frontends and
 * endpoints. */
static void
agent_unixctl_service_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                           const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;

    svclb_format(agent->svclb, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "flows/commits": how many flow table commits the switch has confirmed,
 * when the last one completed (milliseconds since the epoch, so a client
 * can time a change it made from outside the agent) and the flows and
 * groups in force. */
static void
agent_unixctl_flows_commits(struct unixctl_conn *conn, int argc OVS_UNUSED,
                            const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;

    ds_put_format(&s, "commits: %llu\nlast: %lld\nflows: %zu\ngroups: %zu\n",
                  agent->n_commits, agent->last_commit_wall,
                  flowtab_count(agent->ft), flowtab_count_groups(agent->ft));
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "model/show": every object the cluster model holds (cluster.h). */
static void
agent_unixctl_model_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;

    cluster_format(agent->cluster, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* "source/show": what the state source reads and how it is doing. */
static void
agent_unixctl_source_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[] OVS_UNUSED, void *agent_)
{
    struct agent *agent = agent_;
    struct ds s = DS_EMPTY_INITIALIZER;

    source_format(&agent->source, &s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* The CNI request being served, for its metrics. */
struct agent_cni {
    struct agent *agent;
    const struct cniproto_request *req;
};

static const char *
agent_cni_type(struct agent *agent, const struct cniproto_request *req)
{
    const struct podrec *rec = (req->container_id && req->ifname
                                ? podstore_find(&agent->store,
                                                req->container_id,
                                                req->ifname)
                                : NULL);
    return rec ? podstore_type_name(rec->type) : NULL;
}

static bool
agent_cni_answered(struct agent_cni *cni, struct cniproto_response *resp)
{
    agentmetrics_cni_end(cni->agent->metrics,
                         agent_cni_type(cni->agent, cni->req), resp);
    return true;
}

static bool
agent_start_cni(void *cni_, const struct cniproto_request *req,
                struct cniproto_response *resp)
{
    struct agent_cni *cni = cni_;

    cni->req = req;
    agentmetrics_cni_begin(cni->agent->metrics, req->cmd,
                           agent_cni_type(cni->agent, req));
    return (attach_start(cni->agent, req, resp)
            && agent_cni_answered(cni, resp));
}

static bool
agent_run_cni(void *cni_, struct cniproto_response *resp)
{
    struct agent_cni *cni = cni_;

    return attach_run(cni->agent, resp) && agent_cni_answered(cni, resp);
}

static void
agent_loop(struct agent *agent, struct unixctl_server *unixctl,
           const struct agentconf *conf, const char *config_path)
{
    struct agent_cni cni_state = { .agent = agent };
    struct cniserver *cni = NULL;
    bool exiting = false;
    bool swept = false;

    unixctl_command_register("exit", "", 0, 0, agent_unixctl_exit, &exiting);
    unixctl_command_register("policy/stats", "", 0, 0,
                             agent_unixctl_policy_stats, agent);
    unixctl_command_register("service/show", "", 0, 0,
                             agent_unixctl_service_show, agent);
    unixctl_command_register("flows/commits", "", 0, 0,
                             agent_unixctl_flows_commits, agent);
    unixctl_command_register("model/show", "", 0, 0, agent_unixctl_model_show,
                             agent);
    unixctl_command_register("source/show", "", 0, 0,
                             agent_unixctl_source_show, agent);
    ctlapi_register(agent, config_path);
    while (!exiting) {
        unixctl_server_run(unixctl);
        agent_run(agent);
        /* What a crash left goes before the first request, so no request
         * sees it. */
        if (!swept && agent_is_ready(agent)) {
            swept = attach_sweep(agent);
        }
        /* The CNI socket appears once the node can serve requests, so its
         * presence tells a runtime or a script that the agent is ready. */
        if (!cni && swept && agent_is_ready(agent)
            && cniserver_open(conf->cni_socket, agent_start_cni,
                              agent_run_cni, &cni_state, &cni)) {
            ovs_fatal(0, "%s: cannot serve CNI requests", conf->cni_socket);
        }
        if (cni) {
            cniserver_run(cni);
        }
        unixctl_server_wait(unixctl);
        agent_wait(agent);
        attach_wait(agent);
        if (cni) {
            cniserver_wait(cni);
        }
        if (exiting) {
            poll_immediate_wake();
        }
        poll_block();
    }
    attach_cancel(agent);
    cniserver_close(cni);
}

/* Both sockets are root's alone (sockdir.h), checked before anything
 * else is touched so a bad folder stops the agent with nothing done. */
static void
check_socket_dirs(const struct agent_options *opts,
                  const struct agentconf *conf)
{
    const char *paths[] = { conf->cni_socket, opts->unixctl };
    char *err;

    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        if (paths[i] && sockdir_prepare(paths[i], &err)) {
            ovs_fatal(0, "%s: %s", paths[i], err);
        }
    }
}

/* libopenvswitch binds the control socket with mode 0770 less the umask
 * (Linux applies it to a socket's file), so the umask makes it 0600 from
 * the start, with no moment at which root's group may connect. */
static struct unixctl_server *
create_unixctl(const char *path)
{
    struct unixctl_server *unixctl;
    mode_t old_umask = umask(0177);
    int error = unixctl_server_create(path, &unixctl);

    umask(old_umask);
    if (error) {
        ovs_fatal(0, "cannot create the unixctl server");
    }
    return unixctl;
}

int
main(int argc, char *argv[])
{
    struct agent_options opts = { 0 };
    struct unixctl_server *unixctl;
    struct agentconf conf;
    struct agent *agent;

    ovs_set_program_name(argv[0], SEINE_VERSION);
    fatal_ignore_sigpipe();
    parse_options(argc, argv, &opts);
    load_config(&opts, &conf);
    check_socket_dirs(&opts, &conf);
    /* Absolute, for a reader from elsewhere (ctl/runtime), and before
     * --detach leaves the folder the agent was started in. */
    char *config_path = abs_file_name(NULL, opts.config);
    daemonize_start(false);
    /* A flow collector named by host is resolved without blocking. */
    dns_resolve_init(true);

    unixctl = create_unixctl(opts.unixctl);
    if (agent_open(&conf, &agent)) {
        ovs_fatal(0, "cannot start (see the messages above)");
    }
    daemonize_complete();
    VLOG_INFO("seine-agent %s started", SEINE_VERSION);

    agent_loop(agent, unixctl, &conf, config_path ? config_path : opts.config);

    agent_close(agent);
    unixctl_server_destroy(unixctl);
    agentconf_destroy(&conf);
    free(config_path);
    free(opts.verbosity);
    return 0;
}
