#include <config.h>
#include "agent/observe/ipfix.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "byte-order.h"
#include "openvswitch/util.h"
#include "util.h"

#define IPFIX_VERSION 10
#define IPFIX_TEMPLATE_SET_ID 2
#define IPFIX_ENTERPRISE_BIT 0x8000
/* RFC 7011 §7: a length below this is one byte; this byte, then two. */
#define IPFIX_VARLEN_LONG 255

struct ipfix_template {
    uint16_t id;
    struct ipfix_ie *ies;
    size_t n_ies;
};

struct ipfix {
    uint32_t domain_id;
    size_t mtu;
    long long int refresh_ms;

    struct ipfix_template *templates;
    size_t n_templates;
    size_t templates_size;      /* their template records, in bytes */

    struct ipfix_msg *open;     /* NULL until a record is added */
    uint16_t open_set_id;       /* of its last set (0: none) */
    size_t open_set_ofs;        /* where that set's header is */
    struct ovs_list closed;     /* struct ipfix_msg, oldest first */

    uint32_t sequence;          /* data records sent in the session */
    bool reliable;
    bool templates_sent;        /* in this session */
    long long int templates_at; /* when they last were */
};

static void
put_be16(struct ofpbuf *b, uint16_t v)
{
    ovs_be16 be = htons(v);
    ofpbuf_put(b, &be, sizeof be);
}

static void
put_be32(struct ofpbuf *b, uint32_t v)
{
    ovs_be32 be = htonl(v);
    ofpbuf_put(b, &be, sizeof be);
}

static void
set_be16(struct ofpbuf *b, size_t ofs, uint16_t v)
{
    ovs_be16 be = htons(v);
    memcpy((uint8_t *) b->data + ofs, &be, sizeof be);
}

static void
set_be32(struct ofpbuf *b, size_t ofs, uint32_t v)
{
    ovs_be32 be = htonl(v);
    memcpy((uint8_t *) b->data + ofs, &be, sizeof be);
}

/* A message with room for its header, filled in by ipfix_stamp(). */
static struct ipfix_msg *
msg_create(const struct ipfix *ipfix)
{
    struct ipfix_msg *msg = xzalloc(sizeof *msg);

    ofpbuf_init(&msg->buf, ipfix->mtu);
    ofpbuf_put_zeros(&msg->buf, IPFIX_HEADER_LEN);
    return msg;
}

void
ipfix_msg_destroy(struct ipfix_msg *msg)
{
    if (msg) {
        ofpbuf_uninit(&msg->buf);
        free(msg);
    }
}

struct ipfix *
ipfix_create(const struct ipfix_options *options)
{
    size_t mtu = options->mtu ? options->mtu : IPFIX_DEFAULT_MTU;
    int refresh_s = (options->template_refresh_s > 0
                     ? options->template_refresh_s
                     : IPFIX_DEFAULT_TEMPLATE_REFRESH_S);

    if (mtu < 128 || mtu > UINT16_MAX) {
        return NULL;
    }

    struct ipfix *ipfix = xzalloc(sizeof *ipfix);
    ipfix->domain_id = options->domain_id;
    ipfix->mtu = mtu;
    ipfix->refresh_ms = refresh_s * 1000LL;
    ovs_list_init(&ipfix->closed);
    return ipfix;
}

void
ipfix_destroy(struct ipfix *ipfix)
{
    if (ipfix) {
        struct ipfix_msg *msg;

        ipfix_msg_destroy(ipfix->open);
        LIST_FOR_EACH_POP (msg, list_node, &ipfix->closed) {
            ipfix_msg_destroy(msg);
        }
        for (size_t i = 0; i < ipfix->n_templates; i++) {
            free(ipfix->templates[i].ies);
        }
        free(ipfix->templates);
        free(ipfix);
    }
}

static const struct ipfix_template *
find_template(const struct ipfix *ipfix, uint16_t id)
{
    for (size_t i = 0; i < ipfix->n_templates; i++) {
        if (ipfix->templates[i].id == id) {
            return &ipfix->templates[i];
        }
    }
    return NULL;
}

/* A template record's size: its header, then 4 bytes a field and 4 more
 * for an enterprise number (§3.4.1, §3.2). */
static size_t
template_record_size(const struct ipfix_ie ies[], size_t n)
{
    size_t size = 4;

    for (size_t i = 0; i < n; i++) {
        size += ies[i].pen ? 8 : 4;
    }
    return size;
}

