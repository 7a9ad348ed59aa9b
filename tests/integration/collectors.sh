# shellcheck shell=bash
# Real IPFIX collectors for the tests that export flows, in network
# namespace $COLLECT_NS, files under $COLLECT_DIR, IPFIX over UDP on
# $COLLECT_UDP_PORT: nfcapd (read back with nfdump) and tshark's capture
# through its IPFIX dissector.  Sourced after lib.sh.

# capture_start NAME FILTER: tshark writes lo's packets that FILTER
# matches to NAME.pcap.
capture_start() {
    seine_bg_start "tshark-$1" "$COLLECT_NS" tshark -i lo -f "$2" -w "$COLLECT_DIR/$1.pcap"
    seine_wait_until 15 grep -q 'Capture started' "$SEINE_RUN/bg/tshark-$1.log" \
        || seine_fail "tshark did not start capturing"
}

capture_stop() { seine_bg_stop "tshark-$1"; }

# decode NAME PROTO PORT [TSHARK ARGS...]: the capture through the IPFIX
# dissector.
decode() {
    local name=$1 proto=$2 port=$3; shift 3
    tshark -r "$COLLECT_DIR/$name.pcap" -d "$proto.port==$port,cflow" "$@" 2>/dev/null
}

# decoded_flows NAME PROTO PORT: one line per data record: addresses,
# destination port, protocol, then the byte counts and source port.
decoded_flows() {
    decode "$1" "$2" "$3" -Y cflow.srcaddr -T fields -E separator=' ' \
        -e cflow.srcaddr -e cflow.dstaddr -e cflow.dstport -e cflow.protocol \
        -e cflow.octets -e cflow.srcport
}

# decoded_records NAME PROTO PORT: one line per data record, whatever
# the number of records in a message: source, destination, destination
# port, protocol.
decoded_records() {
    decode "$1" "$2" "$3" -T json | jq -r '.. | objects | select(has("cflow.srcaddr"))
        | "\(."cflow.srcaddr") \(."cflow.dstaddr") \(."cflow.dstport") \(."cflow.protocol")"'
}

# hex_of STRING: its bytes as tshark prints a value it cannot name
# ("77 65 62").
hex_of() { printf '%s' "$1" | od -An -tx1 | tr -s ' ' | sed 's/^ //; s/ $//'; }

# enterprise_count NAME PROTO PORT TYPE STRING: how many data records
# carry Seine's element TYPE (an enterprise element tshark shows as
# hex) with the value STRING.
enterprise_count() {
    decode "$1" "$2" "$3" -V \
        | grep -c "Type $4: Value (hex bytes): $(hex_of "$5")\$" || true
}

nfcapd_start() {
    mkdir -p "$COLLECT_DIR/$1"
    seine_bg_start "nfcapd-$1" "$COLLECT_NS" nfcapd -w "$COLLECT_DIR/$1" \
        -p "$COLLECT_UDP_PORT" -b 127.0.0.1
    seine_wait_until 5 sh -c "ip netns exec '$COLLECT_NS' ss -Hlun 'sport = :$COLLECT_UDP_PORT' | grep -q ." \
        || seine_fail "nfcapd did not bind"
}

# nfcapd_stop NAME: SIGTERM, on which nfcapd closes its file.
nfcapd_stop() { seine_bg_stop "nfcapd-$1"; }

# nfdump_flows NAME: one line per flow nfcapd NAME stored, as
# decoded_flows prints them.
nfdump_flows() {
    nfdump -R "$COLLECT_DIR/$1" -o json 2>/dev/null | jq -r '.[] |
        "\(.src4_addr) \(.dst4_addr) \(.dst_port) \(.proto) \(.in_bytes),\(.out_bytes) \(.src_port)"'
}
