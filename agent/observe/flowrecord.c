#include <config.h>
#include "agent/observe/flowrecord.h"

#include <string.h>

#include "agent/observe/ipfix.h"
#include "openvswitch/util.h"
#include "util.h"

enum field_kind { F_U8, F_BOOL, F_U16, F_U64, F_IPV4, F_MSEC, F_STRING };

/* Each kind's length in the template. */
#define F_U8_LEN 1
#define F_BOOL_LEN 1
#define F_U16_LEN 2
#define F_U64_LEN 8
#define F_IPV4_LEN 4
#define F_MSEC_LEN 8
#define F_STRING_LEN IPFIX_VARLEN

/* One member of struct flowrecord as one element of the template. */
struct field {
    struct ipfix_ie ie;
    enum field_kind kind;
    size_t offset;
};

#define FIELD(ID, PEN, KIND, MEMBER) \
    { { ID, KIND##_LEN, PEN }, KIND, offsetof(struct flowrecord, MEMBER) }
#define IANA(ID, KIND, MEMBER) FIELD(ID, 0, KIND, MEMBER)
#define REVERSE(ID, MEMBER) FIELD(ID, IPFIX_PEN_REVERSE, F_U64, MEMBER)
#define SEINE(IE, KIND, MEMBER) \
    FIELD(FLOWRECORD_IE_##IE, IPFIX_PEN_SEINE, KIND, MEMBER)

static const struct field fields[] = {
    IANA(152, F_MSEC, start_ms),
    IANA(153, F_MSEC, end_ms),
    IANA(136, F_U8, end_reason),
    IANA(8, F_IPV4, src_ip),
    IANA(12, F_IPV4, dst_ip),
    IANA(7, F_U16, src_port),
    IANA(11, F_U16, dst_port),
    IANA(4, F_U8, proto),
    IANA(2, F_U64, delta.packets),
    IANA(1, F_U64, delta.octets),
    IANA(86, F_U64, total.packets),
    IANA(85, F_U64, total.octets),
    REVERSE(2, reverse_delta.packets),
    REVERSE(1, reverse_delta.octets),
    REVERSE(86, reverse_total.packets),
    REVERSE(85, reverse_total.octets),
    IANA(226, F_IPV4, post_nat_dst_ip),
    IANA(228, F_U16, post_nat_dst_port),
    SEINE(SOURCE_POD_NAMESPACE, F_STRING, src_pod_namespace),
    SEINE(SOURCE_POD_NAME, F_STRING, src_pod_name),
    SEINE(SOURCE_NODE_NAME, F_STRING, src_node_name),
    SEINE(DESTINATION_POD_NAMESPACE, F_STRING, dst_pod_namespace),
    SEINE(DESTINATION_POD_NAME, F_STRING, dst_pod_name),
    SEINE(DESTINATION_NODE_NAME, F_STRING, dst_node_name),
    SEINE(DESTINATION_SERVICE_NAMESPACE, F_STRING, dst_service_namespace),
    SEINE(DESTINATION_SERVICE_NAME, F_STRING, dst_service_name),
    SEINE(DESTINATION_SERVICE_PORT, F_U16, dst_service_port),
    SEINE(EGRESS_POLICY_KIND, F_STRING, egress.kind),
    SEINE(EGRESS_POLICY_NAMESPACE, F_STRING, egress.namespace),
    SEINE(EGRESS_POLICY_NAME, F_STRING, egress.name),
    SEINE(EGRESS_POLICY_RULE, F_STRING, egress.rule),
    SEINE(EGRESS_POLICY_ACTION, F_U8, egress.action),
    SEINE(INGRESS_POLICY_KIND, F_STRING, ingress.kind),
    SEINE(INGRESS_POLICY_NAMESPACE, F_STRING, ingress.namespace),
    SEINE(INGRESS_POLICY_NAME, F_STRING, ingress.name),
    SEINE(INGRESS_POLICY_RULE, F_STRING, ingress.rule),
    SEINE(INGRESS_POLICY_ACTION, F_U8, ingress.action),
    SEINE(FLOW_TYPE, F_U8, flow_type),
    SEINE(TCP_STATE, F_STRING, tcp_state),
    SEINE(DENIED, F_BOOL, denied),
};

int
flowrecord_add_template(struct ipfix *ipfix, uint32_t pen)
{
    struct ipfix_ie ies[ARRAY_SIZE(fields)];

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        ies[i] = fields[i].ie;
        if (ies[i].pen == IPFIX_PEN_SEINE) {
            ies[i].pen = pen;
        }
    }
    return ipfix_add_template(ipfix, FLOWRECORD_TEMPLATE_ID, ies,
                              ARRAY_SIZE(ies));
}

static const char *
member_string(const struct flowrecord *rec, const struct field *f)
{
    const char *s;

    memcpy(&s, (const char *) rec + f->offset, sizeof s);
    return s ? s : "";
}

/* The bytes the strings take when each is cut to 'cap' (§7 lengths). */
static size_t
strings_size(const struct flowrecord *rec, size_t cap)
{
    size_t size = 0;

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        if (fields[i].kind == F_STRING) {
            size_t len = MIN(strlen(member_string(rec, &fields[i])), cap);
            size += len + (len < 255 ? 1 : 3);
        }
    }
    return size;
}

static size_t
fixed_size(void)
{
    size_t size = 0;

    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        if (fields[i].kind != F_STRING) {
            size += fields[i].ie.length;
        }
    }
    return size;
}

