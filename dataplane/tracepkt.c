#include <config.h>
#include "dataplane/tracepkt.h"

#include <errno.h>
#include <string.h>

#include "csum.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"

#define TRACEPKT_TTL 64
#define TRACEPKT_UDP_PAYLOAD "seine-tf"

static void
put_l2_l3(struct ofpbuf *out, const struct tracepkt *t, size_t l4_len)
{
    struct eth_header eth = { .eth_type = htons(ETH_TYPE_IP) };
    struct ip_header ip = {
        .ip_ihl_ver = IP_IHL_VER(IP_HEADER_LEN / 4, 4),
        .ip_tos = t->dscp << 2,
        .ip_tot_len = htons(IP_HEADER_LEN + l4_len),
        .ip_frag_off = htons(IP_DONT_FRAGMENT),
        .ip_ttl = TRACEPKT_TTL,
        .ip_proto = t->proto,
    };

    memcpy(&eth.eth_dst, t->dst_mac, ETH_ADDR_LEN);
    memcpy(&eth.eth_src, t->src_mac, ETH_ADDR_LEN);
    put_16aligned_be32(&ip.ip_src, t->src.s_addr);
    put_16aligned_be32(&ip.ip_dst, t->dst.s_addr);
    ip.ip_csum = csum(&ip, sizeof ip);
    ofpbuf_put(out, &eth, sizeof eth);
    ofpbuf_put(out, &ip, sizeof ip);
}

/* The L4 checksum over the pseudo-header of the IP header just put. */
static ovs_be16
l4_csum(const struct ofpbuf *out, const void *l4, size_t len)
{
    const struct ip_header *ip = (const struct ip_header *)
        ((const char *) out->data + out->size - IP_HEADER_LEN);

    return csum_finish(csum_continue(packet_csum_pseudoheader(ip), l4, len));
}

static void
put_tcp_syn(struct ofpbuf *out, const struct tracepkt *t)
{
    struct tcp_header th = {
        .tcp_src = htons(t->sport),
        .tcp_dst = htons(t->dport),
        .tcp_ctl = TCP_CTL(TCP_SYN, TCP_HEADER_LEN / 4),
        .tcp_winsz = htons(65535),
    };

    put_l2_l3(out, t, sizeof th);
    th.tcp_csum = l4_csum(out, &th, sizeof th);
    ofpbuf_put(out, &th, sizeof th);
}

static void
put_udp(struct ofpbuf *out, const struct tracepkt *t)
{
    struct {
        struct udp_header uh;
        char payload[sizeof TRACEPKT_UDP_PAYLOAD - 1];
    } d;

    memset(&d, 0, sizeof d);
    d.uh.udp_src = htons(t->sport);
    d.uh.udp_dst = htons(t->dport);
    d.uh.udp_len = htons(sizeof d);
    memcpy(d.payload, TRACEPKT_UDP_PAYLOAD, sizeof d.payload);
    put_l2_l3(out, t, sizeof d);
    d.uh.udp_csum = l4_csum(out, &d, sizeof d);
    if (!d.uh.udp_csum) {
        d.uh.udp_csum = htons(0xffff);
    }
    ofpbuf_put(out, &d, sizeof d);
}

static void
put_icmp_echo(struct ofpbuf *out, const struct tracepkt *t)
{
    struct icmp_header icmp = {
        .icmp_type = ICMP4_ECHO_REQUEST,
        .icmp_fields.echo.id = htons(t->sport),
        .icmp_fields.echo.seq = htons(1),
    };

    icmp.icmp_csum = csum(&icmp, sizeof icmp);
    put_l2_l3(out, t, sizeof icmp);
    ofpbuf_put(out, &icmp, sizeof icmp);
}

int
tracepkt_build(const struct tracepkt *t, struct ofpbuf *out)
{
    switch (t->proto) {
    case IPPROTO_TCP:
        put_tcp_syn(out, t);
        return 0;
    case IPPROTO_UDP:
        put_udp(out, t);
        return 0;
    case IPPROTO_ICMP:
        put_icmp_echo(out, t);
        return 0;
    default:
        return -EINVAL;
    }
}
