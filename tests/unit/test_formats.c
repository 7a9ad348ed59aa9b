/* What one agent leaves for the next: the state folder of release 0.1.0
 * (recorded from that release's agent) loads in this one, records and
 * the state folder say their format, and newer formats are refused with
 * nothing changed. */
#include <config.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "agent/core/formats.h"
#include "agent/pods/podstore.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

static const char *fixture_dir;     /* tests/unit/state-fixtures */

struct scratch {
    char dir[64];
};

static int
scratch_setup(void **state)
{
    struct scratch *s = xzalloc(sizeof *s);

    snprintf(s->dir, sizeof s->dir, "/tmp/seine-formats-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    *state = s;
    return 0;
}

static char *
slurp(const char *path)
{
    struct ds ds = DS_EMPTY_INITIALIZER;
    FILE *f = fopen(path, "r");

    if (!f) {
        return NULL;
    }
    int c;
    while ((c = getc(f)) != EOF) {
        ds_put_char(&ds, c);
    }
    fclose(f);
    return ds_steal_cstr(&ds);
}

static void
spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Calls 'fn' for each regular file of 'dir' (by name). */
static void
for_each_file(const char *dir, void (*fn)(const char *dir, const char *name,
                                          void *aux), void *aux)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            fn(dir, de->d_name, aux);
        }
    }
    closedir(d);
}

static void
remove_file(const char *dir, const char *name, void *aux OVS_UNUSED)
{
    char *path = xasprintf("%s/%s", dir, name);
    unlink(path);
    free(path);
}

static int
scratch_teardown(void **state)
{
    struct scratch *s = *state;
    char *pods = xasprintf("%s/pods", s->dir);

    if (!access(pods, F_OK)) {
        for_each_file(pods, remove_file, NULL);
        rmdir(pods);
    }
    for_each_file(s->dir, remove_file, NULL);
    rmdir(s->dir);
    free(pods);
    free(s);
    return 0;
}

static void
copy_file(const char *dir, const char *name, void *to_)
{
    const char *to = to_;
    char *from_path = xasprintf("%s/%s", dir, name);
    char *to_path = xasprintf("%s/%s", to, name);
    char *text = slurp(from_path);

    if (text) {
        spit(to_path, text);
    }
    free(text);
    free(to_path);
    free(from_path);
}

static size_t
n_json;

static void
count_json(const char *dir OVS_UNUSED, const char *name, void *aux OVS_UNUSED)
{
    const char *dot = strrchr(name, '.');
    n_json += dot && !strcmp(dot, ".json");
}

/* Copies the state folder release 'rel' left into the scratch folder. */
static void
copy_release(const struct scratch *s, const char *rel)
{
    char *from = xasprintf("%s/%s", fixture_dir, rel);
    char *from_pods = xasprintf("%s/pods", from);
    char *to_pods = xasprintf("%s/pods", s->dir);

    assert_int_equal(mkdir(to_pods, 0700), 0);
    copy_file(from, "round", (void *) s->dir);
    for_each_file(from_pods, copy_file, to_pods);
    n_json = 0;
    for_each_file(from_pods, count_json, NULL);
    free(to_pods);
    free(from_pods);
    free(from);
}

static const struct podrec *
find_type(const struct podstore *store, enum podstore_type type)
{
    struct podrec *rec;

    PODSTORE_FOR_EACH_SAFE (rec, store) {
        if (rec->type == type) {
            return rec;
        }
    }
    return NULL;
}

/* Every record release 0.1.0 wrote loads, with every field it wrote. */
static void
test_release_0_1_0_loads(void **state)
{
    struct scratch *s = *state;
    struct podstore store;
    char *err = NULL;

    copy_release(s, "0.1.0");
    assert_true(n_json >= 3);
    assert_int_equal(formats_check_state(s->dir, &err), 0);
    assert_null(err);
    assert_int_equal(podstore_open(s->dir, &store), 0);
    assert_int_equal(podstore_count(&store), n_json);

    const struct podrec *afxdp = find_type(&store, PODSTORE_AFXDP);
    const struct podrec *vhost = find_type(&store, PODSTORE_VHOSTUSER);
    assert_non_null(afxdp);
    assert_non_null(find_type(&store, PODSTORE_TAP));
    assert_non_null(vhost);
    assert_non_null(afxdp->netns);
    assert_non_null(afxdp->port_name);
    assert_non_null(afxdp->pod_name);
    assert_int_equal(afxdp->prefix_len, 24);
    assert_true(afxdp->mtu >= 1280);
    assert_true(afxdp->owner != 0);
    assert_true(afxdp->ip.s_addr != 0);
    assert_non_null(vhost->socket_path);
    assert_non_null(vhost->socket_dir);
    podstore_close(&store);
}

