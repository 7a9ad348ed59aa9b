#include <config.h>
#include "dataplane/reject.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "packets.h"
#include "unaligned.h"
#include "util.h"
#include "openvswitch/ofpbuf.h"

#define REJECT_TTL 64
#define ICMP4_PORT_UNREACH 3      /* code, with type ICMP4_DST_UNREACH */

/* The packet being answered.  Headers are copied out of the frame because
 * a packet-in's data may sit at any alignment; 'l3' and 'l4' point into
 * the frame for the bytes an ICMP error quotes. */
struct reject_in {
    struct eth_header eth;
    struct ip_header ip;
    const uint8_t *l3;
    size_t l3_len;              /* IP header with options */
    const uint8_t *l4;
    size_t l4_len;              /* by the IP total length, not the frame's */
};

/* An address that names one host: not 0.0.0.0, loopback, multicast,
 * class E or the limited broadcast.  Errors to or from anything else
 * could multiply or reflect off a whole network. */
static bool
is_host_address(ovs_16aligned_be32 addr)
{
    uint32_t a = ntohl(get_16aligned_be32(&addr));

    return a && (a >> 24) != 127 && a < 0xe0000000;
}

static bool
is_icmp_error(uint8_t type)
{
    return (type == ICMP4_DST_UNREACH || type == ICMP4_SOURCEQUENCH
            || type == ICMP4_REDIRECT || type == ICMP4_TIME_EXCEEDED
            || type == ICMP4_PARAM_PROB);
}

static int
parse_ip(const uint8_t *frame, size_t len, struct reject_in *in)
{
    if (len < ETH_HEADER_LEN + IP_HEADER_LEN) {
        return -EINVAL;
    }
    memcpy(&in->eth, frame, sizeof in->eth);
    memcpy(&in->ip, frame + ETH_HEADER_LEN, sizeof in->ip);
    if (in->eth.eth_type != htons(ETH_TYPE_IP)
        || eth_addr_is_multicast(in->eth.eth_dst)
        || eth_addr_is_multicast(in->eth.eth_src)) {
        return -EINVAL;
    }

    size_t hlen = IP_IHL(in->ip.ip_ihl_ver) * 4;
    size_t tot_len = ntohs(in->ip.ip_tot_len);
    if (IP_VER(in->ip.ip_ihl_ver) != 4 || hlen < IP_HEADER_LEN
        || tot_len < hlen || tot_len > len - ETH_HEADER_LEN
        || in->ip.ip_frag_off & htons(IP_FRAG_OFF_MASK)
        || !is_host_address(in->ip.ip_src)
        || !is_host_address(in->ip.ip_dst)) {
        return -EINVAL;
    }
    in->l3 = frame + ETH_HEADER_LEN;
    in->l3_len = hlen;
    in->l4 = in->l3 + hlen;
    in->l4_len = tot_len - hlen;
    return 0;
}

/* Whether the transport header is whole and the packet may be answered.
 * Ethernet padding past the IP total length is not payload. */
static int
check_l4(const struct reject_in *in)
{
    switch (in->ip.ip_proto) {
    case IPPROTO_TCP: {
        struct tcp_header tcp;

        if (in->l4_len < TCP_HEADER_LEN) {
            return -EINVAL;
        }
        memcpy(&tcp, in->l4, sizeof tcp);
        size_t hlen = TCP_OFFSET(tcp.tcp_ctl) * 4;
        return (hlen < TCP_HEADER_LEN || hlen > in->l4_len
                || tcp.tcp_ctl & htons(TCP_RST) ? -EINVAL : 0);
    }
    case IPPROTO_ICMP:
        return (in->l4_len < ICMP_HEADER_LEN || is_icmp_error(in->l4[0])
                ? -EINVAL : 0);
    case IPPROTO_UDP:
        return in->l4_len < UDP_HEADER_LEN ? -EINVAL : 0;
    default:
        return 0;
    }
}

/* The IPv4 header of the answer, from the packet's destination back to its
 * source.  DF with ID 0, as RFC 6864 allows for atomic datagrams: the
 * answer is small and never needs fragmenting. */
