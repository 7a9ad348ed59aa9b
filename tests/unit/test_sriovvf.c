/* The VF of an sriov attachment as the agent finds it (sriov-fixtures/),
 * the OVSDB row of a DPDK-mode VF's representor, and its device-info
 * file. */
#include <config.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/pods/podstore.h"
#include "agent/pods/sriovvf.h"
#include "dataplane/ovsbridge.h"
#include "smap.h"
#include "util.h"

#include "sriov-fixture.h"

/* VF 3 of the ConnectX fixture bound to vfio-pci, its netdev gone: what a
 * host shows once the VF is given to DPDK (the representor stays). */
#define TO_VFIO \
    "cd '%s/sys' && d=devices/pci0000:00/0000:03:00.5 && rm -rf $d/net " \
    "class/net/enp3s0f0v3 && mkdir -p bus/pci/drivers/vfio-pci " \
    "&& ln -sfn ../../../bus/pci/drivers/vfio-pci $d/driver"

static void
test_kernel_vf(void **state)
{
    char *root = tree(state, "switchdev-cx6"), *why = NULL;
    struct sriovvf_dev dev;

    assert_int_equal(sriovvf_lookup(root, "0000:03:00.5", &dev, &why), 0);
    assert_string_equal(dev.pci, "0000:03:00.5");
    assert_string_equal(dev.pf_pci, "0000:03:00.0");
    assert_string_equal(dev.pf_netdev, "enp3s0f0np0");
    assert_int_equal(dev.index, 3);
    assert_int_equal(dev.mode, SRIOVFS_VF_NETDEV);
    assert_string_equal(dev.driver, "mlx5_core");
    assert_string_equal(dev.netdev, "enp3s0f0v3");
    assert_string_equal(dev.representor, "enp3s0f0npf0vf3");
    sriovvf_dev_destroy(&dev);
    free(root);
}

