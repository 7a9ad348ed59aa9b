/* The frame of a packet-in (what a pod sent to a Service without
 * endpoints), answered by reject_build() with a TCP RST or an ICMP port
 * unreachable.  An answer must be a whole IPv4 frame with a good header
 * checksum, never larger than an ICMP error quoting the most it may. */
#include <config.h>

#include "csum.h"
#include "dataplane/reject.h"
#include "fuzzglue.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"

/* Ethernet, IPv4 and ICMP headers, the packet's IP header with its
 * options (60 bytes at most) and 8 bytes of its payload. */
#define FUZZ_REJECT_MAX (ETH_HEADER_LEN + IP_HEADER_LEN + ICMP_HEADER_LEN \
                         + 60 + ICMP_ERROR_DATA_L4_LEN)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ofpbuf out;

    ofpbuf_init(&out, 0);
    if (!reject_build(data, size, &out)) {
        fuzzglue_check(out.size >= ETH_HEADER_LEN + IP_HEADER_LEN
                       && out.size <= FUZZ_REJECT_MAX,
                       "a reject frame of an impossible size");
        fuzzglue_check(!csum((const char *) out.data + ETH_HEADER_LEN,
                             IP_HEADER_LEN),
                       "a reject frame with a wrong IP checksum");
    } else {
        fuzzglue_check(!out.size, "a refused packet left a partial answer");
    }
    ofpbuf_uninit(&out);
    return 0;
}
