/* SR-IOV discovery on the recorded sysfs trees of sriov-fixtures/: what
 * each PF and VF is, the broken trees' errors, and writing sriov_numvfs
 * on a copy. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwoffload/sriovfs.h"
#include "hwoffload/sysattr.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

#include "sriov-fixture.h"

static void
check_vf(const struct sriovfs_vf *vf, int index, const char *pci,
         const char *driver, const char *netdev, enum sriovfs_vf_mode mode)
{
    assert_int_equal(vf->index, index);
    assert_string_equal(vf->pci, pci);
    if (driver) {
        assert_string_equal(vf->driver, driver);
    } else {
        assert_null(vf->driver);
    }
    if (netdev) {
        assert_string_equal(vf->netdev, netdev);
    } else {
        assert_null(vf->netdev);
    }
    assert_int_equal(vf->mode, mode);
}

static void
test_switchdev(void **state)
{
    char *root = tree(state, "switchdev-cx6"), *err = NULL;
    struct sriovfs_host host;

    assert_int_equal(sriovfs_scan(root, &host, &err), 0);
    /* eno1 (0000:00:1f.6) has no sriov_totalvfs: not a PF. */
    assert_int_equal(host.n_pfs, 1);
    const struct sriovfs_pf *pf = &host.pfs[0];
    assert_string_equal(pf->pci, "0000:03:00.0");
    assert_string_equal(pf->driver, "mlx5_core");
    /* Its net/ folder holds the representors too: not one of them. */
    assert_string_equal(pf->netdev, "enp3s0f0np0");
    assert_string_equal(pf->switch_id, "b8cef60300a1e2d4");
    assert_int_equal(pf->totalvfs, 8);
    assert_int_equal(pf->numvfs, 4);
    for (int i = 0; i < 4; i++) {
        char pci[16], netdev[16];
        snprintf(pci, sizeof pci, "0000:03:00.%d", i + 2);
        snprintf(netdev, sizeof netdev, "enp3s0f0v%d", i);
        check_vf(&pf->vfs[i], i, pci, "mlx5_core", netdev,
                 SRIOVFS_VF_NETDEV);
    }
    sriovfs_host_destroy(&host);
    free(root);
}

static void
test_legacy(void **state)
{
    char *root = tree(state, "legacy-iavf"), *err = NULL;
    struct sriovfs_host host;

    assert_int_equal(sriovfs_scan(root, &host, &err), 0);
    assert_int_equal(host.n_pfs, 2);
    const struct sriovfs_pf *pf = &host.pfs[0];
    assert_string_equal(pf->pci, "0000:18:00.0");
    assert_string_equal(pf->driver, "i40e");
    assert_string_equal(pf->netdev, "ens785f0");
    assert_null(pf->switch_id);
    assert_int_equal(pf->totalvfs, 64);
    assert_int_equal(pf->numvfs, 2);
    check_vf(&pf->vfs[0], 0, "0000:18:02.0", "iavf", "ens785f0v0",
             SRIOVFS_VF_NETDEV);
    check_vf(&pf->vfs[1], 1, "0000:18:02.1", "iavf", "ens785f0v1",
             SRIOVFS_VF_NETDEV);
    /* A PF without VFs yet. */
    assert_string_equal(host.pfs[1].pci, "0000:18:00.1");
    assert_int_equal(host.pfs[1].numvfs, 0);
    assert_int_equal(host.pfs[1].totalvfs, 64);
    sriovfs_host_destroy(&host);
    free(root);
}

static void
test_dpdk_vfs(void **state)
{
    char *root = tree(state, "vfio-dpdk"), *err = NULL;
    struct sriovfs_pf pf;

    assert_int_equal(sriovfs_read_pf(root, "0000:5e:00.0", &pf, &err), 0);
    assert_string_equal(pf.driver, "ice");
    assert_int_equal(pf.numvfs, 3);
    check_vf(&pf.vfs[0], 0, "0000:5e:01.0", "vfio-pci", NULL,
             SRIOVFS_VF_DPDK);
    check_vf(&pf.vfs[1], 1, "0000:5e:01.1", "uio_pci_generic", NULL,
             SRIOVFS_VF_DPDK);
    check_vf(&pf.vfs[2], 2, "0000:5e:01.2", NULL, NULL, SRIOVFS_VF_UNBOUND);
    assert_string_equal(sriovfs_vf_mode_name(pf.vfs[0].mode), "dpdk");
    assert_string_equal(sriovfs_vf_mode_name(pf.vfs[2].mode), "unbound");
    sriovfs_pf_destroy(&pf);
    free(root);
}

