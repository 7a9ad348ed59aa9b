/* Manifest parsing, and the folder source against a temporary folder. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
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

#include "agent/model/cluster.h"
#include "agent/sources/manifests.h"
#include "openvswitch/vlog.h"
#include "util.h"

static struct json_object *
parse_ok(const char *text)
{
    struct json_object *array = NULL;
    char *err = NULL;

    if (manifests_parse(text, strlen(text), &array, &err)) {
        fail_msg("parse failed: %s", err);
    }
    assert_null(err);
    assert_true(json_object_is_type(array, json_type_array));
    return array;
}

static char *
parse_fails(const char *text)
{
    struct json_object *array = NULL;
    char *err = NULL;

    assert_int_equal(manifests_parse(text, strlen(text), &array, &err),
                     -EINVAL);
    assert_null(array);
    assert_non_null(err);
    return err;
}

static struct json_object *
at(struct json_object *obj, const char *path)
{
    char *copy = xstrdup(path), *save = NULL;

    for (char *k = strtok_r(copy, ".", &save); k && obj;
         k = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(obj, json_type_array)) {
            obj = json_object_array_get_idx(obj, atoi(k));
        } else if (!json_object_object_get_ex(obj, k, &obj)) {
            obj = NULL;
        }
    }
    free(copy);
    return obj;
}

static const char *
str_at(struct json_object *obj, const char *path)
{
    struct json_object *v = at(obj, path);
    assert_true(json_object_is_type(v, json_type_string));
    return json_object_get_string(v);
}

static void
test_yaml_multi_doc(void **state OVS_UNUSED)
{
    struct json_object *a = parse_ok(
        "# two pods\n"
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: one\n"
        "  labels: {app: web}\n"
        "---\n"
        "---\n"
        "# an empty document above is skipped\n"
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: two\n"
        "spec:\n"
        "  containers:\n"
        "  - name: c\n"
        "    args: [\"a\", b]\n"
        "...\n");

    assert_int_equal(json_object_array_length(a), 2);
    assert_string_equal(str_at(a, "0.metadata.name"), "one");
    assert_string_equal(str_at(a, "0.metadata.labels.app"), "web");
    assert_string_equal(str_at(a, "1.metadata.name"), "two");
    assert_string_equal(str_at(a, "1.spec.containers.0.name"), "c");
    assert_string_equal(str_at(a, "1.spec.containers.0.args.1"), "b");
    json_object_put(a);

    a = parse_ok("# nothing but a comment\n");
    assert_int_equal(json_object_array_length(a), 0);
    json_object_put(a);
}

static void
test_yaml_typed_scalars(void **state OVS_UNUSED)
{
    struct json_object *a = parse_ok(
        "kind: Service\n"
        "port: 80\n"
        "negative: -5\n"
        "hex: 0x1F\n"
        "octal: 0o17\n"
        "ratio: 0.5\n"
        "exp: 1e3\n"
        "on: true\n"
        "off: False\n"
        "nothing: null\n"
        "tilde: ~\n"
        "empty:\n"
        "quoted: \"80\"\n"
        "single: 'true'\n"
        "tagged: !!str 443\n"
        "yes: yes\n"
        "version: 1.2.3\n"
        "huge: 99999999999999999999999\n"
        "text: hello world\n");
    struct json_object *d = json_object_array_get_idx(a, 0);
    struct json_object *v;

    assert_true(json_object_is_type(at(d, "port"), json_type_int));
    assert_int_equal(json_object_get_int64(at(d, "port")), 80);
    assert_int_equal(json_object_get_int64(at(d, "negative")), -5);
    assert_int_equal(json_object_get_int64(at(d, "hex")), 31);
    assert_int_equal(json_object_get_int64(at(d, "octal")), 15);
    assert_true(json_object_is_type(at(d, "ratio"), json_type_double));
    assert_true(json_object_get_double(at(d, "ratio")) == 0.5);
    assert_true(json_object_get_double(at(d, "exp")) == 1000.0);
    assert_true(json_object_is_type(at(d, "on"), json_type_boolean));
    assert_true(json_object_get_boolean(at(d, "on")));
    assert_true(json_object_is_type(at(d, "off"), json_type_boolean));
    assert_false(json_object_get_boolean(at(d, "off")));
    for (const char *const *k = (const char *const[]) {
             "nothing", "tilde", "empty", NULL }; *k; k++) {
        assert_true(json_object_object_get_ex(d, *k, &v));
        assert_null(v);
    }
    assert_string_equal(str_at(d, "quoted"), "80");
    assert_string_equal(str_at(d, "single"), "true");
    assert_string_equal(str_at(d, "tagged"), "443");
    assert_string_equal(str_at(d, "yes"), "yes");
    assert_string_equal(str_at(d, "version"), "1.2.3");
    /* Too big for 64 bits: a float, as Kubernetes' YAML reader does. */
    assert_true(json_object_is_type(at(d, "huge"), json_type_double));
    assert_string_equal(str_at(d, "text"), "hello world");
    json_object_put(a);
}