static struct ip_header
reply_ip(const struct reject_in *in, uint8_t proto, size_t l4_len)
{
    struct ip_header ip = {
        .ip_ihl_ver = IP_IHL_VER(IP_HEADER_LEN / 4, 4),
        .ip_tot_len = htons(IP_HEADER_LEN + l4_len),
        .ip_frag_off = htons(IP_DONT_FRAGMENT),
        .ip_ttl = REJECT_TTL,
        .ip_proto = proto,
        .ip_src = in->ip.ip_dst,
        .ip_dst = in->ip.ip_src,
    };

    ip.ip_csum = csum(&ip, sizeof ip);
    return ip;
}

static void
put_l2_l3(struct ofpbuf *out, const struct reject_in *in,
          const struct ip_header *ip)
{
    struct eth_header eth = {
        .eth_dst = in->eth.eth_src,
        .eth_src = in->eth.eth_dst,
        .eth_type = htons(ETH_TYPE_IP),
    };

    ofpbuf_put(out, &eth, sizeof eth);
    ofpbuf_put(out, ip, sizeof *ip);
}

/* RFC 793, "Reset Generation": a RST must be acceptable to the sender,
 * so it carries the sequence number the sender expects next, or when the
 * packet acknowledged nothing, acknowledges everything it occupied. */
static void
build_rst(const struct reject_in *in, struct ofpbuf *out)
{
    struct tcp_header tin, th;

    memcpy(&tin, in->l4, sizeof tin);
    memset(&th, 0, sizeof th);
    th.tcp_src = tin.tcp_dst;
    th.tcp_dst = tin.tcp_src;
    if (tin.tcp_ctl & htons(TCP_ACK)) {
        th.tcp_seq = tin.tcp_ack;
        th.tcp_ctl = TCP_CTL(TCP_RST, TCP_HEADER_LEN / 4);
    } else {
        uint16_t flags = ntohs(tin.tcp_ctl);
        size_t payload = in->l4_len - TCP_OFFSET(tin.tcp_ctl) * 4;
        uint32_t ack = (ntohl(get_16aligned_be32(&tin.tcp_seq)) + payload
                        + !!(flags & TCP_SYN) + !!(flags & TCP_FIN));

        put_16aligned_be32(&th.tcp_ack, htonl(ack));
        th.tcp_ctl = TCP_CTL(TCP_RST | TCP_ACK, TCP_HEADER_LEN / 4);
    }

    struct ip_header ip = reply_ip(in, IPPROTO_TCP, sizeof th);
    th.tcp_csum = csum_finish(csum_continue(packet_csum_pseudoheader(&ip),
                                            &th, sizeof th));
    put_l2_l3(out, in, &ip);
    ofpbuf_put(out, &th, sizeof th);
}

/* RFC 792 asks for the IP header and 64 bits of payload: enough for the
 * sender to find the socket by its ports. */
static void
build_port_unreachable(const struct reject_in *in, struct ofpbuf *out)
{
    size_t quote = in->l3_len + MIN(in->l4_len, ICMP_ERROR_DATA_L4_LEN);
    struct icmp_header icmp = {
        .icmp_type = ICMP4_DST_UNREACH,
        .icmp_code = ICMP4_PORT_UNREACH,
    };

    icmp.icmp_csum = csum_finish(csum_continue(csum_continue(0, &icmp,
                                                             sizeof icmp),
                                               in->l3, quote));
    struct ip_header ip = reply_ip(in, IPPROTO_ICMP, sizeof icmp + quote);
    put_l2_l3(out, in, &ip);
    ofpbuf_put(out, &icmp, sizeof icmp);
    ofpbuf_put(out, in->l3, quote);
}

int
reject_build(const void *frame, size_t len, struct ofpbuf *out)
{
    struct reject_in in;
    int error = parse_ip(frame, len, &in);

    if (!error) {
        error = check_l4(&in);
    }
    if (error) {
        return error;
    }
    if (in.ip.ip_proto == IPPROTO_TCP) {
        build_rst(&in, out);
    } else {
        build_port_unreachable(&in, out);
    }
    return 0;
}