/* Reading PF 'pci' of fixture 'name' fails with 'error' and 'want' (each "%s"
 * of it the fixture's root). */
static void
check_bad(void **state, const char *name, const char *pci, int error,
          const char *want_fmt)
{
    char *root = tree(state, name), *err = NULL;
    char *want = xasprintf(want_fmt, root, root);
    struct sriovfs_pf pf;
    struct sriovfs_host host;

    assert_int_equal(sriovfs_read_pf(root, pci, &pf, &err), error);
    assert_string_equal(err, want);
    free(err);
    err = NULL;
    /* The scan stops at the same error. */
    if (error != -ENODEV && error != -ENOTSUP) {
        assert_int_equal(sriovfs_scan(root, &host, &err), error);
        assert_string_equal(err, want);
        free(err);
    }
    free(want);
    free(root);
}

static void
test_bad_trees(void **state)
{
    check_bad(state, "bad-dangling", "0000:03:00.0", -EINVAL,
              "%s/sys/bus/pci/devices/0000:03:00.0/virtfn1: a dangling link "
              "(VF 0000:03:00.3 is not in %s/sys/bus/pci/devices)");
    check_bad(state, "bad-missing", "0000:03:00.0", -ENOENT,
              "%s/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs: missing");
    check_bad(state, "bad-count", "0000:03:00.0", -EINVAL,
              "0000:03:00.0: sriov_numvfs is 3 but there are 1 virtfn "
              "links");
    check_bad(state, "bad-number", "0000:03:00.0", -EINVAL,
              "%s/sys/bus/pci/devices/0000:03:00.0/sriov_totalvfs: "
              "\"eight\" is not a count");
    check_bad(state, "switchdev-cx6", "0000:00:1f.6", -ENOTSUP,
              "0000:00:1f.6: not an SR-IOV PF (no sriov_totalvfs)");
    check_bad(state, "switchdev-cx6", "0000:09:00.0", -ENODEV,
              "%s/sys/bus/pci/devices/0000:09:00.0: no such PCI device");
}

static void
test_not_a_tree(void **state)
{
    char *root = tree(state, "no-such-tree"), *err = NULL;
    char *want = xasprintf("%s/sys/bus/pci/devices: No such file or "
                           "directory", root);
    struct sriovfs_host host;

    assert_int_equal(sriovfs_scan(root, &host, &err), -ENOENT);
    assert_string_equal(err, want);
    free(err);
    free(want);
    free(root);
}

static void
test_resolve(void **state)
{
    char *root = tree(state, "switchdev-cx6"), *err = NULL, *pci;

    assert_int_equal(sriovfs_resolve(root, "0000:03:00.0", &pci, &err), 0);
    assert_string_equal(pci, "0000:03:00.0");
    free(pci);
    assert_int_equal(sriovfs_resolve(root, "enp3s0f0np0", &pci, &err), 0);
    assert_string_equal(pci, "0000:03:00.0");
    free(pci);
    assert_int_equal(sriovfs_resolve(root, "enp3s0f0v2", &pci, &err), 0);
    assert_string_equal(pci, "0000:03:00.4");
    free(pci);
    assert_int_equal(sriovfs_resolve(root, "../../etc", &pci, &err),
                     -ENODEV);
    assert_non_null(strstr(err, "../../etc: neither a PCI device nor a "
                           "netdev of a PCI device in "));
    free(err);
    free(root);
}

static void
test_port_names(void **state OVS_UNUSED)
{
    int pf, vf;

    assert_true(sriovfs_parse_vf_port("pf0vf3", &pf, &vf));
    assert_int_equal(pf, 0);
    assert_int_equal(vf, 3);
    assert_true(sriovfs_parse_vf_port("pf1vf12", &pf, &vf));
    assert_int_equal(vf, 12);
    assert_false(sriovfs_parse_vf_port("p0", &pf, &vf));
    assert_false(sriovfs_parse_vf_port("pf0", &pf, &vf));
    assert_false(sriovfs_parse_vf_port("pf0vf3x", &pf, &vf));
    assert_false(sriovfs_parse_vf_port("pf0sf1", &pf, &vf));
    assert_int_equal(sriovfs_pci_function("0000:03:00.1"), 1);
    assert_int_equal(sriovfs_pci_function("0000:03:00"), -1);
}