int
ipfix_add_template(struct ipfix *ipfix, uint16_t id,
                   const struct ipfix_ie ies[], size_t n)
{
    if (id < IPFIX_MIN_TEMPLATE_ID || find_template(ipfix, id) || !n
        || n > UINT16_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ies[i].length || ies[i].id & IPFIX_ENTERPRISE_BIT) {
            return -EINVAL;
        }
    }

    size_t size = ipfix->templates_size + template_record_size(ies, n);
    if (IPFIX_HEADER_LEN + IPFIX_SET_HEADER_LEN + size > ipfix->mtu) {
        return -EMSGSIZE;
    }

    ipfix->templates = xrealloc(ipfix->templates,
                                (ipfix->n_templates + 1)
                                * sizeof *ipfix->templates);
    struct ipfix_template *t = &ipfix->templates[ipfix->n_templates++];
    t->id = id;
    t->ies = xmemdup(ies, n * sizeof *ies);
    t->n_ies = n;
    ipfix->templates_size = size;
    return 0;
}

void
ipfix_record_init(struct ipfix_record *rec, const struct ipfix *ipfix,
                  uint16_t template_id)
{
    const struct ipfix_template *t = find_template(ipfix, template_id);

    memset(rec, 0, offsetof(struct ipfix_record, buf));
    rec->template_id = template_id;
    if (t) {
        rec->ies = t->ies;
        rec->n_ies = t->n_ies;
    } else {
        rec->error = -EINVAL;
    }
    ofpbuf_use_stub(&rec->buf, rec->stub, sizeof rec->stub);
}

void
ipfix_record_uninit(struct ipfix_record *rec)
{
    ofpbuf_uninit(&rec->buf);
}

/* The next field's element if it is 'length' bytes long (IPFIX_VARLEN
 * matches any), else NULL with the record's error set. */
static const struct ipfix_ie *
next_field(struct ipfix_record *rec, uint16_t length)
{
    const struct ipfix_ie *ie;

    if (rec->error) {
        return NULL;
    }
    if (rec->n_fields >= rec->n_ies) {
        rec->error = -E2BIG;
        return NULL;
    }
    ie = &rec->ies[rec->n_fields];
    if (length != IPFIX_VARLEN && ie->length != length) {
        rec->error = -EINVAL;
        return NULL;
    }
    rec->n_fields++;
    return ie;
}

void
ipfix_put_u8(struct ipfix_record *rec, uint8_t v)
{
    if (next_field(rec, 1)) {
        ofpbuf_put(&rec->buf, &v, 1);
    }
}

void
ipfix_put_u16(struct ipfix_record *rec, uint16_t v)
{
    if (next_field(rec, 2)) {
        put_be16(&rec->buf, v);
    }
}

void
ipfix_put_u32(struct ipfix_record *rec, uint32_t v)
{
    if (next_field(rec, 4)) {
        put_be32(&rec->buf, v);
    }
}

void
ipfix_put_u64(struct ipfix_record *rec, uint64_t v)
{
    if (next_field(rec, 8)) {
        ovs_be64 be = htonll(v);
        ofpbuf_put(&rec->buf, &be, sizeof be);
    }
}

void
ipfix_put_ipv4(struct ipfix_record *rec, ovs_be32 addr)
{
    if (next_field(rec, 4)) {
        ofpbuf_put(&rec->buf, &addr, sizeof addr);
    }
}

void
ipfix_put_seconds(struct ipfix_record *rec, long long int wall_ms)
{
    ipfix_put_u32(rec, wall_ms / 1000);
}

void
ipfix_put_msec(struct ipfix_record *rec, long long int wall_ms)
{
    ipfix_put_u64(rec, wall_ms);
}

void
ipfix_put_string(struct ipfix_record *rec, const char *s)
{
    const struct ipfix_ie *ie = next_field(rec, IPFIX_VARLEN);
    size_t len = s ? strlen(s) : 0;

    if (!ie) {
        return;
    }
    if (ie->length != IPFIX_VARLEN) {
        len = MIN(len, ie->length);
        ofpbuf_put(&rec->buf, s, len);
        ofpbuf_put_zeros(&rec->buf, ie->length - len);
        return;
    }
    if (len >= UINT16_MAX) {
        rec->error = -EMSGSIZE;
        return;
    }
    if (len < IPFIX_VARLEN_LONG) {
        uint8_t n = len;
        ofpbuf_put(&rec->buf, &n, 1);
    } else {
        uint8_t mark = IPFIX_VARLEN_LONG;
        ofpbuf_put(&rec->buf, &mark, 1);
        put_be16(&rec->buf, len);
    }
    ofpbuf_put(&rec->buf, s, len);
}

size_t
ipfix_record_size(const struct ipfix_record *rec)
{
    return rec->buf.size;
}

size_t
ipfix_max_record(const struct ipfix *ipfix)
{
    return ipfix->mtu - IPFIX_HEADER_LEN - IPFIX_SET_HEADER_LEN;
}

