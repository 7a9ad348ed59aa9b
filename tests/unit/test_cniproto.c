/* The plugin<->agent protocol: JSON round trips, what decoders refuse,
 * framing on a socketpair, and a whole call against a server thread. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cni/cniproto.h"

static void
request_fixture(struct cniproto_request *req)
{
    memset(req, 0, sizeof *req);
    req->cmd = CNIPROTO_ADD;
    req->cni_version = strdup("1.1.0");
    req->container_id = strdup("abc123");
    req->netns = strdup("/run/netns/pod1");
    req->ifname = strdup("eth0");
    req->pod_namespace = strdup("web");
    req->pod_name = strdup("fe-0");
    req->pod_uid = strdup("u-1");
    req->network_name = strdup("pods");
    req->interface_type = strdup("vhostuser");
    req->mtu = 9000;
    req->vhost_socket_dir = strdup("/run/seine/vhost");
    req->static_ip = strdup("10.244.1.200/24");
    req->static_mac = strdup("02:00:00:00:00:01");
    req->device_id = strdup("0000:03:00.2");
    req->vf_config = strdup("vlan=100 qos=0 trust=on");
    req->default_route = CNIPROTO_ROUTE_NO;
}

static void
result_fixture(struct cniproto_result *res)
{
    memset(res, 0, sizeof *res);
    res->ifaces[0] = (struct cniproto_iface) {
        .name = strdup("eth0"), .mac = strdup("0a:58:0a:f4:01:05"),
        .sandbox = strdup("/run/netns/pod1"),
        .socket_path = strdup("/run/v/vhost.sock"), .mtu = 1400,
    };
    res->n_ifaces = 1;
    res->ips[0] = (struct cniproto_ip) {
        .address = strdup("10.244.1.5/24"), .gateway = strdup("10.244.1.1"),
        .interface = 0,
    };
    res->ips[1] = (struct cniproto_ip) {
        .address = strdup("10.244.1.6/24"), .interface = -1,
    };
    res->n_ips = 2;
    res->routes[0] = (struct cniproto_route) {
        .dst = strdup("0.0.0.0/0"), .gw = strdup("10.244.1.1"),
    };
    res->n_routes = 1;
    res->dns_nameservers[0] = strdup("10.96.0.10");
    res->n_dns_nameservers = 1;
}

static struct json_object *
parse(const char *s)
{
    struct json_object *obj = json_tokener_parse(s);

    assert_non_null(obj);
    return obj;
}

static void
assert_str_or_null(const char *a, const char *b)
{
    if (a || b) {
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
    }
}

static void
test_cmd_names(void **state CNIPROTO_UNUSED)
{
    enum cniproto_cmd cmd;

    for (int i = CNIPROTO_ADD; i <= CNIPROTO_GC; i++) {
        assert_int_equal(cniproto_cmd_from_name(cniproto_cmd_name(i), &cmd),
                         0);
        assert_int_equal(cmd, i);
    }
    assert_string_equal(cniproto_cmd_name(CNIPROTO_DEL), "DEL");
    assert_int_equal(cniproto_cmd_from_name("VERSION", &cmd), -EINVAL);
    assert_int_equal(cniproto_cmd_from_name("add", &cmd), -EINVAL);
}

static void
test_request_round_trip(void **state CNIPROTO_UNUSED)
{
    struct cniproto_request req, back;
    char *err = NULL;

    request_fixture(&req);
    struct json_object *obj = cniproto_request_to_json(&req);
    assert_int_equal(json_object_get_int(json_object_object_get(obj,
                                                                "version")),
                     CNIPROTO_VERSION);
    assert_string_equal(json_object_get_string(
                            json_object_object_get(obj, "command")), "ADD");
    assert_string_equal(json_object_get_string(
                            json_object_object_get(obj, "podUID")), "u-1");
    assert_null(json_object_object_get(obj, "validAttachments"));

    assert_int_equal(cniproto_request_from_json(obj, &back, &err), 0);
    assert_null(err);
    assert_int_equal(back.cmd, CNIPROTO_ADD);
    assert_string_equal(back.cni_version, "1.1.0");
    assert_string_equal(back.container_id, "abc123");
    assert_string_equal(back.netns, "/run/netns/pod1");
    assert_string_equal(back.ifname, "eth0");
    assert_string_equal(back.pod_namespace, "web");
    assert_string_equal(back.pod_name, "fe-0");
    assert_string_equal(back.pod_uid, "u-1");
    assert_string_equal(back.network_name, "pods");
    assert_string_equal(back.interface_type, "vhostuser");
    assert_int_equal(back.mtu, 9000);
    assert_string_equal(back.vhost_socket_dir, "/run/seine/vhost");
    assert_string_equal(back.static_ip, "10.244.1.200/24");
    assert_string_equal(back.static_mac, "02:00:00:00:00:01");
    assert_string_equal(back.device_id, "0000:03:00.2");
    assert_string_equal(back.vf_config, "vlan=100 qos=0 trust=on");
    assert_int_equal(back.default_route, CNIPROTO_ROUTE_NO);
    json_object_put(obj);
    cniproto_request_destroy(&req);
    cniproto_request_destroy(&back);
}

static void
test_request_gc_round_trip(void **state CNIPROTO_UNUSED)
{
    struct cniproto_attachment valid[] = {
        { "a", "eth0" }, { "b", "net1" },
    };
    struct cniproto_request req = {
        .cmd = CNIPROTO_GC, .cni_version = "1.1.0", .network_name = "pods",
        .valid = valid, .n_valid = 2,
    };
    struct cniproto_request back;
    char *err = NULL;

    struct json_object *obj = cniproto_request_to_json(&req);
    assert_null(json_object_object_get(obj, "containerID"));
    assert_null(json_object_object_get(obj, "mtu"));
    assert_int_equal(cniproto_request_from_json(obj, &back, &err), 0);
    assert_int_equal(back.cmd, CNIPROTO_GC);
    assert_int_equal(back.n_valid, 2);
    assert_string_equal(back.valid[1].container_id, "b");
    assert_string_equal(back.valid[1].ifname, "net1");
    assert_null(back.container_id);
    json_object_put(obj);
    cniproto_request_destroy(&back);

    /* An empty list survives as a list. */
    req.n_valid = 0;
    obj = cniproto_request_to_json(&req);
    assert_int_equal(cniproto_request_from_json(obj, &back, &err), 0);
    assert_int_equal(back.n_valid, 0);
    assert_non_null(back.valid);
    json_object_put(obj);
    cniproto_request_destroy(&back);
}

