#include <config.h>
#include "agent/observe/ctdump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/lib/vec.h"
#include "dataplane/vswitchctl.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(ctdump);

static const char *const tcp_state_names[] = {
    [CTDUMP_TCP_CLOSED] = "CLOSED",
    [CTDUMP_TCP_LISTEN] = "LISTEN",
    [CTDUMP_TCP_SYN_SENT] = "SYN_SENT",
    [CTDUMP_TCP_SYN_RECV] = "SYN_RECV",
    [CTDUMP_TCP_ESTABLISHED] = "ESTABLISHED",
    [CTDUMP_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
    [CTDUMP_TCP_FIN_WAIT_1] = "FIN_WAIT_1",
    [CTDUMP_TCP_CLOSING] = "CLOSING",
    [CTDUMP_TCP_LAST_ACK] = "LAST_ACK",
    [CTDUMP_TCP_FIN_WAIT_2] = "FIN_WAIT_2",
    [CTDUMP_TCP_TIME_WAIT] = "TIME_WAIT",
};

/* ct_dpif_format_ipproto()'s names; any other protocol is a number. */
static const struct {
    const char *name;
    uint8_t proto;
} proto_names[] = {
    { "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
    { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
    { "sctp", IPPROTO_SCTP }, { "udplite", IPPROTO_UDPLITE },
    { "dccp", IPPROTO_DCCP }, { "igmp", IPPROTO_IGMP },
};

/* One "key=value" of a list, or a bare word (empty 'key'): a value in
 * parentheses is given without them. */
struct item {
    const char *key, *value;
    size_t key_len, value_len;
};

/* Takes the next item of the comma-separated list at '*p'; false at its
 * end or on unbalanced parentheses. */
static bool
next_item(const char **p, struct item *it)
{
    const char *s = *p;
    size_t n = strcspn(s, "=,()");

    if (!*s) {
        return false;
    }
    if (s[n] != '=') {
        *it = (struct item) { "", s, 0, n };
        s += n;
    } else {
        it->key = s;
        it->key_len = n;
        s += n + 1;
        if (*s == '(') {
            int depth = 0;
            const char *v = ++s;
            for (; *s && (*s != ')' || depth); s++) {
                depth += (*s == '(') - (*s == ')');
            }
            if (*s != ')') {
                return false;
            }
            it->value = v;
            it->value_len = s++ - v;
        } else {
            it->value = s;
            it->value_len = strcspn(s, ",()");
            s += it->value_len;
        }
    }
    if (*s == ',') {
        s++;
    } else if (*s) {
        return false;
    }
    *p = s;
    return true;
}

static bool
key_is(const struct item *it, const char *key)
{
    return it->key_len == strlen(key) && !memcmp(it->key, key, it->key_len);
}

static char *
value_dup(const struct item *it)
{
    return xmemdup0(it->value, it->value_len);
}

/* The item's value as an unsigned decimal number no larger than 'max'. */
static bool
value_uint(const struct item *it, uint64_t max, uint64_t *v)
{
    char *s = value_dup(it), *end;
    bool ok;

    errno = 0;
    *v = strtoull(s, &end, 10);
    ok = *s && !*end && !errno && *v <= max && *s != '-';
    free(s);
    return ok;
}

static bool
value_addr(const struct item *it, struct in6_addr *addr)
{
    char *s = value_dup(it);
    ovs_be32 ip4;
    bool ok = true;

    if (inet_pton(AF_INET, s, &ip4) == 1) {
        in6_addr_set_mapped_ipv4(addr, ip4);
    } else {
        ok = inet_pton(AF_INET6, s, addr) == 1;
    }
    free(s);
    return ok;
}

/* "0x" and up to 32 hex digits, as ds_put_hex() writes a label. */
static bool
value_u128(const struct item *it, ovs_u128 *v)
{
    const char *s = it->value;
    size_t n = it->value_len;

    if (n < 3 || n > 34 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        return false;
    }
    *v = OVS_U128_ZERO;
    for (size_t i = 2; i < n; i++) {
        int d = hexit_value(s[i]);
        if (d < 0) {
            return false;
        }
        v->u64.hi = (v->u64.hi << 4) | (v->u64.lo >> 60);
        v->u64.lo = (v->u64.lo << 4) | d;
    }
    return true;
}

static bool
value_tcp_state(const struct item *it, enum ctdump_tcp_state *state)
{
    for (size_t i = 0; i < ARRAY_SIZE(tcp_state_names); i++) {
        const char *name = tcp_state_names[i];
        if (it->value_len == strlen(name)
            && !memcmp(it->value, name, it->value_len)) {
            *state = i;
            return true;
        }
    }
    return false;
}

static bool
parse_proto(const struct item *it, uint8_t *proto)
{
    uint64_t v;

    for (size_t i = 0; i < ARRAY_SIZE(proto_names); i++) {
        const char *name = proto_names[i].name;
        if (it->value_len == strlen(name)
            && !memcmp(it->value, name, it->value_len)) {
            *proto = proto_names[i].proto;
            return true;
        }
    }
    if (value_uint(it, UINT8_MAX, &v)) {
        *proto = v;
        return true;
    }
    return false;
}

/* Reads one tuple field into 't'; false if it is malformed.  Fields it
 * does not know are skipped. */
static bool
parse_tuple_item(const struct item *it, struct ctdump_tuple *t,
                 bool *has_counters)
{
    uint64_t v = 0;

    if (key_is(it, "src")) {
        return value_addr(it, &t->src);
    } else if (key_is(it, "dst")) {
        return value_addr(it, &t->dst);
    } else if (key_is(it, "sport") || key_is(it, "dport")
               || key_is(it, "id")) {
        if (!value_uint(it, UINT16_MAX, &v)) {
            return false;
        }
        *(key_is(it, "sport") ? &t->src_port
          : key_is(it, "dport") ? &t->dst_port : &t->icmp_id) = v;
    } else if (key_is(it, "type") || key_is(it, "code")) {
        if (!value_uint(it, UINT8_MAX, &v)) {
            return false;
        }
        *(key_is(it, "type") ? &t->icmp_type : &t->icmp_code) = v;
    } else if (key_is(it, "packets") || key_is(it, "bytes")) {
        if (!value_uint(it, UINT64_MAX, &v)) {
            return false;
        }
        *(key_is(it, "packets") ? &t->counters.packets
          : &t->counters.bytes) = v;
        *has_counters = true;
    }
    return true;
}

static bool
parse_tuple(const struct item *list, struct ctdump_tuple *t,
            bool *has_counters)
{
    char *s = value_dup(list);
    const char *p = s;
    struct item it;
    bool ok = true, src = false, dst = false;

    while (ok && next_item(&p, &it)) {
        ok = parse_tuple_item(&it, t, has_counters);
        src |= key_is(&it, "src");
        dst |= key_is(&it, "dst");
    }
    ok = ok && !*p && src && dst;
    free(s);
    return ok;
}

static bool
parse_protoinfo(const struct item *list, struct ctdump_entry *e)
{
    char *s = value_dup(list);
    const char *p = s;
    struct item it;
    bool ok = true;

    while (ok && next_item(&p, &it)) {
        if (key_is(&it, "state")) {
            ok = value_tcp_state(&it, &e->tcp_orig);
            e->tcp_reply = e->tcp_orig;
        } else if (key_is(&it, "state_orig")) {
            ok = value_tcp_state(&it, &e->tcp_orig);
        } else if (key_is(&it, "state_reply")) {
            ok = value_tcp_state(&it, &e->tcp_reply);
        }
    }
    ok = ok && !*p;
    free(s);
    return ok;
}

/* Reads one of the numbers of an entry into 'e'. */
static bool
parse_entry_number(const struct item *it, struct ctdump_entry *e)
{
    uint64_t v;

    if (key_is(it, "zone")) {
        if (!value_uint(it, UINT16_MAX, &v)) {
            return false;
        }
        e->zone = v;
        return true;
    }
    if (!value_uint(it, UINT32_MAX, &v)) {
        return false;
    }
    if (key_is(it, "mark")) {
        e->mark = v;
    } else if (key_is(it, "id")) {
        e->id = v;
    } else {
        e->timeout = v;
    }
    return true;
}

/* Reads one field after the protocol into 'e'; false if it is malformed
 * or a bare word. */
static bool
parse_entry_item(const struct item *it, struct ctdump_entry *e,
                 bool *orig, bool *reply)
{
    if (key_is(it, "orig")) {
        return *orig = parse_tuple(it, &e->orig, &e->has_counters);
    } else if (key_is(it, "reply")) {
        return *reply = parse_tuple(it, &e->reply, &e->has_counters);
    } else if (key_is(it, "zone") || key_is(it, "mark") || key_is(it, "id")
               || key_is(it, "timeout")) {
        return parse_entry_number(it, e);
    } else if (key_is(it, "labels")) {
        return value_u128(it, &e->labels);
    } else if (key_is(it, "protoinfo")) {
        return parse_protoinfo(it, e);
    }
    /* status=, start=, stop=, helper=, parent=(...): not needed. */
    return it->key_len > 0;
}

int
ctdump_parse_entry(const char *line, struct ctdump_entry *e, char **errp)
{
    const char *p = line;
    struct item it;
    bool orig = false, reply = false;

    memset(e, 0, sizeof *e);
    e->timeout = -1;
    e->tcp_orig = e->tcp_reply = CTDUMP_TCP_NONE;
    *errp = NULL;

    if (!next_item(&p, &it) || it.key_len || !parse_proto(&it, &e->proto)) {
        *errp = xasprintf("no protocol at the start of \"%s\"", line);
        return -EINVAL;
    }
    while (next_item(&p, &it)) {
        if (!parse_entry_item(&it, e, &orig, &reply)) {
            *errp = xasprintf("bad \"%.*s\" in \"%s\"",
                              (int) (it.key_len ? it.key_len : it.value_len),
                              it.key_len ? it.key : it.value, line);
            return -EINVAL;
        }
    }
    if (*p || !orig || !reply) {
        *errp = xasprintf("%s in \"%s\"",
                          *p ? "unbalanced parentheses"
                          : "no orig or reply tuple", line);
        return -EINVAL;
    }
    return 0;
}

size_t
ctdump_parse(const char *text, struct vec *entries)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 60);
    char *copy = xstrdup(text), *save = NULL;
    size_t n_bad = 0;

    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct ctdump_entry e;
        char *err;

        line[strcspn(line, "\r")] = '\0';
        if (!*line) {
            continue;
        }
        if (ctdump_parse_entry(line, &e, &err)) {
            if (!n_bad++) {
                VLOG_WARN_RL(&rl, "conntrack dump: %s", err);
            }
            free(err);
        } else {
            vec_push(entries, &e);
        }
    }
    free(copy);
    return n_bad;
}

