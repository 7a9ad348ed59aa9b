#include <config.h>
#include "hwoffload/cli/nicshow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hwoffload/eswitch.h"
#include "hwoffload/sriovfs.h"
#include "hwoffload/vfrep.h"
#include "openvswitch/dynamic-string.h"
#include "seinectl/table.h"
#include "util.h"

static struct json_object *
string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static struct json_object *
vf_json(const struct sriovfs_vf *vf, const struct vfrep_set *reps)
{
    struct json_object *j = json_object_new_object();
    const struct vfrep *rep = vfrep_lookup(reps, vf->index);

    json_object_object_add(j, "index", json_object_new_int(vf->index));
    json_object_object_add(j, "pci", json_object_new_string(vf->pci));
    json_object_object_add(j, "driver", string_or_null(vf->driver));
    json_object_object_add(j, "mode", json_object_new_string(
                               sriovfs_vf_mode_name(vf->mode)));
    json_object_object_add(j, "netdev", string_or_null(vf->netdev));
    json_object_object_add(j, "representor",
                           string_or_null(rep ? rep->netdev : NULL));
    return j;
}

/* The eswitch mode and where it came from: devlink when asked and it
 * answers, sysfs's guess otherwise. */
static void
add_mode(struct json_object *j, const char *root, bool ask_devlink,
         const struct sriovfs_pf *pf, const struct vfrep_set *reps)
{
    enum eswitch_mode mode;
    char *err = NULL;
    bool asked = ask_devlink && !eswitch_get(pf->pci, &mode, &err);

    free(err);
    json_object_object_add(j, "eswitchMode", json_object_new_string(
                               asked ? eswitch_mode_name(mode)
                               : vfrep_eswitch_mode(root, pf, reps)));
    json_object_object_add(j, "eswitchModeFrom", json_object_new_string(
                               asked ? "devlink" : "sysfs"));
}

static int
pf_json(const char *root, bool ask_devlink, const struct sriovfs_pf *pf,
        struct json_object **jp, char **errp)
{
    struct vfrep_set reps;
    int error = vfrep_find(root, pf, &reps, errp);

    if (error) {
        return error;
    }
    struct json_object *j = json_object_new_object();
    json_object_object_add(j, "pci", json_object_new_string(pf->pci));
    json_object_object_add(j, "netdev", string_or_null(pf->netdev));
    json_object_object_add(j, "driver", string_or_null(pf->driver));
    json_object_object_add(j, "totalVfs", json_object_new_int(pf->totalvfs));
    json_object_object_add(j, "numVfs", json_object_new_int(pf->numvfs));
    json_object_object_add(j, "switchId", string_or_null(pf->switch_id));
    add_mode(j, root, ask_devlink, pf, &reps);
    struct json_object *vfs = json_object_new_array();
    for (int i = 0; i < pf->numvfs; i++) {
        json_object_array_add(vfs, vf_json(&pf->vfs[i], &reps));
    }
    json_object_object_add(j, "vfs", vfs);
    vfrep_set_destroy(&reps);
    *jp = j;
    return 0;
}

int
nicshow_collect(const char *root, bool ask_devlink, struct json_object **jp,
                char **errp)
{
    struct sriovfs_host host;
    int error = sriovfs_scan(root, &host, errp);

    *jp = NULL;
    if (error) {
        return error;
    }
    struct json_object *pfs = json_object_new_array();
    for (size_t i = 0; i < host.n_pfs && !error; i++) {
        struct json_object *pf;
        error = pf_json(root, ask_devlink, &host.pfs[i], &pf, errp);
        if (!error) {
            json_object_array_add(pfs, pf);
        }
    }
    sriovfs_host_destroy(&host);
    if (error) {
        json_object_put(pfs);
        return error;
    }
    *jp = json_object_new_object();
    json_object_object_add(*jp, "apiVersion",
                           json_object_new_string(NICSHOW_API_VERSION));
    json_object_object_add(*jp, "sysfsRoot", json_object_new_string(root));
    json_object_object_add(*jp, "pfs", pfs);
    return 0;
}

/* Member 'key' of 'obj' as a cell: NULL (printed "-") when null. */
static const char *
cell(struct json_object *obj, const char *key)
{
    struct json_object *v = json_object_object_get(obj, key);

    return v ? json_object_get_string(v) : NULL;
}

static void
render_pfs(struct json_object *pfs, struct ds *s)
{
    static const char *const headers[] = {
        "PF", "NETDEV", "DRIVER", "VFS", "ESWITCH", "FROM",
    };
    struct table t;

    table_init(&t, headers, ARRAY_SIZE(headers));
    for (size_t i = 0; i < json_object_array_length(pfs); i++) {
        struct json_object *pf = json_object_array_get_idx(pfs, i);
        char *vfs = xasprintf("%s/%s", cell(pf, "numVfs"),
                              cell(pf, "totalVfs"));
        const char *row[] = {
            cell(pf, "pci"), cell(pf, "netdev"), cell(pf, "driver"), vfs,
            cell(pf, "eswitchMode"), cell(pf, "eswitchModeFrom"),
        };
        table_add_row(&t, row);
        free(vfs);
    }
    table_format(&t, s);
    table_destroy(&t);
}

static void
render_vfs(struct json_object *pfs, struct ds *s)
{
    static const char *const headers[] = {
        "PF", "VF", "PCI", "DRIVER", "MODE", "NETDEV", "REPRESENTOR",
    };
    struct table t;

    table_init(&t, headers, ARRAY_SIZE(headers));
    for (size_t i = 0; i < json_object_array_length(pfs); i++) {
        struct json_object *pf = json_object_array_get_idx(pfs, i);
        struct json_object *vfs = json_object_object_get(pf, "vfs");
        for (size_t k = 0; k < json_object_array_length(vfs); k++) {
            struct json_object *vf = json_object_array_get_idx(vfs, k);
            const char *row[] = {
                cell(pf, "pci"), cell(vf, "index"), cell(vf, "pci"),
                cell(vf, "driver"), cell(vf, "mode"), cell(vf, "netdev"),
                cell(vf, "representor"),
            };
            table_add_row(&t, row);
        }
    }
    table_format(&t, s);
    table_destroy(&t);
}

void
nicshow_render(struct json_object *j, struct ds *s)
{
    struct json_object *pfs = json_object_object_get(j, "pfs");

    if (!json_object_array_length(pfs)) {
        ds_put_format(s, "no SR-IOV PF in %s\n", cell(j, "sysfsRoot"));
        return;
    }
    render_pfs(pfs, s);
    ds_put_char(s, '\n');
    render_vfs(pfs, s);
}