static void
check_numvfs(const char *root, const char *pci, const char *want)
{
    char *rel = xasprintf("sys/bus/pci/devices/%s/sriov_numvfs", pci);
    char *text, *err = NULL;

    assert_int_equal(sysattr_read(root, rel, &text, &err), 0);
    assert_string_equal(text, want);
    free(text);
    free(rel);
}

static void
test_set_numvfs(void **state)
{
    char *root = copy_tree(state, "legacy-iavf", NULL), *err = NULL;
    struct sriovfs_pf pf;

    assert_int_equal(sriovfs_read_pf(root, "0000:18:00.0", &pf, &err), 0);
    assert_int_equal(sriovfs_set_numvfs(root, &pf, 65, &err), -ERANGE);
    assert_string_equal(err, "0000:18:00.0: 65 VFs asked, the device has at "
                        "most 64 (sriov_totalvfs)");
    free(err);
    check_numvfs(root, "0000:18:00.0", "2");
    assert_int_equal(sriovfs_set_numvfs(root, &pf, 8, &err), 0);
    check_numvfs(root, "0000:18:00.0", "8");
    assert_int_equal(sriovfs_set_numvfs(root, &pf, 0, &err), 0);
    check_numvfs(root, "0000:18:00.0", "0");
    sriovfs_pf_destroy(&pf);

    remove_tree(root);
}

/* What was written to a FIFO, up to "end\n". */
struct fifo_log {
    char *path;
    struct ds text;
};

static void *
read_fifo(void *log_)
{
    struct fifo_log *log = log_;
    /* Read-write, so that the reader itself keeps a writer on the FIFO: it
     * never sees end-of-file between two of the writer's opens, and what a
     * writer puts there is never dropped by a reader's close. */
    FILE *f = fopen(log->path, "r+");
    int c;

    assert_non_null(f);
    while (!strstr(ds_cstr(&log->text), "end\n") && (c = getc(f)) != EOF) {
        ds_put_char(&log->text, c);
    }
    fclose(f);
    return NULL;
}

/* The kernel takes a new count only from 0: every write, in order, seen
 * through a FIFO in place of sriov_numvfs. */
static void
test_numvfs_order(void **state)
{
    char *root = copy_tree(state, "legacy-iavf", NULL), *err = NULL;
    struct fifo_log log = { .text = DS_EMPTY_INITIALIZER };
    struct sriovfs_pf pf;
    pthread_t reader;

    assert_int_equal(sriovfs_read_pf(root, "0000:18:00.0", &pf, &err), 0);
    log.path = xasprintf("%s/sys/bus/pci/devices/0000:18:00.0/sriov_numvfs",
                         root);
    assert_int_equal(unlink(log.path), 0);
    assert_int_equal(mkfifo(log.path, 0600), 0);
    assert_int_equal(pthread_create(&reader, NULL, read_fifo, &log), 0);

    assert_int_equal(sriovfs_set_numvfs(root, &pf, 8, &err), 0);
    /* The same PF as it would be read with no VFs, then with 3. */
    struct sriovfs_pf bare = { .pci = pf.pci, .totalvfs = pf.totalvfs };
    assert_int_equal(sriovfs_set_numvfs(root, &bare, 3, &err), 0);
    bare.numvfs = 3;
    assert_int_equal(sriovfs_set_numvfs(root, &bare, 3, &err), 0);

    FILE *f = fopen(log.path, "w");
    assert_non_null(f);
    fputs("end\n", f);
    fclose(f);
    assert_int_equal(pthread_join(reader, NULL), 0);
    /* 2 -> 8 through 0; 0 -> 3 directly; 3 -> 3 not written at all. */
    assert_string_equal(ds_cstr(&log.text), "0\n8\n3\nend\n");
    ds_destroy(&log.text);
    free(log.path);
    sriovfs_pf_destroy(&pf);
    remove_tree(root);
}

int
main(int argc, char *argv[])
{
    void *dir = argc > 1 ? argv[1] : "sriov-fixtures";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_switchdev, dir),
        cmocka_unit_test_prestate(test_legacy, dir),
        cmocka_unit_test_prestate(test_dpdk_vfs, dir),
        cmocka_unit_test_prestate(test_bad_trees, dir),
        cmocka_unit_test_prestate(test_not_a_tree, dir),
        cmocka_unit_test_prestate(test_resolve, dir),
        cmocka_unit_test(test_port_names),
        cmocka_unit_test_prestate(test_set_numvfs, dir),
        cmocka_unit_test_prestate(test_numvfs_order, dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
