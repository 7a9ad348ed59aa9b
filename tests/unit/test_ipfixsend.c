/* The IPFIX transport against collectors played by sockets on 127.0.0.1:
 * UDP templates first and on refresh, TCP templates once a connection and
 * again after a reconnect, the bounded queue while the collector is
 * away, the counters.  No root needed. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/observe/ipfix.h"
#include "agent/observe/ipfixsend.h"
#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"
#include "util.h"

static const struct ipfix_ie ies[] = {
    { 8, 4, 0 },
    { 2, IPFIX_VARLEN, IPFIX_PEN_SEINE },
};

static struct ipfix *
encoder(int refresh_s)
{
    struct ipfix_options options = { .domain_id = 7,
                                      .template_refresh_s = refresh_s };
    struct ipfix *ipfix = ipfix_create(&options);

    assert_int_equal(ipfix_add_template(ipfix, 256, ies, ARRAY_SIZE(ies)),
                     0);
    return ipfix;
}

/* 'n' messages of one record each. */
static void
add_messages(struct ipfix *ipfix, int n)
{
    for (int i = 0; i < n; i++) {
        struct ipfix_record r;

        ipfix_record_init(&r, ipfix, 256);
        ipfix_put_ipv4(&r, htonl(0x0a000001 + i));
        ipfix_put_string(&r, "web-1");
        assert_int_equal(ipfix_add_record(ipfix, &r), 0);
        ipfix_record_uninit(&r);
        ipfix_flush(ipfix);
    }
}

/* A socket of 'type' on 127.0.0.1, at 'port' or any; its port in
 * '*portp'. */
static int
local_socket(int type, uint16_t port, uint16_t *portp)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                               .sin_port = htons(port) };
    socklen_t len = sizeof sin;
    int one = 1;
    int fd = socket(AF_INET, type, 0);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(fd, (struct sockaddr *) &sin, sizeof sin), 0);
    if (type == SOCK_STREAM) {
        assert_int_equal(listen(fd, 4), 0);
    }
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
    *portp = ntohs(sin.sin_port);
    return fd;
}

static struct ipfixsend *
sender(const char *proto, uint16_t port, struct ipfix *ipfix, size_t queue)
{
    char *collector = xasprintf("%s:127.0.0.1:%u", proto, port);
    struct ipfixsend_options options = { .collector = collector,
                                         .max_queue = queue };
    struct ipfixsend *s;
    char *err;

    assert_int_equal(ipfixsend_create(&options, ipfix, &s, &err), 0);
    free(collector);
    return s;
}

/* Runs the poll loop for 'ms' at most, or until 'fd' is readable. */
static bool
run_until_readable(struct ipfixsend *s, int fd, int ms)
{
    long long int deadline = time_msec() + ms;

    while (time_msec() < deadline) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };

        ipfixsend_run(s);
        if (fd >= 0 && poll(&pfd, 1, 0) == 1) {
            return true;
        }
        ipfixsend_wait(s);
        poll_timer_wait(50);
        poll_block();
    }
    return false;
}

/* The set id of the first set and the sequence number of a message. */
struct seen {
    uint16_t set_id;
    uint32_t sequence;
    uint16_t length;
};

static struct seen
parse_header(const uint8_t *msg, size_t n)
{
    struct seen seen;

    assert_true(n >= 20);
    assert_int_equal(msg[0] << 8 | msg[1], 10);
    seen.length = msg[2] << 8 | msg[3];
    seen.sequence = (uint32_t) msg[8] << 24 | msg[9] << 16 | msg[10] << 8
                    | msg[11];
    assert_int_equal(msg[15], 7);
    seen.set_id = msg[16] << 8 | msg[17];
    return seen;
}

static struct seen
recv_datagram(int fd)
{
    uint8_t buf[2048];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    struct seen seen;

    assert_true(n > 0);
    seen = parse_header(buf, n);
    assert_int_equal(seen.length, n);
    return seen;
}

/* One whole message from a TCP connection, running 's' while it waits
 * (2 s at most for each part). */