static void
check_bad_request_errno(const char *json, int expected, const char *why)
{
    struct json_object *obj = parse(json);
    struct cniproto_request req;
    char *err = NULL;

    assert_int_equal(cniproto_request_from_json(obj, &req, &err), expected);
    assert_non_null(err);
    if (!strstr(err, why)) {
        fail_msg("%s: \"%s\" does not say \"%s\"", json, err, why);
    }
    assert_null(req.cni_version);
    assert_null(req.valid);
    free(err);
    json_object_put(obj);
}

static void
check_bad_request(const char *json, const char *why)
{
    check_bad_request_errno(json, -EINVAL, why);
}

static void
test_request_rejected(void **state CNIPROTO_UNUSED)
{
    check_bad_request_errno("{\"version\": 2, \"command\": \"DEL\", "
                            "\"containerID\": \"a\", \"ifname\": "
                            "\"eth0\"}", -EPROTONOSUPPORT,
                            "cniproto version 2 is not supported");
    check_bad_request("{\"command\": \"DEL\"}", "\"version\" is required");
    check_bad_request("{\"version\": \"1\", \"command\": \"DEL\"}",
                      "\"version\" must be an integer");
    check_bad_request("{\"version\": 1}", "\"command\" is required");
    check_bad_request("{\"version\": 1, \"command\": \"VERSION\"}",
                      "unknown command \"VERSION\"");
    check_bad_request("{\"version\": 1, \"command\": \"ADD\", \"cniVersion\": "
                      "\"1.1.0\", \"containerID\": \"a\", \"ifname\": \"e\"}",
                      "ADD needs \"netns\"");
    check_bad_request("{\"version\": 1, \"command\": \"DEL\", "
                      "\"ifname\": \"e\"}", "needs \"containerID\"");
    check_bad_request("{\"version\": 1, \"command\": \"GC\"}",
                      "GC needs \"validAttachments\"");
    check_bad_request("{\"version\": 1, \"command\": \"GC\", "
                      "\"validAttachments\": [{\"containerID\": \"a\"}]}",
                      "\"ifname\" is required");
    check_bad_request("{\"version\": 1, \"command\": \"STATUS\", "
                      "\"cniVersion\": \"1.1.0\", \"mtu\": \"big\"}",
                      "\"mtu\" must be an integer");
    check_bad_request("{\"version\": 1, \"command\": \"STATUS\", "
                      "\"podName\": 7}", "\"podName\" must be a string");
    check_bad_request("[1]", "must be a JSON object");
    check_bad_request("{\"version\": 1, \"command\": \"DEL\", "
                      "\"containerID\": \"\", \"ifname\": \"eth0\"}",
                      "needs \"containerID\"");
}

