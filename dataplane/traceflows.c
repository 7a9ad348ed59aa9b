#include <config.h>
#include "dataplane/traceflows.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>

#include "dataplane/cookie.h"
#include "dataplane/flowtab.h"
#include "dataplane/tables.h"
#include "dataplane/tracepkt.h"
#include "util.h"

static_assert(TABLE_OUTPUT == 90, "the ConntrackCommit trace flow names it");

uint8_t
traceflows_dscp(unsigned int i)
{
    return TRACE_DSCP_FIRST + 2 * i;
}

int
traceflows_index(uint8_t dscp)
{
    if (dscp < TRACE_DSCP_FIRST || dscp > TRACE_DSCP_LAST
        || (dscp - TRACE_DSCP_FIRST) % 2) {
        return -1;
    }
    return (dscp - TRACE_DSCP_FIRST) / 2;
}

uint64_t
traceflows_owner(unsigned int i)
{
    return cookie_owner(COOKIE_KIND_TRACE, i + 1);
}

int
traceflows_index_of_cookie(uint64_t cookie)
{
    uint64_t id = (cookie & COOKIE_ID_MASK) >> COOKIE_ID_SHIFT;

    if (cookie_get_kind(cookie) != COOKIE_KIND_TRACE
        || id < 1 || id > TRACE_N_TAGS) {
        return -1;
    }
    return id - 1;
}

uint32_t
traceflows_nonce(const uint8_t *userdata, size_t len)
{
    return (len == 4 ? (uint32_t) userdata[0] << 24 | userdata[1] << 16
                       | userdata[2] << 8 | userdata[3]
            : 0);
}

/* The match of trace 'i''s flows for 'pkt'. */
static char *
trace_match(unsigned int i, const struct tracepkt *pkt)
{
    char ip[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &pkt->src, ip, sizeof ip);
    return (pkt->proto == IPPROTO_TCP || pkt->proto == IPPROTO_UDP
            ? xasprintf("%s,nw_src=%s,nw_tos=%d,tp_src=%u",
                        pkt->proto == IPPROTO_TCP ? "tcp" : "udp", ip,
                        traceflows_dscp(i) << 2, pkt->sport)
            : xasprintf("ip,nw_src=%s,nw_tos=%d", ip,
                        traceflows_dscp(i) << 2));
}

int
traceflows_set(struct flowtab *ft, unsigned int i, const struct tracepkt *pkt,
               int64_t tun_ofport, uint32_t nonce)
{
    uint64_t owner = traceflows_owner(i);
    int error = 0;

    if (i >= TRACE_N_TAGS) {
        return -EINVAL;
    }
    char *controller = xasprintf("controller(userdata=%02x.%02x.%02x.%02x)",
                                 nonce >> 24, (nonce >> 16) & 0xff,
                                 (nonce >> 8) & 0xff, nonce & 0xff);
    const struct {
        uint8_t table;
        uint16_t priority;
        const char *actions;
    } flows[] = {
        { TABLE_CT_COMMIT, 300, "goto_table:90" },
        { TABLE_OUTPUT, 300, controller },
        { TABLE_DROP, 200, controller },
    };
    char *match = trace_match(i, pkt);
    flowtab_remove_owner(ft, owner);
    for (size_t k = 0; k < ARRAY_SIZE(flows) && !error; k++) {
        error = flowtab_add_flow(ft, owner, flows[k].table,
                                 flows[k].priority, match, flows[k].actions);
    }
    if (!error && tun_ofport > 0) {
        char *tun_match = xasprintf("%s,reg1=%"PRId64, match, tun_ofport);
        char *actions = xasprintf("%s,set_field:%#x->tun_id,"
                                  "output:"REG_OUT_PORT, controller,
                                  TRACE_TUN_ID);
        error = flowtab_add_flow(ft, owner, TABLE_OUTPUT, 310, tun_match,
                                 actions);
        free(actions);
        free(tun_match);
    }
    free(match);
    free(controller);
    if (error) {
        flowtab_remove_owner(ft, owner);
    }
    return error;
}

void
traceflows_remove(struct flowtab *ft, unsigned int i)
{
    flowtab_remove_owner(ft, traceflows_owner(i));
}