static void
test_json(void **state OVS_UNUSED)
{
    struct json_object *a = parse_ok(
        "\n  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"j1\"},"
        "   \"spec\": {\"replicas\": 3}}\n"
        "{\"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"}}\n");

    assert_int_equal(json_object_array_length(a), 2);
    assert_string_equal(str_at(a, "0.metadata.name"), "j1");
    assert_int_equal(json_object_get_int(at(a, "0.spec.replicas")), 3);
    assert_string_equal(str_at(a, "1.kind"), "Node");
    json_object_put(a);
}

static void
test_list_expansion(void **state OVS_UNUSED)
{
    struct json_object *a = parse_ok(
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "- kind: Namespace\n"
        "  metadata: {name: shop}\n"
        "- kind: Pod\n"
        "  metadata: {name: web, namespace: shop}\n"
        "---\n"
        "kind: PodList\n"
        "items:\n"
        "- kind: Pod\n"
        "  metadata: {name: db, namespace: shop}\n"
        "---\n"
        "kind: Playlist\n"
        "metadata: {name: not-a-list}\n");

    assert_int_equal(json_object_array_length(a), 4);
    assert_string_equal(str_at(a, "0.kind"), "Namespace");
    assert_string_equal(str_at(a, "1.metadata.name"), "web");
    assert_string_equal(str_at(a, "2.metadata.name"), "db");
    assert_string_equal(str_at(a, "3.kind"), "Playlist");
    json_object_put(a);

    a = parse_ok("{\"kind\":\"List\",\"items\":[{\"kind\":\"Node\","
                 "\"metadata\":{\"name\":\"n\"}}]}");
    assert_int_equal(json_object_array_length(a), 1);
    assert_string_equal(str_at(a, "0.kind"), "Node");
    json_object_put(a);

    free(parse_fails("kind: List\nitems:\n- 1\n"));
}

static void
test_parse_errors(void **state OVS_UNUSED)
{
    char *err;

    err = parse_fails("kind: Pod\n"
                      "metadata:\n"
                      "  name: a\n"
                      " bad: indentation\n");
    assert_non_null(strstr(err, "line 4"));
    free(err);

    err = parse_fails("kind: Pod\nmetadata: [unclosed\n\n");
    assert_non_null(strstr(err, "line "));
    free(err);

    err = parse_fails("{\"kind\": \"Pod\",\n"
                      " \"metadata\": {\"name\": \"x\",,}\n"
                      "}\n");
    assert_non_null(strstr(err, "line 2"));
    free(err);

    err = parse_fails("{\"kind\": \"Pod\",\n");
    assert_non_null(strstr(err, "end"));
    free(err);

    err = parse_fails("base: &b {a: 1}\nother: *b\n");
    assert_non_null(strstr(err, "line 1"));
    assert_non_null(strstr(err, "anchors"));
    free(err);

    err = parse_fails("kind: Pod\n---\n- just\n- a list\n");
    assert_non_null(strstr(err, "line 3"));
    assert_non_null(strstr(err, "mapping"));
    free(err);

    err = parse_fails("? [complex, key]\n: value\n");
    assert_non_null(strstr(err, "keys"));
    free(err);
}

static void
test_file_names(void **state OVS_UNUSED)
{
    assert_true(manifests_is_manifest_name("pods.yaml"));
    assert_true(manifests_is_manifest_name("pods.yml"));
    assert_true(manifests_is_manifest_name("pods.json"));
    assert_false(manifests_is_manifest_name(".pods.yaml"));
    assert_false(manifests_is_manifest_name(".pods.yaml.swp"));
    assert_false(manifests_is_manifest_name("pods.yaml~"));
    assert_false(manifests_is_manifest_name("pods.yaml.swp"));
    assert_false(manifests_is_manifest_name("#pods.yaml#"));
    assert_false(manifests_is_manifest_name("README"));
    assert_false(manifests_is_manifest_name(".yaml"));
}

/* The folder source. */

struct folder {
    char dir[64];
    struct cluster *cluster;
    struct source source;
};

static void
write_file(const struct folder *f, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", f->dir, name);
    FILE *file = fopen(path, "w");

    assert_non_null(file);
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
    free(path);
}

static void
remove_file(const struct folder *f, const char *name)
{
    char *path = xasprintf("%s/%s", f->dir, name);
    assert_int_equal(unlink(path), 0);
    free(path);
}