static void
test_request_empty_is_absent(void **state CNIPROTO_UNUSED)
{
    struct json_object *obj = parse("{\"version\": 1, \"command\": \"DEL\", "
                                    "\"containerID\": \"a\", \"ifname\": "
                                    "\"eth0\", \"netns\": \"\"}");
    struct cniproto_request req;
    char *err = NULL;

    assert_int_equal(cniproto_request_from_json(obj, &req, &err), 0);
    assert_null(req.netns);
    assert_null(req.pod_name);
    json_object_put(obj);
    cniproto_request_destroy(&req);
}

static void
check_result_equal(const struct cniproto_result *a,
                   const struct cniproto_result *b)
{
    assert_int_equal(a->n_ifaces, b->n_ifaces);
    for (size_t i = 0; i < a->n_ifaces; i++) {
        assert_str_or_null(a->ifaces[i].name, b->ifaces[i].name);
        assert_str_or_null(a->ifaces[i].mac, b->ifaces[i].mac);
        assert_str_or_null(a->ifaces[i].sandbox, b->ifaces[i].sandbox);
        assert_str_or_null(a->ifaces[i].socket_path,
                           b->ifaces[i].socket_path);
        assert_int_equal(a->ifaces[i].mtu, b->ifaces[i].mtu);
    }
    assert_int_equal(a->n_ips, b->n_ips);
    for (size_t i = 0; i < a->n_ips; i++) {
        assert_str_or_null(a->ips[i].address, b->ips[i].address);
        assert_str_or_null(a->ips[i].gateway, b->ips[i].gateway);
        assert_int_equal(a->ips[i].interface, b->ips[i].interface);
    }
    assert_int_equal(a->n_routes, b->n_routes);
    for (size_t i = 0; i < a->n_routes; i++) {
        assert_str_or_null(a->routes[i].dst, b->routes[i].dst);
        assert_str_or_null(a->routes[i].gw, b->routes[i].gw);
    }
    assert_int_equal(a->n_dns_nameservers, b->n_dns_nameservers);
    for (size_t i = 0; i < a->n_dns_nameservers; i++) {
        assert_string_equal(a->dns_nameservers[i], b->dns_nameservers[i]);
    }
}

static void
test_response_round_trip(void **state CNIPROTO_UNUSED)
{
    struct cniproto_response resp = { .ok = true, .has_result = true };
    struct cniproto_response back;
    char *err = NULL;

    result_fixture(&resp.result);
    struct json_object *obj = cniproto_response_to_json(&resp);
    assert_null(json_object_object_get(obj, "code"));
    assert_int_equal(cniproto_response_from_json(obj, &back, &err), 0);
    assert_true(back.ok);
    assert_true(back.has_result);
    check_result_equal(&resp.result, &back.result);
    json_object_put(obj);
    cniproto_response_destroy(&back);
    cniproto_response_destroy(&resp);

    /* ok without a result (DEL, CHECK, ...) */
    resp = (struct cniproto_response) { .ok = true };
    obj = cniproto_response_to_json(&resp);
    assert_int_equal(cniproto_response_from_json(obj, &back, &err), 0);
    assert_true(back.ok);
    assert_false(back.has_result);
    json_object_put(obj);
}

static void
test_response_error_round_trip(void **state CNIPROTO_UNUSED)
{
    struct cniproto_response resp, back;
    char *err = NULL;

    memset(&resp, 0, sizeof resp);
    resp.ok = true;
    resp.has_result = true;
    result_fixture(&resp.result);
    /* Replacing a filled response releases what it held (ASan checks). */
    cniproto_response_error(&resp, 104, "no dpdkvhostuserclient",
                            "vhost-user needs DPDK in OVS (%s)", "br-int");
    assert_false(resp.ok);
    assert_false(resp.has_result);
    struct json_object *obj = cniproto_response_to_json(&resp);
    assert_null(json_object_object_get(obj, "result"));
    assert_int_equal(cniproto_response_from_json(obj, &back, &err), 0);
    assert_false(back.ok);
    assert_int_equal(back.code, 104);
    assert_string_equal(back.msg, "vhost-user needs DPDK in OVS (br-int)");
    assert_string_equal(back.details, "no dpdkvhostuserclient");
    json_object_put(obj);
    cniproto_response_destroy(&back);
    cniproto_response_destroy(&resp);
}