/* The state folder and every record it writes say their format. */
static void
test_written_formats(void **state)
{
    struct scratch *s = *state;
    struct podstore store;
    char *err = NULL;

    copy_release(s, "0.1.0");
    assert_int_equal(formats_check_state(s->dir, &err), 0);
    char *path = xasprintf("%s/format", s->dir);
    char *text = slurp(path);
    assert_string_equal(text, "1\n");
    free(text);

    assert_int_equal(podstore_open(s->dir, &store), 0);
    struct podrec *rec = CONST_CAST(struct podrec *,
                                    find_type(&store, PODSTORE_TAP));
    struct podrec *copy = xmemdup(rec, sizeof *rec);
    copy->container_id = xstrdup(rec->container_id);
    copy->ifname = xstrdup(rec->ifname);
    copy->netns = nullable_xstrdup(rec->netns);
    copy->port_name = xstrdup(rec->port_name);
    copy->socket_dir = copy->socket_path = NULL;
    copy->pod_namespace = nullable_xstrdup(rec->pod_namespace);
    copy->pod_name = nullable_xstrdup(rec->pod_name);
    copy->pod_uid = nullable_xstrdup(rec->pod_uid);
    assert_int_equal(podstore_put(&store, copy), 0);
    char *rec_path = xasprintf("%s/pods/%s_%s.json", s->dir,
                               copy->container_id, copy->ifname);
    struct json_object *obj = json_object_from_file(rec_path);
    struct json_object *v;
    /* The oldest format that holds it: a node without sriov pods stays
     * readable by an agent of format 1. */
    assert_true(json_object_object_get_ex(obj, "format", &v));
    assert_int_equal(json_object_get_int(v), 1);
    json_object_put(obj);
    podstore_close(&store);

    /* A second agent start reads what the first wrote. */
    assert_int_equal(formats_check_state(s->dir, &err), 0);
    assert_int_equal(podstore_open(s->dir, &store), 0);
    assert_int_equal(podstore_count(&store), n_json);
    podstore_close(&store);
    free(rec_path);
    free(path);
}

/* A state folder of a later release is refused and left as it was. */
static void
test_newer_state_refused(void **state)
{
    struct scratch *s = *state;
    char *path = xasprintf("%s/format", s->dir);
    char *err = NULL;

    spit(path, "2\n");
    assert_int_equal(formats_check_state(s->dir, &err), -EPROTONOSUPPORT);
    assert_non_null(strstr(err, "state format 2 is newer than this "
                                "agent's (1)"));
    assert_non_null(strstr(err, path));
    free(err);
    char *text = slurp(path);
    assert_string_equal(text, "2\n");
    free(text);

    spit(path, "two\n");
    assert_int_equal(formats_check_state(s->dir, &err), -EPROTONOSUPPORT);
    assert_non_null(strstr(err, "is not a format number"));
    free(err);
    free(path);
}

/* A pod record of a later release stops the store from opening (an
 * older agent must not treat that pod as unknown and sweep it); a record
 * with a bad format is skipped like any unreadable file. */
static void
test_newer_record_refused(void **state)
{
    struct scratch *s = *state;
    struct podstore store;

    copy_release(s, "0.1.0");
    char *path = xasprintf("%s/pods/later_eth0.json", s->dir);
    char *later = xasprintf("{\"format\": %d, \"containerID\": \"later\", "
                            "\"ifname\": \"eth0\"}", PODSTORE_FORMAT + 1);
    spit(path, later);
    free(later);
    assert_int_equal(podstore_open(s->dir, &store), -EPROTONOSUPPORT);
    podstore_close(&store);
    assert_int_equal(access(path, F_OK), 0);

    spit(path, "{\"format\": \"x\", \"containerID\": \"later\"}");
    assert_int_equal(podstore_open(s->dir, &store), 0);
    assert_int_equal(podstore_count(&store), n_json);
    podstore_close(&store);
    free(path);
}

/* An sriov record says format 2, carries its VF's saved state, and loads
 * beside release 0.1.0's records; one without its "sriov" object is
 * unreadable and skipped. */
