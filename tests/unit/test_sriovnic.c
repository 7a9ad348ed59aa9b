/* seine-nic on the recorded trees (sriov-fixtures/): show's table and
 * JSON, vfs on a copied tree, and each command's refusal where the NIC,
 * its driver or this kernel cannot; ethtool features on lo. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hwoffload/cli/niccli.h"
#include "hwoffload/ethfeat.h"
#include "hwoffload/sysattr.h"
#include "util.h"

#include "sriov-fixture.h"

struct run {
    int rc;
    char *out;
    char *err;
};

/* seine-nic with the words of 'cmd' (split on blanks) and --sysfs-root
 * 'root'. */
static struct run
nic(const char *root, const char *cmd)
{
    char *copy = xstrdup(cmd), *save = NULL, *argv[16];
    char *root_arg = xasprintf("--sysfs-root=%s", root);
    int argc = 0;
    size_t out_size, err_size;
    struct niccli_opts o;
    struct run r;
    char *why;

    argv[argc++] = "seine-nic";
    for (char *w = strtok_r(copy, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        argv[argc++] = w;
    }
    argv[argc++] = root_arg;
    argv[argc] = NULL;
    r.rc = niccli_parse(argc, argv, &o, &why);
    FILE *out = open_memstream(&r.out, &out_size);
    FILE *err = open_memstream(&r.err, &err_size);
    if (r.rc) {
        fprintf(err, "%s\n", why);
        free(why);
    } else {
        o.out = out;
        o.err = err;
        r.rc = niccli_run(&o);
    }
    fclose(out);
    fclose(err);
    free(root_arg);
    free(copy);
    return r;
}

static void
run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

static void
test_show_table(void **state)
{
    char *root = tree(state, "switchdev-cx6");
    struct run r = nic(root, "show");

    assert_int_equal(r.rc, NICCLI_EXIT_OK);
    assert_string_equal(r.err, "");
    assert_string_equal(r.out,
"PF             NETDEV        DRIVER      VFS   ESWITCH     FROM\n"
"0000:03:00.0   enp3s0f0np0   mlx5_core   4/8   switchdev   sysfs\n"
"\n"
"PF             VF   PCI            DRIVER      MODE     NETDEV       "
"REPRESENTOR\n"
"0000:03:00.0   0    0000:03:00.2   mlx5_core   netdev   enp3s0f0v0   "
"enp3s0f0npf0vf0\n"
"0000:03:00.0   1    0000:03:00.3   mlx5_core   netdev   enp3s0f0v1   "
"enp3s0f0npf0vf1\n"
"0000:03:00.0   2    0000:03:00.4   mlx5_core   netdev   enp3s0f0v2   "
"enp3s0f0npf0vf2\n"
"0000:03:00.0   3    0000:03:00.5   mlx5_core   netdev   enp3s0f0v3   "
"enp3s0f0npf0vf3\n");
    run_free(&r);
    free(root);
}

static struct json_object *
get(struct json_object *j, const char *path)
{
    char *copy = xstrdup(path), *save = NULL;

    for (char *k = strtok_r(copy, ".", &save); k && j;
         k = strtok_r(NULL, ".", &save)) {
        int i;
        j = (str_to_int(k, 10, &i) ? json_object_array_get_idx(j, i)
             : json_object_object_get(j, k));
    }
    free(copy);
    return j;
}

static void
test_show_json(void **state)
{
    char *root = tree(state, "vfio-dpdk");
    struct run r = nic(root, "show -o json");

    assert_int_equal(r.rc, NICCLI_EXIT_OK);
    struct json_object *j = json_tokener_parse(r.out);
    assert_non_null(j);
    assert_string_equal(json_object_get_string(get(j, "apiVersion")),
                        "seine-nic/v1");
    assert_int_equal(json_object_array_length(get(j, "pfs")), 1);
    assert_string_equal(json_object_get_string(get(j, "pfs.0.pci")),
                        "0000:5e:00.0");
    assert_int_equal(json_object_get_int(get(j, "pfs.0.totalVfs")), 128);
    assert_string_equal(json_object_get_string(get(j, "pfs.0.eswitchMode")),
                        "legacy");
    assert_string_equal(json_object_get_string(
                            get(j, "pfs.0.eswitchModeFrom")), "sysfs");
    assert_null(get(j, "pfs.0.switchId"));
    static const char *const want[][3] = {
        { "0000:5e:01.0", "vfio-pci", "dpdk" },
        { "0000:5e:01.1", "uio_pci_generic", "dpdk" },
        { "0000:5e:01.2", NULL, "unbound" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        char *vf = xasprintf("pfs.0.vfs.%zu", i);
        struct json_object *v = get(j, vf);
        assert_int_equal(json_object_get_int(get(v, "index")), i);
        assert_string_equal(json_object_get_string(get(v, "pci")),
                            want[i][0]);
        if (want[i][1]) {
            assert_string_equal(json_object_get_string(get(v, "driver")),
                                want[i][1]);
        } else {
            assert_null(get(v, "driver"));
        }
        assert_string_equal(json_object_get_string(get(v, "mode")),
                            want[i][2]);
        assert_null(get(v, "netdev"));
        assert_null(get(v, "representor"));
        free(vf);
    }
    json_object_put(j);
    run_free(&r);
    free(root);
}

/* Runs 'cmd' on fixture 'name': exit code 'rc', 'want' on stderr (each
 * "%s" the fixture's root), nothing on stdout. */
static void
check_refusal(void **state, const char *name, const char *cmd, int rc,
              const char *want_fmt)
{
    char *root = tree(state, name), *want = xasprintf(want_fmt, root, root);
    struct run r = nic(root, cmd);

    assert_int_equal(r.rc, rc);
    assert_string_equal(r.err, want);
    assert_string_equal(r.out, "");
    run_free(&r);
    free(want);
    free(root);
}

static void
test_refusals(void **state)
{
    check_refusal(state, "switchdev-cx6", "vfs eno1 2", 1,
                  "seine-nic vfs: 0000:00:1f.6: not an SR-IOV PF (no "
                  "sriov_totalvfs)\n");
    check_refusal(state, "switchdev-cx6", "vfs 0000:03:00.0 9", 1,
                  "seine-nic vfs: 0000:03:00.0: 9 VFs asked, the device has "
                  "at most 8 (sriov_totalvfs)\n");
    check_refusal(state, "switchdev-cx6", "vfs ens9 2", 1,
                  "seine-nic vfs: ens9: neither a PCI device nor a netdev of "
                  "a PCI device in %s\n");
    check_refusal(state, "switchdev-cx6", "vfs 0000:03:00.0 x", 2,
                  "seine-nic vfs: x: not a number of VFs\n");
    check_refusal(state, "legacy-iavf", "reps-up ens785f0", 1,
                  "seine-nic reps-up: 0000:18:00.0: no VF representors "
                  "(eswitch mode legacy: seine-nic switchdev 0000:18:00.0 "
                  "first)\n");
    check_refusal(state, "legacy-iavf", "reps-up ens785f1", 1,
                  "seine-nic reps-up: 0000:18:00.1: no VFs (seine-nic vfs "
                  "0000:18:00.1 N first)\n");
    check_refusal(state, "vfio-dpdk", "tc-offload 0000:5e:00.0 maybe", 2,
                  "seine-nic tc-offload: maybe: on or off\n");
    check_refusal(state, "bad-missing", "show", 1,
                  "seine-nic show: %s/sys/bus/pci/devices/0000:03:00.0/"
                  "sriov_numvfs: missing\n");
    check_refusal(state, "switchdev-cx6", "vfs 0000:03:00.0", 2,
                  "usage: seine-nic vfs PF N\n");
    check_refusal(state, "switchdev-cx6", "show extra", 2,
                  "extra: unexpected argument (usage: seine-nic show)\n");
    check_refusal(state, "switchdev-cx6", "frobnicate", 2,
                  "frobnicate: unknown command (seine-nic --help)\n");
}

/* The kernel calls go to this kernel, which has neither the fixture's
 * devlink device nor its netdevs: the refusals a host without the NIC
 * gives. */
static void
test_kernel_refusals(void **state)
{
    char *root = tree(state, "switchdev-cx6");
    struct run r = nic(root, "switchdev enp3s0f0np0");
    const char *want = ("seine-nic switchdev: no devlink device "
                        "pci/0000:03:00.0");

    assert_int_equal(r.rc, 1);
    assert_true(!strncmp(r.err, want, strlen(want)));
    run_free(&r);

    r = nic(root, "reps-up 0000:03:00.0");
    assert_int_equal(r.rc, 1);
    for (int i = 0; i < 4; i++) {
        char *line = xasprintf("seine-nic reps-up: VF %d: enp3s0f0npf0vf%d: "
                               "no such netdev in this network namespace\n",
                               i, i);
        assert_non_null(strstr(r.err, line));
        free(line);
    }
    run_free(&r);

    r = nic(root, "tc-offload 0000:03:00.0 on");
    assert_int_equal(r.rc, 1);
    assert_string_equal(r.err, "seine-nic tc-offload: enp3s0f0np0: no such "
                        "netdev in this network namespace\n");
    run_free(&r);
    free(root);
}

static void
test_vfs_write(void **state)
{
    char *dir = copy_tree(state, "switchdev-cx6", NULL), *text, *err = NULL;

    struct run r = nic(dir, "vfs enp3s0f0np0 6");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "0000:03:00.0: 6 VFs (had 4)\n");
    run_free(&r);
    assert_int_equal(sysattr_read(dir, "sys/bus/pci/devices/0000:03:00.0/"
                                  "sriov_numvfs", &text, &err), 0);
    assert_string_equal(text, "6");
    free(text);

    remove_tree(dir);
}

static void
test_rep(void **state)
{
    char *root = tree(state, "switchdev-cx6");
    struct run r = nic(root, "rep 0000:03:00.4");

    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "enp3s0f0npf0vf2\n");
    run_free(&r);
    free(root);
    check_refusal(state, "legacy-iavf", "rep 0000:18:02.0", 1,
                  "seine-nic rep: 0000:18:02.0 is VF 0 of 0000:18:00.0, "
                  "which has no representor for it (eswitch mode legacy: "
                  "seine-nic switchdev 0000:18:00.0)\n");
}