static void
rename_file(const struct folder *f, const char *from, const char *to)
{
    char *a = xasprintf("%s/%s", f->dir, from);
    char *b = xasprintf("%s/%s", f->dir, to);
    assert_int_equal(rename(a, b), 0);
    free(a);
    free(b);
}

static size_t
drain(struct folder *f)
{
    struct cluster_change *changes;
    size_t n;

    cluster_take_changes(f->cluster, &changes, &n);
    cluster_changes_free(changes, n);
    return n;
}

/* Runs the source until it has produced changes (inotify events are queued
 * by the time write() returns, so this rarely loops), then a little longer
 * to be sure nothing more arrives. */
static size_t
settle(struct folder *f)
{
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        source_run(&f->source, f->cluster);
        size_t got = drain(f);
        n += got;
        if (n && !got) {
            break;
        }
        usleep(5000);
    }
    return n;
}

static int
folder_setup(void **state)
{
    struct folder *f = xzalloc(sizeof *f);

    snprintf(f->dir, sizeof f->dir, "/tmp/seine-manifests-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->cluster = cluster_create();
    *state = f;
    return 0;
}

static int
folder_teardown(void **state)
{
    struct folder *f = *state;
    char *cmd = xasprintf("rm -rf '%s'", f->dir);

    source_destroy(&f->source);
    cluster_destroy(f->cluster);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f);
    return 0;
}

static const char pods_v1[] =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web\n"
    "  namespace: shop\n"
    "  labels: {app: web}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: db, namespace: shop}\n";

static const char pods_v2[] =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web\n"
    "  namespace: shop\n"
    "  labels: {app: web-v2}\n";

static const char node_json[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\","
    " \"metadata\":{\"name\":\"node-a\"},"
    " \"spec\":{\"podCIDR\":\"10.244.1.0/24\"}}\n";

static void
test_folder_load(void **state)
{
    struct folder *f = *state;

    write_file(f, "pods.yaml", pods_v1);
    write_file(f, "node.json", node_json);
    write_file(f, ".hidden.yaml", "kind: Pod\nmetadata: {name: hidden}\n");
    write_file(f, "pods.yaml~", "kind: Pod\nmetadata: {name: backup}\n");
    write_file(f, "notes.txt", "kind: Pod\nmetadata: {name: notes}\n");

    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 2);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_NODE), 1);
    assert_non_null(cluster_find_pod(f->cluster, "shop", "web"));
    assert_non_null(cluster_find_pod(f->cluster, "shop", "db"));
    assert_string_equal(cluster_find_node(f->cluster, "node-a")->pod_cidr,
                        "10.244.1.0/24");
    assert_null(cluster_find_pod(f->cluster, "default", "hidden"));
    assert_int_equal(drain(f), 3);

    /* Nothing happened: nothing changes. */
    source_run(&f->source, f->cluster);
    assert_int_equal(drain(f), 0);
}

static void
test_folder_modify_and_delete(void **state)
{
    struct folder *f = *state;
    const struct cluster_pod *web;

    write_file(f, "pods.yaml", pods_v1);
    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    drain(f);

    /* web's label changes and db disappears from the file. */
    write_file(f, "pods.yaml", pods_v2);
    assert_int_equal(settle(f), 2);
    web = cluster_find_pod(f->cluster, "shop", "web");
    assert_non_null(web);
    assert_string_equal(cluster_labels_get(&web->labels, "app"), "web-v2");
    assert_null(cluster_find_pod(f->cluster, "shop", "db"));

    /* The same content again: no change. */
    write_file(f, "pods.yaml", pods_v2);
    usleep(20000);
    source_run(&f->source, f->cluster);
    assert_int_equal(drain(f), 0);

    remove_file(f, "pods.yaml");
    assert_int_equal(settle(f), 1);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 0);
}

static void
test_folder_bad_file_keeps_objects(void **state)
{
    struct folder *f = *state;

    write_file(f, "pods.yaml", pods_v1);
    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    drain(f);

    write_file(f, "pods.yaml", "kind: Pod\nmetadata: {name: [broken\n");
    usleep(20000);
    source_run(&f->source, f->cluster);
    assert_int_equal(drain(f), 0);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 2);

    /* A good version afterwards is compared with the last good one. */
    write_file(f, "pods.yaml", pods_v2);
    assert_int_equal(settle(f), 2);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 1);
}

/* At start, a file that does not parse and a document the model refuses
 * stop neither the good policy of another file nor the good document of
 * the same file. */
