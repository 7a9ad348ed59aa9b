/*
 * nicshow: what `seine-nic show` answers, the host's SR-IOV PFs with
 * their VFs and representors, as one JSON object (seine-nic/v1) and as
 * tables made from that object, so the two never disagree.
 *
 *   {"apiVersion": "seine-nic/v1", "sysfsRoot": "/",
 *    "pfs": [{"pci", "netdev", "driver", "totalVfs", "numVfs", "switchId",
 *             "eswitchMode", "eswitchModeFrom": "devlink"|"sysfs",
 *             "vfs": [{"index", "pci", "driver", "mode", "netdev",
 *                      "representor"}]}]}
 *
 * Absent values are null.
 */
#ifndef HWOFFLOAD_CLI_NICSHOW_H
#define HWOFFLOAD_CLI_NICSHOW_H 1

#include <stdbool.h>
#include <json-c/json.h>

struct ds;

#define NICSHOW_API_VERSION "seine-nic/v1"

/* The PFs below 'root' into a new '*jp'.  With 'ask_devlink' (the root is
 * the host's own sysfs) the eswitch mode is devlink's where it answers.
 * 0, or a negative errno with why in '*errp'. */
int nicshow_collect(const char *root, bool ask_devlink,
                    struct json_object **jp, char **errp);

/* Appends 'j' (nicshow_collect()'s) as two tables: the PFs, the VFs. */
void nicshow_render(struct json_object *j, struct ds *);

#endif /* hwoffload/cli/nicshow.h */
