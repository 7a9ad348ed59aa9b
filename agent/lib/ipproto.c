#include <config.h>
#include "agent/lib/ipproto.h"

#include <netinet/in.h>

const char *
ipproto_name(uint8_t proto)
{
    return (proto == IPPROTO_UDP ? "udp"
            : proto == IPPROTO_SCTP ? "sctp" : "tcp");
}
