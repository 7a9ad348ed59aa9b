/* Which netdev represents which VF (sriov-fixtures/), and the eswitch
 * mode sysfs tells. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hwoffload/sriovfs.h"
#include "hwoffload/vfrep.h"
#include "util.h"

#include "sriov-fixture.h"

static void
test_switchdev_reps(void **state)
{
    char *root = tree(state, "switchdev-cx6"), *err = NULL;
    struct sriovfs_pf pf;
    struct vfrep_set set;

    assert_int_equal(sriovfs_read_pf(root, "0000:03:00.0", &pf, &err), 0);
    assert_int_equal(vfrep_find(root, &pf, &set, &err), 0);
    /* The driver made them in the order 2, 0, 3, 1; and another NIC's
     * switch has a pf0vf1 too, which is not ours. */
    assert_int_equal(set.n, 4);
    for (int i = 0; i < 4; i++) {
        char netdev[32], port[16];
        snprintf(netdev, sizeof netdev, "enp3s0f0npf0vf%d", i);
        snprintf(port, sizeof port, "pf0vf%d", i);
        assert_int_equal(set.reps[i].vf, i);
        assert_string_equal(set.reps[i].netdev, netdev);
        assert_string_equal(set.reps[i].port_name, port);
        assert_ptr_equal(vfrep_lookup(&set, i), &set.reps[i]);
    }
    assert_null(vfrep_lookup(&set, 4));
    assert_string_equal(vfrep_eswitch_mode(root, &pf, &set), "switchdev");
    vfrep_set_destroy(&set);
    sriovfs_pf_destroy(&pf);
    free(root);
}

static void
check_for_vf(const char *root, const char *vf, const char *want)
{
    char *rep, *err = NULL;

    assert_int_equal(vfrep_for_vf(root, vf, &rep, &err), 0);
    assert_string_equal(rep, want);
    free(rep);
}

static void
test_rep_for_vf(void **state)
{
    char *root = tree(state, "switchdev-cx6");

    check_for_vf(root, "0000:03:00.2", "enp3s0f0npf0vf0");
    check_for_vf(root, "0000:03:00.3", "enp3s0f0npf0vf1");
    check_for_vf(root, "0000:03:00.4", "enp3s0f0npf0vf2");
    check_for_vf(root, "0000:03:00.5", "enp3s0f0npf0vf3");
    free(root);
}

static void
check_no_rep(void **state, const char *name, const char *vf, int error,
             const char *want_fmt)
{
    char *root = tree(state, name), *rep, *err = NULL;
    char *want = xasprintf(want_fmt, root, root);

    assert_int_equal(vfrep_for_vf(root, vf, &rep, &err), error);
    assert_null(rep);
    assert_string_equal(err, want);
    free(err);
    free(want);
    free(root);
}

static void
test_no_rep(void **state)
{
    check_no_rep(state, "legacy-iavf", "0000:18:02.1", -ENOENT,
                 "0000:18:02.1 is VF 1 of 0000:18:00.0, which has no "
                 "representor for it (eswitch mode legacy: seine-nic "
                 "switchdev 0000:18:00.0)");
    check_no_rep(state, "switchdev-cx6", "0000:03:00.0", -ENOTSUP,
                 "0000:03:00.0: not a VF (no physfn link)");
    check_no_rep(state, "switchdev-cx6", "0000:03:01.0", -ENODEV,
                 "%s/sys/bus/pci/devices/0000:03:01.0: no such PCI device");
    /* The PF's tree is broken: its error, not a made-up answer. */
    check_no_rep(state, "bad-dangling", "0000:03:00.2", -EINVAL,
                 "%s/sys/bus/pci/devices/0000:03:00.0/virtfn1: a dangling "
                 "link (VF 0000:03:00.3 is not in %s/sys/bus/pci/devices)");
}

static void
test_legacy_modes(void **state)
{
    static const char *const trees[][2] = {
        { "legacy-iavf", "0000:18:00.0" },
        { "vfio-dpdk", "0000:5e:00.0" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(trees); i++) {
        char *root = tree(state, trees[i][0]), *err = NULL;
        struct sriovfs_pf pf;
        struct vfrep_set set;

        assert_int_equal(sriovfs_read_pf(root, trees[i][1], &pf, &err), 0);
        assert_int_equal(vfrep_find(root, &pf, &set, &err), 0);
        assert_int_equal(set.n, 0);
        assert_string_equal(vfrep_eswitch_mode(root, &pf, &set), "legacy");
        vfrep_set_destroy(&set);
        sriovfs_pf_destroy(&pf);
        free(root);
    }
}

/* mlx5's compat/devlink/mode, where the kernel still has it, wins over
 * the guess from the representors. */
static void
test_compat_mode(void **state)
{
    char *dir = copy_tree(state, "legacy-iavf",
                          "d='%s/sys/class/net/ens785f0/compat/devlink' && "
                          "mkdir -p \"$d\" && echo switchdev > \"$d/mode\"");
    char *err = NULL;
    struct sriovfs_pf pf;
    struct vfrep_set set;

    assert_int_equal(sriovfs_read_pf(dir, "0000:18:00.0", &pf, &err), 0);
    assert_int_equal(vfrep_find(dir, &pf, &set, &err), 0);
    assert_string_equal(vfrep_eswitch_mode(dir, &pf, &set), "switchdev");
    vfrep_set_destroy(&set);
    sriovfs_pf_destroy(&pf);
    remove_tree(dir);
}

int
main(int argc, char *argv[])
{
    void *dir = argc > 1 ? argv[1] : "sriov-fixtures";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_switchdev_reps, dir),
        cmocka_unit_test_prestate(test_rep_for_vf, dir),
        cmocka_unit_test_prestate(test_no_rep, dir),
        cmocka_unit_test_prestate(test_legacy_modes, dir),
        cmocka_unit_test_prestate(test_compat_mode, dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