static void
test_sriov_record(void **state)
{
    struct scratch *s = *state;
    struct podstore store;

    copy_release(s, "0.1.0");
    assert_int_equal(podstore_open(s->dir, &store), 0);
    struct podrec *rec = xzalloc(sizeof *rec);
    rec->container_id = xstrdup("vfpod");
    rec->ifname = xstrdup("net1");
    rec->netns = xstrdup("/run/netns/vfpod");
    rec->type = PODSTORE_SRIOV;
    rec->port_name = xstrdup("enp3s0f0npf0vf1");
    rec->ip.s_addr = htonl(0x0af40109);
    rec->prefix_len = 24;
    rec->mtu = 1500;
    rec->vf = xzalloc(sizeof *rec->vf);
    rec->vf->pci = xstrdup("0000:03:00.3");
    rec->vf->netdev = xstrdup("enp3s0f0v1");
    memcpy(rec->vf->mac, "\x02\x11\x22\x33\x44\x55", 6);
    rec->vf->mtu = 9000;
    rec->vf->up = true;
    rec->vf->vf_info = xstrdup("skipped: PF netdev enp3s0f0np0: No such "
                               "device");
    assert_int_equal(podstore_put(&store, rec), 0);
    podstore_close(&store);

    char *path = xasprintf("%s/pods/vfpod_net1.json", s->dir);
    struct json_object *obj = json_object_from_file(path);
    struct json_object *v;
    assert_true(json_object_object_get_ex(obj, "format", &v));
    assert_int_equal(json_object_get_int(v), 2);
    json_object_put(obj);

    assert_int_equal(podstore_open(s->dir, &store), 0);
    assert_int_equal(podstore_count(&store), n_json + 1);
    const struct podrec *back = podstore_find(&store, "vfpod", "net1");
    assert_non_null(back);
    assert_int_equal(back->type, PODSTORE_SRIOV);
    assert_non_null(back->vf);
    assert_string_equal(back->vf->pci, "0000:03:00.3");
    assert_string_equal(back->vf->netdev, "enp3s0f0v1");
    assert_memory_equal(back->vf->mac, "\x02\x11\x22\x33\x44\x55", 6);
    assert_int_equal(back->vf->mtu, 9000);
    assert_true(back->vf->up);
    assert_non_null(strstr(back->vf->vf_info, "skipped"));
    assert_null(find_type(&store, PODSTORE_TAP)->vf);
    podstore_close(&store);

    spit(path, "{\"format\": 2, \"containerID\": \"vfpod\", "
               "\"ifname\": \"net1\", \"type\": \"sriov\", "
               "\"portName\": \"enp3s0f0npf0vf1\", "
               "\"mac\": \"0a:58:0a:f4:01:09\", \"ip\": \"10.244.1.9\"}");
    assert_int_equal(podstore_open(s->dir, &store), 0);
    assert_int_equal(podstore_count(&store), n_json);
    podstore_close(&store);
    free(path);
}

/* A dual-stack pod's record says format 3 and gives its IPv6 address
 * back; an IPv4-only pod's keeps saying 1, and a record with an unusable
 * "ip6" is skipped. */
static void
test_dual_stack_record(void **state)
{
    struct scratch *s = *state;
    struct podstore store;

    copy_release(s, "0.1.0");
    assert_int_equal(podstore_open(s->dir, &store), 0);
    struct podrec *rec = xzalloc(sizeof *rec);
    rec->container_id = xstrdup("dual");
    rec->ifname = xstrdup("eth0");
    rec->type = PODSTORE_AFXDP;
    rec->port_name = xstrdup("seine0a1b2c3d01");
    rec->ip.s_addr = htonl(0x0af4010a);
    rec->prefix_len = 24;
    rec->has_ip6 = true;
    assert_int_equal(inet_pton(AF_INET6, "fd00:10:244:1::a", &rec->ip6), 1);
    rec->prefix_len6 = 64;
    struct in6_addr want = rec->ip6;
    assert_int_equal(podstore_put(&store, rec), 0);
    podstore_close(&store);

    char *path = xasprintf("%s/pods/dual_eth0.json", s->dir);
    struct json_object *obj = json_object_from_file(path);
    struct json_object *v;
    assert_true(json_object_object_get_ex(obj, "format", &v));
    assert_int_equal(json_object_get_int(v), 3);
    json_object_put(obj);

    assert_int_equal(podstore_open(s->dir, &store), 0);
    const struct podrec *back = podstore_find(&store, "dual", "eth0");
    assert_non_null(back);
    assert_true(back->has_ip6);
    assert_int_equal(back->prefix_len6, 64);
    assert_memory_equal(&back->ip6, &want, sizeof want);
    assert_false(find_type(&store, PODSTORE_TAP)->has_ip6);
    podstore_close(&store);

    spit(path, "{\"format\": 3, \"containerID\": \"dual\", "
               "\"ifname\": \"eth0\", \"type\": \"afxdp\", "
               "\"portName\": \"seine0a1b2c3d01\", "
               "\"mac\": \"0a:58:0a:f4:01:0a\", \"ip\": \"10.244.1.10\", "
               "\"ip6\": \"10.244.1.10\", \"prefixLength6\": 64}");
    assert_int_equal(podstore_open(s->dir, &store), 0);
    assert_null(podstore_find(&store, "dual", "eth0"));
    podstore_close(&store);
    free(path);
}

static void
test_parse(void **state OVS_UNUSED)
{
    assert_int_equal(formats_parse("1"), 1);
    assert_int_equal(formats_parse("12\n"), 12);
    assert_int_equal(formats_parse("0"), -1);
    assert_int_equal(formats_parse("-1"), -1);
    assert_int_equal(formats_parse("1x"), -1);
    assert_int_equal(formats_parse(""), -1);
    assert_int_equal(formats_parse("99999999999999999999"), -1);
    assert_int_equal(formats_parse(NULL), -1);
}

int
main(int argc, char *argv[])
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, scratch_setup, \
                                                scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_release_0_1_0_loads),
        T(test_written_formats),
        T(test_newer_state_refused),
        T(test_newer_record_refused),
        T(test_sriov_record),
        T(test_dual_stack_record),
        cmocka_unit_test(test_parse),
    };
#undef T
    if (argc != 2) {
        fprintf(stderr, "usage: %s STATE_FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    fixture_dir = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