static void
close_set(struct ipfix *ipfix)
{
    if (ipfix->open_set_id) {
        struct ofpbuf *b = &ipfix->open->buf;
        set_be16(b, ipfix->open_set_ofs + 2, b->size - ipfix->open_set_ofs);
        ipfix->open_set_id = 0;
    }
}

void
ipfix_flush(struct ipfix *ipfix)
{
    if (ipfix->open) {
        close_set(ipfix);
        ovs_list_push_back(&ipfix->closed, &ipfix->open->list_node);
        ipfix->open = NULL;
    }
}

int
ipfix_add_record(struct ipfix *ipfix, const struct ipfix_record *rec)
{
    size_t size = rec->buf.size;

    if (rec->error) {
        return rec->error;
    }
    if (rec->n_fields != rec->n_ies) {
        return -EINVAL;
    }
    if (size > ipfix_max_record(ipfix)) {
        return -EMSGSIZE;
    }

    bool new_set = !ipfix->open || ipfix->open_set_id != rec->template_id;
    size_t need = size + (new_set ? IPFIX_SET_HEADER_LEN : 0);
    if (ipfix->open && ipfix->open->buf.size + need > ipfix->mtu) {
        ipfix_flush(ipfix);
        new_set = true;
    }
    if (!ipfix->open) {
        ipfix->open = msg_create(ipfix);
    }

    struct ofpbuf *b = &ipfix->open->buf;
    if (new_set) {
        close_set(ipfix);
        ipfix->open_set_ofs = b->size;
        ipfix->open_set_id = rec->template_id;
        put_be16(b, rec->template_id);
        put_be16(b, 0);
    }
    ofpbuf_put(b, rec->buf.data, size);
    ipfix->open->n_records++;
    return 0;
}

struct ipfix_msg *
ipfix_take(struct ipfix *ipfix)
{
    if (ovs_list_is_empty(&ipfix->closed)) {
        return NULL;
    }
    return CONTAINER_OF(ovs_list_pop_front(&ipfix->closed),
                        struct ipfix_msg, list_node);
}

bool
ipfix_has_closed(const struct ipfix *ipfix)
{
    return !ovs_list_is_empty(&ipfix->closed);
}

void
ipfix_session_start(struct ipfix *ipfix, bool reliable)
{
    ipfix->sequence = 0;
    ipfix->reliable = reliable;
    ipfix->templates_sent = false;
}

long long int
ipfix_templates_next(const struct ipfix *ipfix)
{
    if (!ipfix->templates_sent) {
        return LLONG_MIN;
    }
    return ipfix->reliable ? LLONG_MAX
                           : ipfix->templates_at + ipfix->refresh_ms;
}

bool
ipfix_templates_due(const struct ipfix *ipfix, long long int now)
{
    /* A wall clock set back must not hold the templates back for as
     * long. */
    return (ipfix->n_templates
            && (now >= ipfix_templates_next(ipfix)
                || (!ipfix->reliable && now < ipfix->templates_at)));
}

static void
put_template(struct ofpbuf *b, const struct ipfix_template *t)
{
    put_be16(b, t->id);
    put_be16(b, t->n_ies);
    for (size_t i = 0; i < t->n_ies; i++) {
        const struct ipfix_ie *ie = &t->ies[i];

        put_be16(b, ie->id | (ie->pen ? IPFIX_ENTERPRISE_BIT : 0));
        put_be16(b, ie->length);
        if (ie->pen) {
            put_be32(b, ie->pen);
        }
    }
}

struct ipfix_msg *
ipfix_templates(struct ipfix *ipfix, long long int now)
{
    if (!ipfix->n_templates) {
        return NULL;
    }

    struct ipfix_msg *msg = msg_create(ipfix);
    put_be16(&msg->buf, IPFIX_TEMPLATE_SET_ID);
    put_be16(&msg->buf, IPFIX_SET_HEADER_LEN + ipfix->templates_size);
    for (size_t i = 0; i < ipfix->n_templates; i++) {
        put_template(&msg->buf, &ipfix->templates[i]);
    }
    ipfix_stamp(ipfix, msg, now);
    ipfix->templates_sent = true;
    ipfix->templates_at = now;
    return msg;
}

void
ipfix_stamp(struct ipfix *ipfix, struct ipfix_msg *msg, long long int now)
{
    struct ofpbuf *b = &msg->buf;

    set_be16(b, 0, IPFIX_VERSION);
    set_be16(b, 2, b->size);
    set_be32(b, 4, now / 1000);
    set_be32(b, 8, ipfix->sequence);
    set_be32(b, 12, ipfix->domain_id);
    ipfix->sequence += msg->n_records;
}
