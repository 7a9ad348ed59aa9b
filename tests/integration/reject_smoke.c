/*
 * reject_smoke: a client's connections to a Service without endpoints are
 * refused through a real ovs-vswitchd.  Started by test-reject.sh inside
 * the client's network namespace, after the script gave the bridge flows
 * that send UDP port 53 and TCP port 80 to SERVICE_IP to the controller:
 *
 *   reject_smoke MGMT_TARGET SERVICE_IP OFPORT
 *
 * It plays the agent (ofconn on the bridge's management socket, packet-ins
 * answered with reject_build() out of the port they came from, OFPORT) and
 * the client (sockets to SERVICE_IP), and checks that:
 *   - before it asks for packet-ins, a datagram goes unanswered;
 *   - once it asks, the datagram comes in as a packet-in from OFPORT and
 *     the client's connected UDP socket gets ECONNREFUSED (the kernel
 *     accepted the ICMP port unreachable);
 *   - a TCP connect() fails with ECONNREFUSED (the kernel accepted the RST
 *     for its SYN).
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/ofconn.h"
#include "dataplane/reject.h"
#include "flow.h"
#include "openflow/openflow.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"
#include "util.h"

#define TIMEOUT_MS 10000
#define SILENCE_MS 500          /* how long "no answer" is waited for */
#define UDP_PORT 53
#define TCP_PORT 80

struct smoke {
    struct ofconn *conn;
    struct sockaddr_in service;
    int n_packet_ins;
    int n_rejects;
    uint32_t last_in_port;
    int last_reason;
    int sock_error;             /* what the client saw; EAGAIN: nothing */
    int failures;
    int n_checks;
};

static void
check(struct smoke *sm, bool ok, const char *what)
{
    printf("%sok %d - %s\n", ok ? "" : "not ", ++sm->n_checks, what);
    fflush(stdout);
    sm->failures += !ok;
}

static void
on_packet_in(const struct ofputil_packet_in *pin, void *aux)
{
    struct smoke *sm = aux;
    uint32_t in_port = ofp_to_u16(pin->flow_metadata.flow.in_port.ofp_port);
    struct ofpbuf reply;

    sm->n_packet_ins++;
    sm->last_in_port = in_port;
    sm->last_reason = pin->reason;
    ofpbuf_init(&reply, 128);
    int error = reject_build(pin->packet, pin->packet_len, &reply);
    if (!error) {
        error = ofconn_send_packet(sm->conn, in_port, reply.data, reply.size);
    }
    if (!error) {
        sm->n_rejects++;
    } else {
        printf("# packet-in from port %"PRIu32" not answered: %s\n",
               in_port, ovs_strerror(-error));
    }
    ofpbuf_uninit(&reply);
}

/* A datagram was refused when reading the socket reports an error. */
static bool
udp_settled(struct smoke *sm, int fd)
{
    char c;

    if (recv(fd, &c, 1, MSG_DONTWAIT) >= 0) {
        sm->sock_error = 0;
        return true;
    }
    sm->sock_error = errno;
    return errno != EAGAIN && errno != EWOULDBLOCK;
}

/* A non-blocking connect() has settled once it failed or connected. */
static bool
tcp_settled(struct smoke *sm, int fd)
{
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int error = 0;
    socklen_t error_len = sizeof error;

    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len);
    if (error) {
        sm->sock_error = error;
        return true;
    }
    if (!getpeername(fd, (struct sockaddr *) &peer, &len)) {
        sm->sock_error = 0;
        return true;
    }
    sm->sock_error = EAGAIN;
    return false;
}

/* Runs the agent's side (ofconn_run) and waits for the client's socket
 * 'fd' until 'settled' says so or 'timeout_ms' have passed. */
