/* The metrics guard table, as the exact commands the agent runs. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "agent/hostnet/hostguard.h"
#include "util.h"

static void
test_guarded(void **state OVS_UNUSED)
{
    char *s = hostguard_script("seine-gw0", 9464);

    assert_string_equal(s,
        "table inet seine-guard\n"
        "delete table inet seine-guard\n"
        "table inet seine-guard {\n"
        "    chain input {\n"
        "        type filter hook input priority 0; policy accept;\n"
        "        iifname \"seine-gw0\" tcp dport 9464 counter drop\n"
        "    }\n"
        "}\n");
    free(s);
}

/* No endpoint, or pods allowed to it: the table goes. */
static void
test_removed(void **state OVS_UNUSED)
{
    char *s = hostguard_script("seine-gw0", 0);

    assert_string_equal(s,
        "table inet seine-guard\n"
        "delete table inet seine-guard\n");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guarded),
        cmocka_unit_test(test_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