static void
test_folder_bad_file_among_good(void **state)
{
    struct folder *f = *state;

    write_file(f, "a-broken.yaml", "kind: NetworkPolicy\nmetadata: [\n");
    write_file(f, "b-mixed.yaml",
               "apiVersion: networking.k8s.io/v1\n"
               "kind: NetworkPolicy\n"
               "metadata: {name: bad, namespace: shop}\n"
               "spec: {podSelector: {matchLabels: {'-no': x}}}\n"
               "---\n"
               "apiVersion: v1\n"
               "kind: Pod\n"
               "metadata: {name: web, namespace: shop}\n");
    write_file(f, "c-good.yaml",
               "apiVersion: networking.k8s.io/v1\n"
               "kind: NetworkPolicy\n"
               "metadata: {name: good, namespace: shop}\n"
               "spec: {podSelector: {}, policyTypes: [Ingress]}\n");

    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    assert_non_null(cluster_find_netpol(f->cluster, "shop", "good"));
    assert_null(cluster_find_netpol(f->cluster, "shop", "bad"));
    assert_non_null(cluster_find_pod(f->cluster, "shop", "web"));
    assert_int_equal(cluster_count(f->cluster, CLUSTER_NETWORK_POLICY), 1);
}

static void
test_folder_new_file_and_rename(void **state)
{
    struct folder *f = *state;

    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 0);

    /* Written under a temporary dotfile name, then renamed into place. */
    write_file(f, ".pods.yaml.tmp", pods_v1);
    rename_file(f, ".pods.yaml.tmp", "pods.yaml");
    assert_int_equal(settle(f), 2);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 2);

    /* Renamed to a name that is not read: its objects go. */
    rename_file(f, "pods.yaml", "pods.yaml.disabled");
    assert_int_equal(settle(f), 2);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 0);
}

/* An editor that moves the old file aside before writing the new one: the
 * objects both versions define are never deleted in between. */
static void
test_folder_editor_save(void **state)
{
    struct folder *f = *state;
    struct cluster_change *changes;
    size_t n;

    write_file(f, "pods.yaml", pods_v1);
    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    drain(f);

    rename_file(f, "pods.yaml", "pods.yaml~");
    write_file(f, "pods.yaml", pods_v2);
    usleep(20000);
    source_run(&f->source, f->cluster);
    cluster_take_changes(f->cluster, &changes, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        /* web changed, db went; web was not deleted and re-added. */
        assert_true(changes[i].deleted
                    == !strcmp(changes[i].name, "db"));
    }
    cluster_changes_free(changes, n);
    assert_non_null(cluster_find_pod(f->cluster, "shop", "web"));
}

/* A file still open for writing is not read; closing it is the signal. */
static void
test_folder_waits_for_close(void **state)
{
    struct folder *f = *state;
    char *path = xasprintf("%s/pods.yaml", f->dir);
    FILE *file;

    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    file = fopen(path, "w");
    assert_non_null(file);
    fputs(pods_v1, file);
    assert_int_equal(fflush(file), 0);
    usleep(20000);
    source_run(&f->source, f->cluster);
    assert_int_equal(drain(f), 0);

    assert_int_equal(fclose(file), 0);
    assert_int_equal(settle(f), 2);
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 2);
    free(path);
}

static void
test_folder_two_files_same_object(void **state)
{
    struct folder *f = *state;
    const struct cluster_pod *web;

    write_file(f, "a.yaml", pods_v1);
    write_file(f, "b.yaml", pods_v2);
    assert_int_equal(manifests_open(f->dir, f->cluster, &f->source), 0);
    drain(f);

    /* b.yaml is read last. */
    web = cluster_find_pod(f->cluster, "shop", "web");
    assert_string_equal(cluster_labels_get(&web->labels, "app"), "web-v2");

    /* Without b.yaml, a.yaml's definition is back rather than none. */
    remove_file(f, "b.yaml");
    assert_int_equal(settle(f), 1);
    web = cluster_find_pod(f->cluster, "shop", "web");
    assert_non_null(web);
    assert_string_equal(cluster_labels_get(&web->labels, "app"), "web");
    assert_int_equal(cluster_count(f->cluster, CLUSTER_POD), 2);
}

static void
test_folder_missing(void **state)
{
    struct folder *f = *state;
    char *missing = xasprintf("%s/nope", f->dir);
    struct source src = { 0 };

    assert_int_equal(manifests_open(missing, f->cluster, &src), -ENOENT);
    assert_null(src.class);
    free(missing);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_multi_doc),
        cmocka_unit_test(test_yaml_typed_scalars),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_list_expansion),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_file_names),
        cmocka_unit_test_setup_teardown(test_folder_load, folder_setup,
                                        folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_modify_and_delete,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_bad_file_among_good,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_bad_file_keeps_objects,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_new_file_and_rename,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_editor_save,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_waits_for_close,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_two_files_same_object,
                                        folder_setup, folder_teardown),
        cmocka_unit_test_setup_teardown(test_folder_missing, folder_setup,
                                        folder_teardown),
    };

    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