static struct seen
recv_message(struct ipfixsend *s, int fd)
{
    uint8_t buf[2048];
    size_t have = 0;

    while (have < 4 || have < (size_t) (buf[2] << 8 | buf[3])) {
        size_t want = have < 4 ? 4 : (size_t) (buf[2] << 8 | buf[3]);
        ssize_t n;

        assert_true(run_until_readable(s, fd, 2000));
        n = recv(fd, buf + have, want - have, MSG_DONTWAIT);
        assert_true(n > 0);
        have += n;
    }
    return parse_header(buf, have);
}

static void
test_udp(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = encoder(1);
    uint16_t port;
    int fd = local_socket(SOCK_DGRAM, 0, &port);
    struct ipfixsend *s = sender("udp", port, ipfix, 0);
    struct seen seen;

    add_messages(ipfix, 2);
    assert_true(run_until_readable(s, fd, 2000));
    assert_true(ipfixsend_connected(s));
    seen = recv_datagram(fd);
    assert_int_equal(seen.set_id, 2);
    seen = recv_datagram(fd);
    assert_int_equal(seen.set_id, 256);
    assert_int_equal(seen.sequence, 0);
    seen = recv_datagram(fd);
    assert_int_equal(seen.sequence, 1);

    /* The refresh, a second later, without data. */
    assert_true(run_until_readable(s, fd, 3000));
    assert_int_equal(recv_datagram(fd).set_id, 2);

    const struct ipfixsend_stats *st = ipfixsend_stats(s);
    assert_int_equal(st->messages, 4);
    assert_int_equal(st->records, 2);
    assert_int_equal(st->drops, 0);
    assert_int_equal(ipfixsend_queued(s), 0);
    ipfixsend_destroy(s);
    ipfix_destroy(ipfix);
    close(fd);
}

