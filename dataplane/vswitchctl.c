#include <config.h>
#include "dataplane/vswitchctl.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"
#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "stream.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(vswitchctl);

struct vswitchctl_query {
    struct jsonrpc *rpc;
    struct json *id;
    long long int deadline;
};

char *
vswitchctl_path(const char *rundir)
{
    char *pidfile = xasprintf("%s/ovs-vswitchd.pid", rundir);
    pid_t pid = read_pidfile(pidfile);
    char *path = NULL;

    free(pidfile);
    if (pid > 0) {
        path = xasprintf("%s/ovs-vswitchd.%ld.ctl", rundir, (long) pid);
        if (access(path, F_OK)) {
            free(path);
            path = NULL;
        }
    }
    return path ? path : xasprintf("%s/ovs-vswitchd.ctl", rundir);
}

struct vswitchctl_query *
vswitchctl_query_start(const char *rundir, const char *cmd, int timeout_ms)
{
    return vswitchctl_query_start_args(rundir, cmd, NULL, 0, timeout_ms);
}

struct vswitchctl_query *
vswitchctl_query_start_args(const char *rundir, const char *cmd,
                            const char *const argv[], size_t argc,
                            int timeout_ms)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 30);
    char *path = vswitchctl_path(rundir);
    char *name = xasprintf("unix:%s", path);
    struct stream *stream;
    int error = stream_open(name, &stream, DSCP_DEFAULT);

    free(name);
    if (error) {
        VLOG_WARN_RL(&rl, "%s: %s", path, ovs_strerror(error));
        free(path);
        return NULL;
    }
    free(path);

    struct vswitchctl_query *q = xzalloc(sizeof *q);
    q->rpc = jsonrpc_open(stream);
    q->deadline = time_msec() + timeout_ms;
    struct json *params = json_array_create_empty();
    for (size_t i = 0; i < argc; i++) {
        json_array_add(params, json_string_create(argv[i]));
    }
    jsonrpc_send(q->rpc, jsonrpc_create_request(cmd, params, &q->id));
    return q;
}

void
vswitchctl_query_abandon(struct vswitchctl_query *q)
{
    if (q) {
        jsonrpc_close(q->rpc);
        json_destroy(q->id);
        free(q);
    }
}

/* The answer 'msg' to the query: 0 and '*replyp', or -EIO. */
static int
take_answer(const struct jsonrpc_msg *msg, char **replyp)
{
    const struct json *body = (msg->type == JSONRPC_REPLY ? msg->result
                               : msg->error);

    if (msg->type == JSONRPC_REPLY && body && body->type == JSON_STRING) {
        *replyp = xstrdup(json_string(body));
        return 0;
    }
    return -EIO;
}

int
vswitchctl_query_finish(struct vswitchctl_query *q, char **replyp)
{
    struct jsonrpc_msg *msg = NULL;
    int error;

    *replyp = NULL;
    jsonrpc_run(q->rpc);
    error = jsonrpc_recv(q->rpc, &msg);
    if (error == EAGAIN) {
        if (time_msec() < q->deadline) {
            return -EINPROGRESS;
        }
        error = -ETIMEDOUT;
    } else if (error) {
        error = -error;
    } else if (msg->id && json_equal(msg->id, q->id)) {
        error = take_answer(msg, replyp);
    } else {
        jsonrpc_msg_destroy(msg);
        return -EINPROGRESS;
    }
    jsonrpc_msg_destroy(msg);
    vswitchctl_query_abandon(q);
    return error;
}

void
vswitchctl_query_wait(struct vswitchctl_query *q)
{
    jsonrpc_wait(q->rpc);
    jsonrpc_recv_wait(q->rpc);
    poll_timer_wait_until(q->deadline);
}