static void
test_usage(void **state OVS_UNUSED)
{
    char *argv[] = { "seine-nic", "--help", NULL };
    struct niccli_opts o;
    char *err;

    assert_int_equal(niccli_parse(2, argv, &o, &err), 0);
    assert_true(o.help);
}

/* lo's hw-tc-offload is off and fixed: reading works without privileges,
 * and turning it on is refused before anything is written. */
static void
test_ethfeat_lo(void **state OVS_UNUSED)
{
    struct ethfeat_state st;
    char *err = NULL;

    assert_int_equal(ethfeat_get("lo", "hw-tc-offload", &st, &err), 0);
    assert_false(st.active);
    assert_false(st.changeable);
    assert_int_equal(ethfeat_set("lo", "hw-tc-offload", true, &err),
                     -EOPNOTSUPP);
    assert_string_equal(err, "lo: the driver does not let hw-tc-offload "
                        "change (it is off, fixed)");
    free(err);
    /* Already off: nothing to do. */
    assert_int_equal(ethfeat_set("lo", "hw-tc-offload", false, &err), 0);
    assert_int_equal(ethfeat_get("lo", "no-such-feature", &st, &err),
                     -ENOENT);
    assert_string_equal(err, "lo: this kernel has no ethtool feature "
                        "\"no-such-feature\"");
    free(err);
}

int
main(int argc, char *argv[])
{
    void *dir = argc > 1 ? argv[1] : "sriov-fixtures";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_show_table, dir),
        cmocka_unit_test_prestate(test_show_json, dir),
        cmocka_unit_test_prestate(test_refusals, dir),
        cmocka_unit_test_prestate(test_kernel_refusals, dir),
        cmocka_unit_test_prestate(test_vfs_write, dir),
        cmocka_unit_test_prestate(test_rep, dir),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_ethfeat_lo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
