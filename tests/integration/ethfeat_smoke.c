/* ethfeat_smoke: drives hwoffload/ethfeat from the command line so that
 * test-sriov-nic.sh can check a feature the driver lets change (which
 * seine-nic's hw-tc-offload is not on veth) with ethtool(8).
 *
 *   ethfeat_smoke IFNAME FEATURE get|on|off
 *
 * Prints the feature's state after the call ("on" or "off", then
 * "changeable" or "fixed"); the exit status is 0, or the errno the call
 * returned. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwoffload/ethfeat.h"
#include "util.h"

int
main(int argc, char *argv[])
{
    struct ethfeat_state st;
    char *err = NULL;
    int error = 0;

    if (argc != 4 || (strcmp(argv[3], "get") && strcmp(argv[3], "on")
                      && strcmp(argv[3], "off"))) {
        fprintf(stderr, "usage: %s IFNAME FEATURE get|on|off\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[3], "get")) {
        error = ethfeat_set(argv[1], argv[2], !strcmp(argv[3], "on"), &err);
    }
    if (!error) {
        error = ethfeat_get(argv[1], argv[2], &st, &err);
    }
    if (error) {
        fprintf(stderr, "%s\n", err);
        free(err);
        return -error;
    }
    printf("%s %s\n", st.active ? "on" : "off",
           st.changeable ? "changeable" : "fixed");
    return 0;
}