static void
check_bad_response_errno(const char *json, int expected, const char *why)
{
    struct json_object *obj = parse(json);
    struct cniproto_response resp;
    char *err = NULL;

    assert_int_equal(cniproto_response_from_json(obj, &resp, &err),
                     expected);
    assert_non_null(err);
    if (!strstr(err, why)) {
        fail_msg("%s: \"%s\" does not say \"%s\"", json, err, why);
    }
    assert_false(resp.has_result);
    assert_int_equal(resp.result.n_ifaces, 0);
    free(err);
    json_object_put(obj);
}

static void
check_bad_response(const char *json, const char *why)
{
    check_bad_response_errno(json, -EINVAL, why);
}

static void
test_response_rejected(void **state CNIPROTO_UNUSED)
{
    check_bad_response_errno("{\"version\": 3, \"ok\": true}",
                             -EPROTONOSUPPORT, "cniproto version 3");
    check_bad_response("{\"version\": 1}", "\"ok\" must be a boolean");
    check_bad_response("{\"version\": 1, \"ok\": false, \"msg\": \"x\"}",
                       "needs \"code\"");
    check_bad_response("{\"version\": 1, \"ok\": false, \"code\": 7}",
                       "\"msg\" is required");
    check_bad_response("{\"version\": 1, \"ok\": true, \"result\": "
                       "{\"interfaces\": [{\"name\": \"a\"}, {\"name\": "
                       "\"b\"}, {\"name\": \"c\"}, {\"name\": \"d\"}, "
                       "{\"name\": \"e\"}]}}", "more than 4 entries");
    check_bad_response("{\"version\": 1, \"ok\": true, \"result\": "
                       "{\"interfaces\": [{\"name\": \"eth0\"}], \"ips\": "
                       "[{\"address\": \"10.0.0.1/24\", \"interface\": 1}]}}",
                       "\"interface\" must be between 0 and 0");
    check_bad_response("{\"version\": 1, \"ok\": true, \"result\": "
                       "{\"interfaces\": [{\"mac\": \"00:00:00:00:00:01\"}]}}",
                       "\"name\" is required");
    check_bad_response("{\"version\": 1, \"ok\": true, \"result\": "
                       "{\"routes\": [{\"gw\": \"10.0.0.1\"}]}}",
                       "\"dst\" is required");
    check_bad_response("{\"version\": 1, \"ok\": true, \"result\": "
                       "{\"dns\": {\"nameservers\": [1]}}}",
                       "nameservers must be strings");
}

/* Framing. */

static void
make_pair(int fds[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds),
                     0);
}

static void
test_framing(void **state CNIPROTO_UNUSED)
{
    struct json_object *msg = parse("{\"version\": 1, \"path\": \"/a/b\"}");
    struct json_object *back;
    int fds[2];

    make_pair(fds);
    assert_int_equal(cniproto_write_msg(fds[0], msg), 0);
    shutdown(fds[0], SHUT_WR);
    assert_int_equal(cniproto_read_msg(fds[1], &back, 1000), 0);
    assert_true(json_object_equal(msg, back));
    json_object_put(back);
    json_object_put(msg);
    close(fds[0]);
    close(fds[1]);
}

static int
read_raw(const char *data, int timeout_ms, struct json_object **msg)
{
    int fds[2];

    make_pair(fds);
    assert_int_equal(write(fds[0], data, strlen(data)), strlen(data));
    shutdown(fds[0], SHUT_WR);
    int error = cniproto_read_msg(fds[1], msg, timeout_ms);
    close(fds[0]);
    close(fds[1]);
    return error;
}

static void
test_framing_bad_input(void **state CNIPROTO_UNUSED)
{
    struct json_object *msg;

    assert_int_equal(read_raw("{\"a\": 1}\n", 1000, &msg), 0);
    json_object_put(msg);
    assert_int_equal(read_raw("", 1000, &msg), -ENODATA);
    assert_null(msg);
    assert_int_equal(read_raw("{\"a\": ", 1000, &msg), -EBADMSG);
    assert_int_equal(read_raw("{} {}", 1000, &msg), -EBADMSG);
    assert_int_equal(read_raw("[1, 2]", 1000, &msg), -EBADMSG);
    assert_int_equal(read_raw("hello", 1000, &msg), -EBADMSG);
}

