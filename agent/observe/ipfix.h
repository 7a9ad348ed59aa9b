/*
 * ipfix: an IPFIX (RFC 7011) encoder.  Templates are made from lists of
 * information elements; data records are filled field by field in the
 * template's order; the encoder packs them into messages of at most one
 * MTU, several sets a message, one set for each run of records of one
 * template.
 *
 *   ipfix_add_record() --> open message --(full, or ipfix_flush())-->
 *   closed messages --ipfix_take()--> the transport's queue
 *   --ipfix_stamp(), send--> collector
 *
 * The encoder owns the open message and the closed ones until the
 * transport takes them; from then on they are the transport's, and it
 * may drop them.  The header's export time and sequence number are
 * written by ipfix_stamp() just before a message is sent: RFC 7011 §3.1
 * defines both at the moment the message leaves the exporter, and the
 * sequence number counts the data records sent before it in the session,
 * so a message the transport dropped is not counted (the transport counts
 * drops).
 *
 * Templates (§8.4): over a reliable transport (TCP) they are sent once at
 * the start of each session, before any data; over UDP at the start and
 * again every template refresh interval.  The transport says when a
 * session starts (ipfix_session_start()) and asks ipfix_templates_due()
 * before each send.  All templates go in one message, so together they
 * must fit one MTU.
 *
 * Times are the wall clock in milliseconds, as the caller gives them:
 * the export time is seconds since the epoch.
 */
#ifndef IPFIX_H
#define IPFIX_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/types.h"

/* The private enterprise number Seine's own information elements are put
 * under by default (agent/observe/flowrecord.h lists them).  Seine has no
 * number of its own from IANA yet, so the default is the one RFC 5612
 * reserves for documentation and examples, which no organisation owns; an
 * operator with a number sets it (flowExport.enterpriseNumber) and
 * collectors key the elements on it. */
#define IPFIX_PEN_SEINE 32473
/* RFC 5103's enterprise number: an IANA element's id under it is the same
 * element for the reverse direction of a biflow. */
#define IPFIX_PEN_REVERSE 29305

/* An element's length in a template that says "variable" (§7). */
#define IPFIX_VARLEN 65535

#define IPFIX_DEFAULT_MTU 1400
#define IPFIX_DEFAULT_TEMPLATE_REFRESH_S 60
/* Template ids below are set ids (§3.4.1). */
#define IPFIX_MIN_TEMPLATE_ID 256

/* The message header and a set header (§3.1, §3.3.2). */
#define IPFIX_HEADER_LEN 16
#define IPFIX_SET_HEADER_LEN 4

struct ipfix;

/* An information element as a template names it. */
struct ipfix_ie {
    uint16_t id;                /* without the enterprise bit */
    uint16_t length;            /* bytes, or IPFIX_VARLEN */
    uint32_t pen;               /* 0: IANA; else the enterprise bit is set */
};

struct ipfix_options {
    uint32_t domain_id;         /* observation domain */
    size_t mtu;                 /* 0: IPFIX_DEFAULT_MTU */
    int template_refresh_s;     /* over UDP; 0: the default */
};

/* A message: the whole of it, header first, in 'buf'. */
struct ipfix_msg {
    struct ovs_list list_node;  /* for whoever holds it */
    uint32_t n_records;         /* data records in it */
    struct ofpbuf buf;
};

void ipfix_msg_destroy(struct ipfix_msg *);

/* NULL if 'options' asks for an MTU below 128 or above 65535 bytes. */
struct ipfix *ipfix_create(const struct ipfix_options *);
void ipfix_destroy(struct ipfix *);

/* Adds template 'id' made of the 'n' elements of 'ies' (copied).  0, or
 * -EINVAL for an id below IPFIX_MIN_TEMPLATE_ID, one already added, no
 * elements or a zero length, -EMSGSIZE when the templates would no
 * longer fit one message. */
int ipfix_add_template(struct ipfix *, uint16_t id,
                       const struct ipfix_ie ies[], size_t n);

/* A data record being filled: each ipfix_put_*() gives the template's next
 * field.  A value of the wrong size for its element, a field too many or
 * an unknown template is remembered and makes ipfix_add_record() fail. */
struct ipfix_record {
    const struct ipfix_ie *ies;
    size_t n_ies;
    uint16_t template_id;
    size_t n_fields;            /* given so far */
    int error;                  /* the first error, or 0 */
    struct ofpbuf buf;
    uint64_t stub[512 / 8];
};

void ipfix_record_init(struct ipfix_record *, const struct ipfix *,
                       uint16_t template_id);
void ipfix_record_uninit(struct ipfix_record *);

void ipfix_put_u8(struct ipfix_record *, uint8_t);
void ipfix_put_u16(struct ipfix_record *, uint16_t);
void ipfix_put_u32(struct ipfix_record *, uint32_t);
void ipfix_put_u64(struct ipfix_record *, uint64_t);
void ipfix_put_ipv4(struct ipfix_record *, ovs_be32);
/* dateTimeSeconds and dateTimeMilliseconds (RFC 7011 §6.1.7), from the
 * wall clock in ms. */
void ipfix_put_seconds(struct ipfix_record *, long long int wall_ms);
void ipfix_put_msec(struct ipfix_record *, long long int wall_ms);
/* A variable-length string (NULL: empty), or one of a fixed length,
 * padded with zeros (§6.1.6 lets neither carry a terminator). */
void ipfix_put_string(struct ipfix_record *, const char *);

/* The bytes a record of 'record's template with the fields given so far
 * takes in a set. */
size_t ipfix_record_size(const struct ipfix_record *);
/* The largest record a message of this encoder can carry. */
size_t ipfix_max_record(const struct ipfix *);

/* Appends the record (every field given) to the open message, first
 * closing it if the record does not fit.  0, or the record's error,
 * -EINVAL when fields are missing, -EMSGSIZE when it is larger than any
 * message may be. */
int ipfix_add_record(struct ipfix *, const struct ipfix_record *);

/* Closes the open message, if it holds a record. */
void ipfix_flush(struct ipfix *);
/* The oldest closed message (the caller owns it), or NULL. */
struct ipfix_msg *ipfix_take(struct ipfix *);
bool ipfix_has_closed(const struct ipfix *);

/* A new transport session: sequence numbers start again from 0 and the
 * templates are due now; later, over a transport that is not
 * 'reliable', every template refresh interval. */
void ipfix_session_start(struct ipfix *, bool reliable);
/* Whether the templates must go out before anything else at 'now'. */
bool ipfix_templates_due(const struct ipfix *, long long int now);
/* When they are due: LLONG_MIN when they are already, LLONG_MAX when not
 * before a new session. */
long long int ipfix_templates_next(const struct ipfix *);
/* A message with every template, stamped for 'now'; they count as sent.
 * NULL when there are no templates. */
struct ipfix_msg *ipfix_templates(struct ipfix *, long long int now);

/* Writes the export time 'now' and the sequence number into 'msg' and
 * counts its records as sent. */
void ipfix_stamp(struct ipfix *, struct ipfix_msg *, long long int now);

#endif /* ipfix.h */