static bool
run_until(struct smoke *sm, int fd, short events,
          bool (*settled)(struct smoke *, int fd), int timeout_ms)
{
    long long int deadline = time_msec() + timeout_ms;

    for (;;) {
        ofconn_run(sm->conn);
        if (settled(sm, fd)) {
            return true;
        }
        if (time_msec() >= deadline) {
            return false;
        }
        ofconn_wait(sm->conn);
        poll_fd_wait(fd, events);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static int
udp_socket(struct smoke *sm)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in dst = sm->service;

    dst.sin_port = htons(UDP_PORT);
    if (fd < 0 || connect(fd, (struct sockaddr *) &dst, sizeof dst)
        || send(fd, "seine", 5, 0) != 5) {
        printf("# udp socket: %s\n", ovs_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static void
check_udp_unanswered(struct smoke *sm)
{
    int fd = udp_socket(sm);

    check(sm, fd >= 0 && !run_until(sm, fd, POLLIN, udp_settled, SILENCE_MS)
          && sm->n_packet_ins == 0,
          "before asking for packet-ins: datagram unanswered, no packet-in");
    if (fd >= 0) {
        close(fd);
    }
}

static void
check_udp_refused(struct smoke *sm, uint32_t ofport)
{
    int fd = udp_socket(sm);
    bool settled = fd >= 0 && run_until(sm, fd, POLLIN, udp_settled,
                                        TIMEOUT_MS);

    check(sm, sm->n_packet_ins == 1 && sm->last_in_port == ofport
          && sm->last_reason == OFPR_ACTION,
          "datagram came in as a packet-in from the client's port");
    check(sm, sm->n_rejects == 1, "port unreachable built and sent");
    check(sm, settled && sm->sock_error == ECONNREFUSED,
          "client's UDP socket got ECONNREFUSED");
    printf("# udp: %s\n", ovs_strerror(sm->sock_error));
    if (fd >= 0) {
        close(fd);
    }
}

static void
check_tcp_refused(struct smoke *sm, uint32_t ofport)
{
    struct sockaddr_in dst = sm->service;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bool settled = false;

    dst.sin_port = htons(TCP_PORT);
    if (fd >= 0 && connect(fd, (struct sockaddr *) &dst, sizeof dst)
        && errno == EINPROGRESS) {
        settled = run_until(sm, fd, POLLOUT, tcp_settled, TIMEOUT_MS);
    }
    check(sm, sm->n_packet_ins == 2 && sm->last_in_port == ofport
          && sm->n_rejects == 2, "SYN came in as a packet-in, RST sent");
    check(sm, settled && sm->sock_error == ECONNREFUSED,
          "client's TCP connect() got ECONNREFUSED");
    printf("# tcp: %s\n", ovs_strerror(sm->sock_error));
    if (fd >= 0) {
        close(fd);
    }
}

int
main(int argc, char *argv[])
{
    struct smoke sm = { .sock_error = EAGAIN };

    if (argc != 4) {
        fprintf(stderr, "usage: %s MGMT_TARGET SERVICE_IP OFPORT\n",
                argv[0]);
        return 2;
    }
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    sm.service.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[2], &sm.service.sin_addr) != 1) {
        fprintf(stderr, "%s: not an IPv4 address\n", argv[2]);
        return 2;
    }
    uint32_t ofport = strtoul(argv[3], NULL, 10);

    int error = ofconn_open(argv[1], TIMEOUT_MS, &sm.conn);
    check(&sm, !error, "OpenFlow connection to the management socket");
    if (!error) {
        check_udp_unanswered(&sm);
        check(&sm, !ofconn_set_packet_in(sm.conn, on_packet_in, &sm),
              "packet-ins asked for");
        check(&sm, !ofconn_echo(sm.conn), "connection answers echo");
        check_udp_refused(&sm, ofport);
        check_tcp_refused(&sm, ofport);
        check(&sm, !ofconn_echo(sm.conn), "connection still answers echo");
    }
    ofconn_close(sm.conn);
    return sm.failures ? 1 : 0;
}
