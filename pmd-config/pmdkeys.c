#include <config.h>
#include "pmd-config/pmdkeys.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct pmdkey keys[] = {
    { PMDKEY_PMD_CPU_MASK, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_LCORE_MASK, false, OVSBRIDGE_OVS_OTHER_CONFIG, true },
    { PMDKEY_SOCKET_MEM, false, OVSBRIDGE_OVS_OTHER_CONFIG, true },
    { PMDKEY_SOCKET_LIMIT, false, OVSBRIDGE_OVS_OTHER_CONFIG, true },
    { PMDKEY_PER_PORT_MEMORY, false, OVSBRIDGE_OVS_OTHER_CONFIG, true },
    { PMDKEY_RXQ_ASSIGN, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_RXQ_ISOLATE, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_AUTO_LB, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_AUTO_LB_LOAD, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_AUTO_LB_IMPROVEMENT, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_AUTO_LB_INTERVAL, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_MAXSLEEP, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_SLEEP_MAX, false, OVSBRIDGE_OVS_OTHER_CONFIG, false },
    { PMDKEY_N_RXQ, true, OVSBRIDGE_IFACE_OPTIONS, false },
    { PMDKEY_RXQ_AFFINITY, true, OVSBRIDGE_IFACE_OTHER_CONFIG, false },
};

const struct pmdkey *
pmdkey_find(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!strcmp(keys[i].key, key)) {
            return &keys[i];
        }
    }
    return NULL;
}

const struct pmdkey *
pmdkey_parse(const char *name, char **portp)
{
    const char *slash = strrchr(name, '/');
    const struct pmdkey *k = pmdkey_find(slash ? slash + 1 : name);

    *portp = NULL;
    if (!k || k->per_port != (slash != NULL) || slash == name) {
        return NULL;
    }
    if (slash) {
        *portp = xmemdup0(name, slash - name);
    }
    return k;
}
