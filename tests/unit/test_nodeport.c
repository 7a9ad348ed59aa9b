/* The nftables table of node ports, as the exact commands the agent runs. */
#include <config.h>

#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "agent/hostnet/nodeport.h"
#include "util.h"

static void
test_script(void **state OVS_UNUSED)
{
    struct ipproto_port ports[] = {
        { IPPROTO_TCP, 30080 }, { IPPROTO_UDP, 30053 },
        { IPPROTO_SCTP, 31000 },
    };
    char *s = nodeport_script(ports, 3);

    assert_string_equal(s,
        "table ip seine\n"
        "delete table ip seine\n"
        "table ip seine {\n"
        "    set nodeports {\n"
        "        type inet_proto . inet_service\n"
        "        elements = { tcp . 30080, udp . 30053, sctp . 31000 }\n"
        "    }\n"
        "    chain prerouting {\n"
        "        type nat hook prerouting priority -100; policy accept;\n"
        "        fib daddr type local meta l4proto . th dport @nodeports"
        " dnat to 169.254.169.253\n"
        "    }\n"
        "    chain output {\n"
        "        type nat hook output priority -100; policy accept;\n"
        "        fib daddr type local meta l4proto . th dport @nodeports"
        " dnat to 169.254.169.253\n"
        "    }\n"
        "}\n");
    free(s);
}

/* No node port: the table goes, whether it existed or not. */
static void
test_script_empty(void **state OVS_UNUSED)
{
    char *s = nodeport_script(NULL, 0);

    assert_string_equal(s, "table ip seine\ndelete table ip seine\n");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_script_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