static void
test_refused(void **state)
{
    struct { const char *fixture, *pci; int error; const char *why; } cases[] = {
        { "switchdev-cx6", "0000:03:00.7", -ENODEV, "no such PCI device" },
        { "switchdev-cx6", "0000:03:00.0", -ENOTSUP, "not a VF" },
        { "legacy-iavf", "0000:18:02.0", -ENOENT, "eswitch mode legacy" },
        { "vfio-dpdk", "0000:5e:01.0", -ENOENT, "no representor" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *root = tree(state, cases[i].fixture), *why = NULL;
        struct sriovvf_dev dev;

        assert_int_equal(sriovvf_lookup(root, cases[i].pci, &dev, &why),
                         cases[i].error);
        assert_non_null(why);
        if (!strstr(why, cases[i].why)) {
            fail_msg("%s %s: '%s' lacks '%s'", cases[i].fixture,
                     cases[i].pci, why, cases[i].why);
        }
        assert_null(dev.pci);
        free(why);
        free(root);
    }
}

/* The representor of a DPDK-mode VF is a type=dpdk Interface whose
 * options are exactly dpdk-devargs=<PF>,representor=vf<N>. */
static void
test_dpdk_vf_port(void **state)
{
    char *root = copy_tree(state, "switchdev-cx6", TO_VFIO), *why = NULL;
    struct smap options = SMAP_INITIALIZER(&options);
    struct sriovvf_dev dev;

    assert_int_equal(sriovvf_lookup(root, "0000:03:00.5", &dev, &why), 0);
    assert_int_equal(dev.mode, SRIOVFS_VF_DPDK);
    assert_string_equal(dev.driver, "vfio-pci");
    assert_null(dev.netdev);
    assert_string_equal(dev.representor, "enp3s0f0npf0vf3");

    char *devargs = sriovvf_rep_devargs(&dev);
    struct ovsbridge_port_spec spec = {
        .name = dev.representor,
        .type = OVSBRIDGE_PORT_DPDK,
        .dpdk_devargs = devargs,
        .owner = "cid/net1",
    };
    assert_string_equal(ovsbridge_port_type_name(spec.type), "dpdk");
    ovsbridge_port_options(&spec, &options);
    assert_int_equal(smap_count(&options), 1);
    assert_string_equal(smap_get(&options, "dpdk-devargs"),
                        "0000:03:00.0,representor=vf3");
    smap_destroy(&options);
    free(devargs);
    sriovvf_dev_destroy(&dev);
    remove_tree(root);
}

static const char *
obj_str(struct json_object *obj, const char *key)
{
    struct json_object *v;

    assert_true(json_object_object_get_ex(obj, key, &v));
    return json_object_get_string(v);
}

static void
test_devinfo(void **state)
{
    char *root = copy_tree(state, "switchdev-cx6", TO_VFIO), *why = NULL;
    char *path = xasprintf("%s/dev.json", root);
    struct sriovvf_dev dev;
    struct json_object *obj, *pci;

    assert_int_equal(sriovvf_lookup(root, "0000:03:00.5", &dev, &why), 0);
    assert_int_equal(sriovvf_write_devinfo(path, &dev), 0);
    obj = json_object_from_file(path);
    assert_non_null(obj);
    assert_string_equal(obj_str(obj, "type"), "pci");
    assert_string_equal(obj_str(obj, "version"), "1.1.0");
    assert_true(json_object_object_get_ex(obj, "pci", &pci));
    assert_string_equal(obj_str(pci, "pci-address"), "0000:03:00.5");
    assert_string_equal(obj_str(pci, "pf-pci-address"), "0000:03:00.0");
    assert_string_equal(obj_str(pci, "representor-device"),
                        "enp3s0f0npf0vf3");
    json_object_put(obj);
    char *tmp = xasprintf("%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);
    free(tmp);

    char *nodir = xasprintf("%s/missing/dev.json", root);
    assert_int_equal(sriovvf_write_devinfo(nodir, &dev), -ENOENT);
    free(nodir);
    sriovvf_dev_destroy(&dev);
    free(path);
    remove_tree(root);
}

/* Settings the network asks for need a PF that reported the VF's: with
 * none read, nothing is written and asking is refused, saying why. */
static void
test_configure_without_pf_settings(void **state OVS_UNUSED)
{
    static const uint8_t mac[6] = { 0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x09 };
    struct sriovvf_dev dev = { .pci = "0000:03:00.2", .pf_pci = "0000:03:00.0",
                               .pf_netdev = "enp3s0f0np0" };
    struct podrec_vf vf = {
        .pci = "0000:03:00.2",
        .vf_info = "skipped: PF netdev enp3s0f0np0 reports no IFLA_VF_INFO "
                   "for VF 0",
    };
    char *why = NULL;

    assert_int_equal(sriovvf_configure(&dev, &vf, mac, NULL, &why), 0);
    assert_null(why);
    assert_int_equal(sriovvf_configure(&dev, &vf, mac, "vlan=100 qos=0",
                                       &why), -ENOTSUP);
    assert_non_null(strstr(why, "the network asks for \"vlan=100 qos=0\", "
                                "but VF 0000:03:00.2's settings are not "
                                "writable (skipped: PF netdev"));
    free(why);
    why = NULL;
    assert_int_equal(sriovvf_configure(&dev, &vf, mac, "vlan=x", &why),
                     -EINVAL);
    assert_non_null(strstr(why, "\"vlan=x\" are not valid"));
    free(why);
    why = NULL;
    vf.vf_info = NULL;          /* a record from before settings were kept */
    assert_int_equal(sriovvf_configure(&dev, &vf, mac, "trust=on", &why),
                     -ENOTSUP);
    assert_non_null(strstr(why, "(none read)"));
    free(why);
}

int
main(int argc, char *argv[])
{
    void *dir = argc > 1 ? argv[1] : "sriov-fixtures";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_kernel_vf, dir),
        cmocka_unit_test_prestate(test_refused, dir),
        cmocka_unit_test_prestate(test_dpdk_vf_port, dir),
        cmocka_unit_test_prestate(test_devinfo, dir),
        cmocka_unit_test(test_configure_without_pf_settings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