static void
test_framing_timeout(void **state CNIPROTO_UNUSED)
{
    struct json_object *msg;
    int fds[2];

    make_pair(fds);
    assert_int_equal(write(fds[0], "{", 1), 1);
    assert_int_equal(cniproto_read_msg(fds[1], &msg, 50), -ETIMEDOUT);
    assert_null(msg);
    close(fds[0]);
    close(fds[1]);
}

/* The writer is a child: a socket buffer holds far less than a message
 * over the cap, so the writer must run while the reader reads. */
static void
test_framing_oversize_rejected(void **state CNIPROTO_UNUSED)
{
    struct json_object *msg;
    int fds[2];

    make_pair(fds);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (!pid) {
        static char chunk[65536];
        size_t left = CNIPROTO_MAX_MSG + 2;

        close(fds[1]);
        signal(SIGPIPE, SIG_IGN);
        memset(chunk, ' ', sizeof chunk);
        while (left) {
            ssize_t n = write(fds[0], chunk, left < sizeof chunk
                              ? left : sizeof chunk);
            if (n <= 0) {
                _exit(0);
            }
            left -= n;
        }
        _exit(0);
    }
    close(fds[0]);
    assert_int_equal(cniproto_read_msg(fds[1], &msg, 5000), -EMSGSIZE);
    assert_null(msg);
    close(fds[1]);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void
test_write_oversize_rejected(void **state CNIPROTO_UNUSED)
{
    char *big = malloc(CNIPROTO_MAX_MSG + 1);
    int fds[2];

    memset(big, 'x', CNIPROTO_MAX_MSG);
    big[CNIPROTO_MAX_MSG] = '\0';
    struct json_object *msg = json_object_new_object();
    json_object_object_add(msg, "blob", json_object_new_string(big));
    make_pair(fds);
    assert_int_equal(cniproto_write_msg(fds[0], msg), -EMSGSIZE);
    json_object_put(msg);
    free(big);
    close(fds[0]);
    close(fds[1]);
}

/* A whole call against a one-shot agent on a server thread. */

enum server_mode { SERVE_RESULT, SERVE_ERROR, SERVE_GARBAGE, SERVE_V2 };

struct server {
    char dir[64];
    char path[128];
    int listen_fd;
    enum server_mode mode;
    pthread_t thread;
    /* What the server saw, checked by the test after the join. */
    int read_error;
    struct cniproto_request req;
    char *decode_err;
};

static void
serve_reply(struct server *s, int fd)
{
    struct cniproto_response resp;

    memset(&resp, 0, sizeof resp);
    if (s->mode == SERVE_GARBAGE || s->mode == SERVE_V2) {
        const char *reply = (s->mode == SERVE_GARBAGE ? "{\"ok\": 1}"
                             : "{\"version\": 2, \"ok\": true}");
        /* Not cmocka's asserts: they cannot run off the main thread. */
        if (write(fd, reply, strlen(reply)) != strlen(reply)) {
            s->read_error = -EIO;
        }
        return;
    } else if (s->mode == SERVE_ERROR) {
        cniproto_response_error(&resp, CNI_ERR_UNKNOWN_CONTAINER, NULL,
                                "no attachment %s", s->req.container_id);
    } else {
        resp.ok = true;
        resp.has_result = true;
        result_fixture(&resp.result);
    }
    struct json_object *reply = cniproto_response_to_json(&resp);
    cniproto_write_msg(fd, reply);
    json_object_put(reply);
    cniproto_response_destroy(&resp);
}

static void *
server_main(void *s_)
{
    struct server *s = s_;
    struct json_object *msg = NULL;
    int fd = accept(s->listen_fd, NULL, NULL);

    if (fd < 0) {
        s->read_error = -errno;
        return NULL;
    }
    s->read_error = cniproto_read_msg(fd, &msg, 5000);
    if (!s->read_error
        && !cniproto_request_from_json(msg, &s->req, &s->decode_err)) {
        serve_reply(s, fd);
    }
    json_object_put(msg);
    close(fd);
    return NULL;
}

static void
server_start(struct server *s, enum server_mode mode)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    memset(s, 0, sizeof *s);
    s->mode = mode;
    strcpy(s->dir, "/tmp/test_cniproto.XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/cni.sock", s->dir);
    strcpy(sun.sun_path, s->path);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->listen_fd >= 0);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *) &sun, sizeof sun),
                     0);
    assert_int_equal(listen(s->listen_fd, 1), 0);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