enum ctdump_tcp_state
ctdump_tcp_state(const struct ctdump_entry *e)
{
    enum ctdump_tcp_state s;

    if (e->tcp_orig == CTDUMP_TCP_NONE || e->tcp_reply == CTDUMP_TCP_NONE) {
        return e->tcp_orig == CTDUMP_TCP_NONE ? e->tcp_reply : e->tcp_orig;
    }
    s = MAX(e->tcp_orig, e->tcp_reply);
    return (s == CTDUMP_TCP_FIN_WAIT_2 ? CTDUMP_TCP_TIME_WAIT
            : s == CTDUMP_TCP_SYN_RECV ? CTDUMP_TCP_ESTABLISHED
            : s);
}

const char *
ctdump_tcp_state_name(enum ctdump_tcp_state s)
{
    return s < ARRAY_SIZE(tcp_state_names) ? tcp_state_names[s] : NULL;
}

bool
ctdump_tcp_closed(const struct ctdump_entry *e)
{
    enum ctdump_tcp_state s = ctdump_tcp_state(e);

    return s == CTDUMP_TCP_TIME_WAIT || s == CTDUMP_TCP_CLOSED;
}

bool
ctdump_tuple_is_ipv4(const struct ctdump_tuple *t)
{
    return IN6_IS_ADDR_V4MAPPED(&t->src) && IN6_IS_ADDR_V4MAPPED(&t->dst);
}

ovs_be32
ctdump_ipv4(const struct in6_addr *addr)
{
    return in6_addr_get_mapped_ipv4(addr);
}

struct vswitchctl_query *
ctdump_query_start(const char *rundir, const uint16_t *zone, int timeout_ms)
{
    const char *argv[2] = { "-s" };
    char zone_arg[16];
    int argc = 1;

    if (zone) {
        snprintf(zone_arg, sizeof zone_arg, "zone=%"PRIu16, *zone);
        argv[argc++] = zone_arg;
    }
    return vswitchctl_query_start_argv(rundir, "dpctl/dump-conntrack", argc,
                                       argv, timeout_ms);
}
