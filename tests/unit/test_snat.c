/* The egress SNAT table, as the exact commands the agent runs. */
#include <config.h>

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "agent/hostnet/snat.h"
#include "util.h"

static struct snat_subnet
subnet(const char *addr, int prefix_len)
{
    struct snat_subnet s = { .prefix_len = prefix_len };

    assert_int_equal(inet_pton(AF_INET, addr, &s.addr), 1);
    return s;
}

static void
test_script(void **state OVS_UNUSED)
{
    struct snat_subnet local = subnet("10.244.1.0", 24);
    struct snat_subnet all[] = { local, subnet("10.244.2.0", 24) };
    char *s = snat_script(&local, "seine-gw0", all, 2);

    assert_string_equal(s,
        "table ip seine-snat\n"
        "delete table ip seine-snat\n"
        "table ip seine-snat {\n"
        "    set podnets {\n"
        "        type ipv4_addr\n"
        "        flags interval\n"
        "        auto-merge\n"
        "        elements = { 10.244.1.0/24, 10.244.2.0/24 }\n"
        "    }\n"
        "    chain postrouting {\n"
        "        type nat hook postrouting priority 100; policy accept;\n"
        "        ip saddr 10.244.1.0/24 ip daddr != @podnets"
        " oifname != \"seine-gw0\" masquerade\n"
        "    }\n"
        "}\n");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
