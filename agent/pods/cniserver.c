#include <config.h>
#include "agent/pods/cniserver.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(cniserver);

/* How long a connected plugin may take to send its request. */
#define CNISERVER_READ_TIMEOUT_MS 5000

struct cniserver {
    int fd;
    char *path;
    cniserver_handler *handler;
    void *aux;
    struct vlog_rate_limit rl;
};

static int
make_parent_dir(const char *path)
{
    char *copy = xstrdup(path);
    char *dir = dirname(copy);
    int error = 0;

    if (mkdir(dir, 0700) && errno != EEXIST) {
        error = -errno;
    }
    free(copy);
    return error;
}

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
cniserver_open(const char *path, cniserver_handler *handler, void *aux,
               struct cniserver **serverp)
{
    int fd = -1;
    int error = make_parent_dir(path);

    if (!error) {
        error = listen_unix(path, &fd);
    }
    if (error) {
        VLOG_ERR("%s: cannot listen: %s", path, ovs_strerror(-error));
        *serverp = NULL;
        return error;
    }
    struct cniserver *server = xzalloc(sizeof *server);
    server->fd = fd;
    server->path = xstrdup(path);
    server->handler = handler;
    server->aux = aux;
    server->rl = (struct vlog_rate_limit) VLOG_RATE_LIMIT_INIT(1, 5);
    VLOG_INFO("CNI server listening on %s", path);
    *serverp = server;
    return 0;
}

void
cniserver_close(struct cniserver *server)
{
    if (server) {
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
serve(struct cniserver *server, int fd)
{
    struct cniproto_request req;
    struct cniproto_response resp;
    struct json_object *msg = NULL;
    char *err = NULL;

    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    /* The request is read whole even from a peer that will be refused:
     * closing on unread data would reset the connection, and the plugin
     * would report the agent unreachable instead of the refusal. */
    int error = cniproto_read_msg(fd, &msg, CNISERVER_READ_TIMEOUT_MS);
    if (error) {
        VLOG_WARN("CNI request not read: %s", ovs_strerror(-error));
        return;
    } else if (!peer_is_root(fd)) {
        VLOG_WARN_RL(&server->rl, "CNI request from a non-root peer refused");
        cniproto_response_error(&resp, CNI_ERR_INVALID_ENV, NULL,
                                "only root may call seine-agent");
    } else if ((error = cniproto_request_from_json(msg, &req, &err))) {
        cniproto_response_error(&resp, error == -EPROTONOSUPPORT
                                ? CNI_ERR_INCOMPATIBLE_VERSION
                                : CNI_ERR_DECODE, err,
                                "request from seine-cni not understood");
    } else {
        server->handler(server->aux, &req, &resp);
    }
    struct json_object *reply = cniproto_response_to_json(&resp);
    if (cniproto_write_msg(fd, reply)) {
        VLOG_WARN("CNI response not delivered (the plugin went away)");
    }
    json_object_put(reply);
    json_object_put(msg);
    free(err);
    cniproto_request_destroy(&req);
    cniproto_response_destroy(&resp);
}

void
cniserver_run(struct cniserver *server)
{
    for (int i = 0; i < 16; i++) {
        int fd = accept4(server->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                VLOG_WARN_RL(&server->rl, "accept: %s", ovs_strerror(errno));
            }
            return;
        }
        serve(server, fd);
        close(fd);
    }
}

void
cniserver_wait(struct cniserver *server)
{
    poll_fd_wait(server->fd, POLLIN);
}
