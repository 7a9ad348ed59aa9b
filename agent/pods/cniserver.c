#include <config.h>
#include "agent/pods/cniserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/lib/sockdir.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(cniserver);

/* How long a connected plugin may take to send its request. */
#define CNISERVER_READ_TIMEOUT_MS 5000

/* One connection at a time: read whole (the plugin shuts its side down
 * after the request), then served, then answered; the next waits in the
 * listen backlog meanwhile. */
enum cniserver_state {
    CNISERVER_IDLE,             /* accepting */
    CNISERVER_READING,          /* 'conn' sends its request */
    CNISERVER_SERVING,          /* the handler has not answered yet */
};

struct cniserver {
    int fd;
    char *path;
    cniserver_start_func *start;
    cniserver_run_func *run;
    void *aux;
    enum cniserver_state state;
    int conn;                   /* -1 when idle */
    char *buf;                  /* CNIPROTO_MAX_MSG + 1 bytes */
    size_t len;
    long long int deadline;     /* for the request to arrive */
    struct cniproto_request req;
    struct cniproto_response resp;
    struct vlog_rate_limit rl;
};

static int
listen_unix(const char *path, int *fdp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof sun.sun_path) {
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    unlink(path);
    mode_t old_umask = umask(0177);
    int error = bind(fd, (struct sockaddr *) &sun, sizeof sun) ? -errno : 0;
    umask(old_umask);
    if (!error && (chmod(path, 0600) || listen(fd, 64))) {
        error = -errno;
    }
    if (error) {
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

int
cniserver_open(const char *path, cniserver_start_func *start,
               cniserver_run_func *run, void *aux, struct cniserver **serverp)
{
    char *err = NULL;
    int fd = -1;
    int error = sockdir_prepare(path, &err);

    if (!error) {
        error = listen_unix(path, &fd);
    }
    if (error) {
        VLOG_ERR("%s: cannot listen: %s", path,
                 err ? err : ovs_strerror(-error));
        free(err);
        *serverp = NULL;
        return error;
    }
    struct cniserver *server = xzalloc(sizeof *server);
    server->fd = fd;
    server->path = xstrdup(path);
    server->start = start;
    server->run = run;
    server->aux = aux;
    server->conn = -1;
    server->buf = xmalloc(CNIPROTO_MAX_MSG + 1);
    server->rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 5);
    VLOG_INFO("CNI server listening on %s", path);
    *serverp = server;
    return 0;
}

void
cniserver_close(struct cniserver *server)
{
    if (server) {
        if (server->conn >= 0) {
            close(server->conn);
        }
        cniproto_request_destroy(&server->req);
        cniproto_response_destroy(&server->resp);
        free(server->buf);
        close(server->fd);
        unlink(server->path);
        free(server->path);
        free(server);
    }
}

static bool
peer_is_root(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;

    return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)
           && cred.uid == 0;
}

static void
close_conn(struct cniserver *server)
{
    close(server->conn);
    server->conn = -1;
    server->state = CNISERVER_IDLE;
}

static void
finish(struct cniserver *server)
{
    struct json_object *reply = cniproto_response_to_json(&server->resp);

    if (cniproto_write_msg(server->conn, reply)) {
        VLOG_WARN("CNI response not delivered (the plugin went away)");
    }
    json_object_put(reply);
    cniproto_request_destroy(&server->req);
    cniproto_response_destroy(&server->resp);
    close_conn(server);
}

static void
drop(struct cniserver *server, const char *why)
{
    VLOG_WARN("CNI request not read: %s", why);
    close_conn(server);
}

/* The whole request is in: it is refused, or handed to the handler. */
static void
dispatch(struct cniserver *server)
{
    struct cniproto_request *req = &server->req;
    struct cniproto_response *resp = &server->resp;
    struct json_object *msg = NULL;
    char *err = NULL;
    int error;

    memset(req, 0, sizeof *req);
    memset(resp, 0, sizeof *resp);
    server->state = CNISERVER_SERVING;
    /* The request was read whole even from a peer that will be refused:
     * closing on unread data would reset the connection, and the plugin
     * would report the agent unreachable instead of the refusal. */
    if (!peer_is_root(server->conn)) {
        VLOG_WARN_RL(&server->rl, "CNI request from a non-root peer refused");
        cniproto_response_error(resp, CNI_ERR_INVALID_ENV, NULL,
                                "only root may call seine-agent");
    } else if ((error = cniproto_parse_object(server->buf, server->len, &msg,
                                              NULL))) {
        drop(server, ovs_strerror(-error));
        return;
    } else if ((error = cniproto_request_from_json(msg, req, &err))) {
        cniproto_response_error(resp, error == -EPROTONOSUPPORT
                                ? CNI_ERR_INCOMPATIBLE_VERSION
                                : CNI_ERR_DECODE, err,
                                "request from seine-cni not understood");
    } else if (!server->start(server->aux, req, resp)) {
        json_object_put(msg);
        return;
    }
    json_object_put(msg);
    free(err);
    finish(server);
}

/* Reads what the plugin has sent so far, until its end of file. */
static void
run_read(struct cniserver *server)
{
    for (;;) {
        ssize_t n = read(server->conn, server->buf + server->len,
                         CNIPROTO_MAX_MSG + 1 - server->len);
        if (n > 0) {
            server->len += n;
            if (server->len > CNIPROTO_MAX_MSG) {
                drop(server, ovs_strerror(EMSGSIZE));
                return;
            }
        } else if (!n) {
            dispatch(server);
            return;
        } else if (errno == EAGAIN) {
            if (time_msec() >= server->deadline) {
                drop(server, "the plugin sent no whole request in time");
            }
            return;
        } else if (errno != EINTR) {
            drop(server, ovs_strerror(errno));
            return;
        }
    }
}

static void
run_accept(struct cniserver *server)
{
    int fd = accept4(server->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            VLOG_WARN_RL(&server->rl, "accept: %s", ovs_strerror(errno));
        }
        return;
    }
    server->conn = fd;
    server->len = 0;
    server->deadline = time_msec() + CNISERVER_READ_TIMEOUT_MS;
    server->state = CNISERVER_READING;
}

void
cniserver_run(struct cniserver *server)
{
    for (int i = 0; i < 16; i++) {
        if (server->state == CNISERVER_IDLE) {
            run_accept(server);
            if (server->state == CNISERVER_IDLE) {
                return;
            }
        }
        if (server->state == CNISERVER_READING) {
            run_read(server);
            if (server->state == CNISERVER_READING) {
                return;
            }
        }
        if (server->state == CNISERVER_SERVING) {
            if (!server->run(server->aux, &server->resp)) {
                return;
            }
            finish(server);
        }
    }
}

void
cniserver_wait(struct cniserver *server)
{
    switch (server->state) {
    case CNISERVER_IDLE:
        poll_fd_wait(server->fd, POLLIN);
        break;
    case CNISERVER_READING:
        poll_fd_wait(server->conn, POLLIN);
        poll_timer_wait_until(server->deadline);
        break;
    case CNISERVER_SERVING:
        break;                  /* the handler's own waits wake the loop */
    }
}