/* The longest a string may stay so the record fits 'room' bytes: every
 * string shorter than that is kept whole. */
static size_t
string_cap(const struct flowrecord *rec, size_t room)
{
    size_t lo = 0, hi = UINT16_MAX - 1;

    if (strings_size(rec, hi) <= room) {
        return hi;
    }
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (strings_size(rec, mid) <= room) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

/* 's' cut to at most 'cap' bytes, not inside a UTF-8 sequence, in 'buf'
 * when it has to be cut. */
static const char *
cut_string(const char *s, size_t cap, char **buf)
{
    size_t len = strlen(s);

    if (len <= cap) {
        return s;
    }
    while (cap && ((unsigned char) s[cap] & 0xc0) == 0x80) {
        cap--;
    }
    free(*buf);
    *buf = xmemdup0(s, cap);
    return *buf;
}

static void
put_field(struct ipfix_record *r, const struct flowrecord *rec,
          const struct field *f, size_t cap)
{
    const void *p = (const char *) rec + f->offset;
    char *buf = NULL;

    switch (f->kind) {
    case F_U8:
        ipfix_put_u8(r, *(const uint8_t *) p);
        break;
    case F_BOOL:
        ipfix_put_u8(r, *(const bool *) p);
        break;
    case F_U16:
        ipfix_put_u16(r, *(const uint16_t *) p);
        break;
    case F_U64:
        ipfix_put_u64(r, *(const uint64_t *) p);
        break;
    case F_IPV4:
        ipfix_put_ipv4(r, *(const ovs_be32 *) p);
        break;
    case F_MSEC:
        ipfix_put_msec(r, *(const long long int *) p);
        break;
    case F_STRING:
        ipfix_put_string(r, cut_string(member_string(rec, f), cap, &buf));
        break;
    }
    free(buf);
}

int
flowrecord_encode(struct ipfix *ipfix, const struct flowrecord *rec)
{
    size_t max = ipfix_max_record(ipfix), fixed = fixed_size();
    size_t cap = string_cap(rec, max > fixed ? max - fixed : 0);
    struct ipfix_record r;
    int error;

    ipfix_record_init(&r, ipfix, FLOWRECORD_TEMPLATE_ID);
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        put_field(&r, rec, &fields[i], cap);
    }
    error = ipfix_add_record(ipfix, &r);
    ipfix_record_uninit(&r);
    return error;
}