/* Joins the server; what it saw stays in 's' until server_free(). */
static void
server_stop(struct server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    unlink(s->path);
    rmdir(s->dir);
}

static void
server_free(struct server *s)
{
    cniproto_request_destroy(&s->req);
    free(s->decode_err);
}

static void
test_call_result(void **state CNIPROTO_UNUSED)
{
    struct cniproto_request req;
    struct cniproto_response resp;
    struct cniproto_result expected;
    struct server s;

    server_start(&s, SERVE_RESULT);
    request_fixture(&req);
    assert_int_equal(cniproto_call(s.path, &req, &resp, 5000), 0);
    server_stop(&s);
    server_free(&s);
    assert_true(resp.ok);
    assert_true(resp.has_result);
    result_fixture(&expected);
    check_result_equal(&expected, &resp.result);
    cniproto_result_destroy(&expected);
    cniproto_response_destroy(&resp);
    cniproto_request_destroy(&req);
}

static void
test_call_server_sees_request(void **state CNIPROTO_UNUSED)
{
    struct cniproto_request req;
    struct cniproto_response resp;
    struct server s;

    server_start(&s, SERVE_ERROR);
    request_fixture(&req);
    req.cmd = CNIPROTO_CHECK;
    assert_int_equal(cniproto_call(s.path, &req, &resp, 5000), 0);
    server_stop(&s);
    assert_int_equal(s.read_error, 0);
    assert_null(s.decode_err);
    assert_int_equal(s.req.cmd, CNIPROTO_CHECK);
    assert_string_equal(s.req.pod_name, "fe-0");
    assert_false(resp.ok);
    assert_int_equal(resp.code, CNI_ERR_UNKNOWN_CONTAINER);
    assert_string_equal(resp.msg, "no attachment abc123");
    server_free(&s);
    cniproto_response_destroy(&resp);
    cniproto_request_destroy(&req);
}

static void
test_call_garbage(void **state CNIPROTO_UNUSED)
{
    struct cniproto_request req = { .cmd = CNIPROTO_STATUS,
                                    .cni_version = "1.1.0" };
    struct cniproto_response resp;
    struct server s;

    server_start(&s, SERVE_GARBAGE);
    assert_int_equal(cniproto_call(s.path, &req, &resp, 5000), -EPROTO);
    server_stop(&s);
    assert_int_equal(s.read_error, 0);
    server_free(&s);
    assert_false(resp.ok);
    assert_null(resp.msg);
}

static void
test_call_other_version(void **state CNIPROTO_UNUSED)
{
    struct cniproto_request req = { .cmd = CNIPROTO_STATUS };
    struct cniproto_response resp;
    struct server s;

    server_start(&s, SERVE_V2);
    assert_int_equal(cniproto_call(s.path, &req, &resp, 5000),
                     -EPROTONOSUPPORT);
    server_stop(&s);
    server_free(&s);
    assert_false(resp.ok);
}

static void
test_call_unreachable(void **state CNIPROTO_UNUSED)
{
    struct cniproto_request req = { .cmd = CNIPROTO_STATUS };
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct cniproto_response resp;
    char dir[] = "/tmp/test_cniproto.XXXXXX";
    char path[128];

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/cni.sock", dir);
    assert_int_equal(cniproto_call(path, &req, &resp, 1000), -ENOENT);

    /* A socket file nobody listens on, as a crashed agent leaves. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strcpy(sun.sun_path, path);
    assert_int_equal(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    assert_int_equal(cniproto_call(path, &req, &resp, 1000), -ECONNREFUSED);
    close(fd);
    unlink(path);
    rmdir(dir);

    char long_path[200];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = '\0';
    assert_int_equal(cniproto_call(long_path, &req, &resp, 1000),
                     -ENAMETOOLONG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmd_names),
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_request_gc_round_trip),
        cmocka_unit_test(test_request_rejected),
        cmocka_unit_test(test_request_empty_is_absent),
        cmocka_unit_test(test_response_round_trip),
        cmocka_unit_test(test_response_error_round_trip),
        cmocka_unit_test(test_response_rejected),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_framing_bad_input),
        cmocka_unit_test(test_framing_timeout),
        cmocka_unit_test(test_framing_oversize_rejected),
        cmocka_unit_test(test_write_oversize_rejected),
        cmocka_unit_test(test_call_result),
        cmocka_unit_test(test_call_server_sees_request),
        cmocka_unit_test(test_call_garbage),
        cmocka_unit_test(test_call_other_version),
        cmocka_unit_test(test_call_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