/* Runs the poll loop for 'ms'. */
static void
run_for(struct ipfixsend *s, int ms)
{
    long long int deadline = time_msec() + ms;

    while (time_msec() < deadline) {
        ipfixsend_run(s);
        ipfixsend_wait(s);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Paced UDP: a burst of 60 messages at 100 a second goes in a tenth of a
 * second's worth (10), then 100 a second, and nothing is lost. */
static void
test_udp_paced(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = encoder(0);
    uint16_t port;
    int fd = local_socket(SOCK_DGRAM, 0, &port);
    char *collector = xasprintf("udp:127.0.0.1:%u", port);
    struct ipfixsend_options options = { .collector = collector,
                                         .max_rate = 100 };
    struct ipfixsend *s;
    char *err;

    assert_int_equal(ipfixsend_create(&options, ipfix, &s, &err), 0);
    add_messages(ipfix, 60);
    run_for(s, 200);
    uint64_t sent = ipfixsend_stats(s)->messages;
    /* the templates and data: 10 at once, about 20 in 200 ms */
    assert_true(sent >= 15 && sent <= 35);
    run_for(s, 700);
    assert_int_equal(ipfixsend_stats(s)->messages, 61);
    assert_int_equal(ipfixsend_stats(s)->drops, 0);
    ipfixsend_destroy(s);
    ipfix_destroy(ipfix);
    free(collector);
    close(fd);
}

/* A name, resolved when the socket is made. */
static void
test_udp_name(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = encoder(0);
    uint16_t port;
    int fd = local_socket(SOCK_DGRAM, 0, &port);
    char *collector = xasprintf("udp:localhost:%u", port);
    struct ipfixsend_options options = { .collector = collector };
    struct ipfixsend *s;
    char *err;

    assert_int_equal(ipfixsend_create(&options, ipfix, &s, &err), 0);
    add_messages(ipfix, 1);
    assert_true(run_until_readable(s, fd, 2000));
    assert_int_equal(recv_datagram(fd).set_id, 2);
    ipfixsend_destroy(s);
    ipfix_destroy(ipfix);
    free(collector);
    close(fd);
}

static void
test_tcp_reconnect(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = encoder(1);
    uint16_t port;
    int lfd = local_socket(SOCK_STREAM, 0, &port);
    struct ipfixsend *s = sender("tcp", port, ipfix, 0);
    struct seen seen;
    int cfd;

    add_messages(ipfix, 2);
    assert_true(run_until_readable(s, lfd, 2000));
    cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    assert_int_equal(recv_message(s, cfd).set_id, 2);
    assert_true(ipfixsend_connected(s));
    seen = recv_message(s, cfd);
    assert_int_equal(seen.set_id, 256);
    assert_int_equal(seen.sequence, 0);
    assert_int_equal(recv_message(s, cfd).sequence, 1);

    /* No refresh over TCP, even past the interval. */
    run_until_readable(s, cfd, 1500);
    assert_int_equal(recv(cfd, &seen, 1, MSG_DONTWAIT), -1);

    /* The collector goes; the next connection gets the templates again
     * and counts from 0. */
    close(cfd);
    run_until_readable(s, -1, 300);
    assert_false(ipfixsend_connected(s));
    add_messages(ipfix, 1);
    assert_true(run_until_readable(s, lfd, 3000));
    cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    assert_int_equal(recv_message(s, cfd).set_id, 2);
    seen = recv_message(s, cfd);
    assert_int_equal(seen.set_id, 256);
    assert_int_equal(seen.sequence, 0);

    const struct ipfixsend_stats *st = ipfixsend_stats(s);
    assert_int_equal(st->reconnects, 1);
    assert_int_equal(st->records, 3);
    assert_int_equal(st->messages, 5);
    ipfixsend_destroy(s);
    ipfix_destroy(ipfix);
    close(cfd);
    close(lfd);
}

/* While nobody listens the queue holds 3 messages and drops the oldest;
 * a collector that comes gets the templates and the 3 newest. */
static void
test_tcp_queue(void **state OVS_UNUSED)
{
    struct ipfix *ipfix = encoder(0);
    uint16_t port;
    int lfd = local_socket(SOCK_STREAM, 0, &port);
    struct ipfixsend *s;
    int cfd;

    close(lfd);
    s = sender("tcp", port, ipfix, 3);
    add_messages(ipfix, 5);
    run_until_readable(s, -1, 200);
    assert_false(ipfixsend_connected(s));
    assert_int_equal(ipfixsend_queued(s), 3);
    assert_int_equal(ipfixsend_stats(s)->drops, 2);

    lfd = local_socket(SOCK_STREAM, port, &port);
    assert_true(run_until_readable(s, lfd, 5000));
    cfd = accept(lfd, NULL, NULL);
    assert_true(cfd >= 0);
    assert_int_equal(recv_message(s, cfd).set_id, 2);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(recv_message(s, cfd).sequence, i);
    }
    assert_int_equal(ipfixsend_queued(s), 0);
    assert_int_equal(ipfixsend_stats(s)->records, 3);
    assert_int_equal(ipfixsend_stats(s)->reconnects, 0);
    ipfixsend_destroy(s);
    ipfix_destroy(ipfix);
    close(cfd);
    close(lfd);
}

static void
test_bad_collectors(void **state OVS_UNUSED)
{
    static const char *const bad[] = {
        "10.0.0.1:4739", "sctp:10.0.0.1:4739", "udp:10.0.0.1",
        "udp::4739", "tcp:10.0.0.1:0", "tcp:10.0.0.1:70000",
        "tcp:10.0.0.1:http", NULL,
    };
    struct ipfix *ipfix = encoder(0);

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ipfixsend_options options = { .collector = bad[i] };
        struct ipfixsend *s;
        char *err;

        assert_int_equal(ipfixsend_create(&options, ipfix, &s, &err),
                         -EINVAL);
        assert_null(s);
        assert_non_null(err);
        free(err);
    }
    ipfix_destroy(ipfix);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_udp_name),
        cmocka_unit_test(test_udp_paced),
        cmocka_unit_test(test_tcp_reconnect),
        cmocka_unit_test(test_tcp_queue),
        cmocka_unit_test(test_bad_collectors),
    };

    fatal_ignore_sigpipe();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
