/* The API server's configuration: kubeconfig files of every supported
 * shape and every refusal, the in-cluster service-account folder, and the
 * re-reading of a rotated token.  Each test writes its files into a fresh
 * temporary folder. */
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

#include "agent/sources/kubeconfig.h"
#include "util.h"

/* Not real certificates: the module checks the PEM framing only, and
 * parsing what is inside is the TLS library's work. */
#define CA_PEM "-----BEGIN CERTIFICATE-----\nY2EK\n" \
               "-----END CERTIFICATE-----\n"
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClkyRUsKLS0tLS1FTkQgQ0V" \
               "SVElGSUNBVEUtLS0tLQo="
#define CERT_PEM "-----BEGIN CERTIFICATE-----\nY2VydAo=\n" \
                 "-----END CERTIFICATE-----\n"
#define CERT_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClkyVnlkQW89Ci0tLS0t" \
                 "RU5EIENFUlRJRklDQVRFLS0tLS0K"
#define KEY_PEM "-----BEGIN PRIVATE KEY-----\na2V5Cg==\n" \
                "-----END PRIVATE KEY-----\n"
#define KEY_B64 "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCmEyVjVDZz09Ci0tLS0t" \
                "RU5EIFBSSVZBVEUgS0VZLS0tLS0K"

/* A temporary folder and what was made in it, removed in reverse. */
struct scratch {
    char dir[64];
    char *made[16];
    size_t n_made;
    char *kubeconfig;           /* its "config" file */
};

static char *
scratch_path(const struct scratch *s, const char *name)
{
    return xasprintf("%s/%s", s->dir, name);
}

static void
scratch_mkdir(struct scratch *s, const char *name)
{
    char *path = scratch_path(s, name);

    assert_int_equal(mkdir(path, 0700), 0);
    assert_true(s->n_made < ARRAY_SIZE(s->made));
    s->made[s->n_made++] = path;
}

/* Writes 'text' to 'name' in the folder, replacing what was there. */
static void
scratch_write(struct scratch *s, const char *name, const char *text)
{
    char *path = scratch_path(s, name);
    FILE *f;
    size_t i;

    for (i = 0; i < s->n_made && strcmp(s->made[i], path); i++) {
        continue;
    }
    if (i == s->n_made) {
        assert_true(s->n_made < ARRAY_SIZE(s->made));
        s->made[s->n_made++] = xstrdup(path);
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    free(path);
}

static int
scratch_setup(void **state)
{
    struct scratch *s = xzalloc(sizeof *s);

    snprintf(s->dir, sizeof s->dir, "/tmp/seine-kubeconfig-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    scratch_write(s, "ca.crt", CA_PEM);
    scratch_mkdir(s, "certs");
    scratch_write(s, "certs/client.crt", CERT_PEM);
    scratch_write(s, "certs/client.key", KEY_PEM);
    scratch_write(s, "token", "tok-file\n");
    s->kubeconfig = scratch_path(s, "config");
    *state = s;
    return 0;
}

static int
scratch_teardown(void **state)
{
    struct scratch *s = *state;

    while (s->n_made) {
        char *path = s->made[--s->n_made];
        if (unlink(path)) {
            rmdir(path);
        }
        free(path);
    }
    unlink(s->kubeconfig);
    assert_int_equal(rmdir(s->dir), 0);
    free(s->kubeconfig);
    free(s);
    return 0;
}

static int
load(struct scratch *s, const char *text,
     const struct kubeconfig_options *options, struct kubeconfig *kc,
     char **err)
{
    scratch_write(s, "config", text);
    return kubeconfig_load(s->kubeconfig, options, kc, err);
}

static void
assert_empty(const struct kubeconfig *kc)
{
    static const struct kubeconfig zero;

    assert_memory_equal(kc, &zero, sizeof zero);
}

static void
assert_error(const char *err, const char *where, const char *needle)
{
    assert_non_null(err);
    if (strncmp(err, where, strlen(where)) || !strstr(err, needle)) {
        fail_msg("error \"%s\" lacks \"%s\" or \"%s\"", err, where, needle);
    }
}

/* Loads 'text', expects 'expected' and an error that begins with the
 * kubeconfig's name and ":LINE:" (": " for line 0) and contains
 * 'needle'; nothing may be left in the struct. */
static void
expect_load_error(struct scratch *s, const char *text,
                  const struct kubeconfig_options *options, int expected,
                  int line, const char *needle)
{
    char *where = (line ? xasprintf("%s:%d: ", s->kubeconfig, line)
                   : xasprintf("%s: ", s->kubeconfig));
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(load(s, text, options, &kc, &err), expected);
    assert_error(err, where, needle);
    assert_empty(&kc);
    kubeconfig_destroy(&kc);
    free(where);
    free(err);
}

/* A kubeconfig with one context, cluster and user: 'server' is on line
 * 10, 'cluster_line' becomes line 11, inside the cluster, and 'user_line'
 * line 15, inside the user. */
static char *
server_config(const char *server, const char *cluster_line,
              const char *user_line)
{
    return xasprintf("apiVersion: v1\n"
                     "kind: Config\n"
                     "current-context: c\n"
                     "contexts:\n"
                     "- name: c\n"
                     "  context: {cluster: k, user: u}\n"
                     "clusters:\n"
                     "- name: k\n"
                     "  cluster:\n"
                     "    server: %s\n"
                     "    %s\n"
                     "users:\n"
                     "- name: u\n"
                     "  user:\n"
                     "    %s\n", server, cluster_line, user_line);
}

static char *
simple_config(const char *cluster_line, const char *user_line)
{
    return server_config("https://k.example:6443", cluster_line, user_line);
}

static void
expect_simple_error(struct scratch *s, const char *cluster_line,
                    const char *user_line, int line, const char *needle)
{
    char *text = simple_config(cluster_line, user_line);

    expect_load_error(s, text, NULL, -EINVAL, line, needle);
    free(text);
}

static const char two_contexts[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "preferences: {}\n"
    "current-context: prod\n"
    "contexts:\n"
    "- name: prod\n"
    "  context:\n"
    "    cluster: prod-cluster\n"
    "    user: prod-user\n"
    "    namespace: kube-system\n"
    "- name: dev\n"
    "  context:\n"
    "    cluster: dev-cluster\n"
    "    user: dev-user\n"
    "clusters:\n"
    "- name: prod-cluster\n"
    "  cluster:\n"
    "    server: https://prod.example:6443/\n"
    "    certificate-authority: ca.crt\n"
    "    extensions: []\n"
    "- name: dev-cluster\n"
    "  cluster:\n"
    "    server: https://[fd00::1]:6443\n"
    "    certificate-authority: %s/ca.crt\n"
    "users:\n"
    "- name: prod-user\n"
    "  user:\n"
    "    token: tok-prod\n"
    "- name: dev-user\n"
    "  user:\n"
    "    client-certificate: certs/client.crt\n"
    "    client-key: certs/client.key\n";

static void
test_current_context(void **state)
{
    struct scratch *s = *state;
    char *text = xasprintf(two_contexts, s->dir);
    char *ca = scratch_path(s, "ca.crt");
    struct kubeconfig kc;
    const char *token;
    char *err = NULL;

    assert_int_equal(load(s, text, NULL, &kc, &err), 0);
    assert_null(err);
    assert_string_equal(kc.server, "https://prod.example:6443");
    assert_string_equal(kc.namespace, "kube-system");
    /* Relative to the kubeconfig's folder, not to ours. */
    assert_string_equal(kc.ca_file, ca);
    assert_null(kc.ca_pem);
    assert_false(kc.insecure);
    assert_string_equal(kc.token, "tok-prod");
    assert_null(kc.token_file);
    assert_null(kc.cert_file);
    assert_null(kc.key_pem);

    /* A token given inline is simply what is sent. */
    assert_int_equal(kubeconfig_token(&kc, &token, true, &err), 0);
    assert_string_equal(token, "tok-prod");
    kubeconfig_destroy(&kc);
    assert_empty(&kc);
    free(ca);
    free(text);
}

/* Text read elsewhere: the path it came from names it in errors and
 * gives the folder of relative names, and need not exist. */
static void
test_parse_text(void **state)
{
    struct scratch *s = *state;
    char *text = xasprintf(two_contexts, s->dir);
    char *path = scratch_path(s, "never-written");
    char *ca = scratch_path(s, "ca.crt");
    char *where = xasprintf("%s:", path);
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(kubeconfig_parse(path, text, strlen(text), NULL, &kc,
                                      &err), 0);
    assert_null(err);
    assert_string_equal(kc.server, "https://prod.example:6443");
    assert_string_equal(kc.ca_file, ca);
    assert_string_equal(kc.token, "tok-prod");
    kubeconfig_destroy(&kc);

    /* Only 'len' bytes are read: here, half a flow sequence. */
    assert_int_equal(kubeconfig_parse(path, "clusters: [a, b]", 12, NULL,
                                      &kc, &err), -EINVAL);
    assert_error(err, where, "while parsing a flow sequence");
    assert_empty(&kc);
    free(err);
    free(where);
    free(ca);
    free(path);
    free(text);
}

static void
test_named_context(void **state)
{
    struct scratch *s = *state;
    char *text = xasprintf(two_contexts, s->dir);
    char *ca = scratch_path(s, "ca.crt");
    char *cert = scratch_path(s, "certs/client.crt");
    char *key = scratch_path(s, "certs/client.key");
    struct kubeconfig_options options = { .context = "dev" };
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(load(s, text, &options, &kc, &err), 0);
    assert_null(err);
    assert_string_equal(kc.server, "https://[fd00::1]:6443");
    assert_string_equal(kc.namespace, "default");
    assert_string_equal(kc.ca_file, ca);
    assert_null(kc.token);
    assert_string_equal(kc.cert_file, cert);
    assert_string_equal(kc.key_file, key);
    assert_null(kc.cert_pem);
    kubeconfig_destroy(&kc);

    options.context = "staging";
    expect_load_error(s, text, &options, -EINVAL, 0,
                      "contexts: no entry named \"staging\"");
    free(key);
    free(cert);
    free(ca);
    free(text);
}

static void
test_inline_data(void **state)
{
    struct scratch *s = *state;
    char *text = simple_config("certificate-authority-data: " CA_B64,
                               "client-certificate-data: " CERT_B64 "\n"
                               "    client-key-data: " KEY_B64);
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(load(s, text, NULL, &kc, &err), 0);
    assert_null(err);
    assert_string_equal(kc.ca_pem, CA_PEM);
    assert_null(kc.ca_file);
    assert_string_equal(kc.cert_pem, CERT_PEM);
    assert_string_equal(kc.key_pem, KEY_PEM);
    assert_null(kc.cert_file);
    assert_null(kc.key_file);
    assert_null(kc.token);
    kubeconfig_destroy(&kc);
    free(text);
}

static void
test_token_file(void **state)
{
    struct scratch *s = *state;
    char *text = simple_config("", "tokenFile: token");
    char *path = scratch_path(s, "token");
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(load(s, text, NULL, &kc, &err), 0);
    assert_null(err);
    assert_string_equal(kc.token_file, path);
    assert_string_equal(kc.token, "tok-file");
    kubeconfig_destroy(&kc);

    scratch_write(s, "token", " \n");
    expect_simple_error(s, "", "tokenFile: token", 15, "tokenFile: ");
    expect_simple_error(s, "", "tokenFile: token", 15, ": is empty");
    free(path);
    free(text);
}

static void
set_mtime(const char *path, time_t sec)
{
    struct timespec times[2] = { { sec, 0 }, { sec, 0 } };

    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void
expect_token(struct kubeconfig *kc, bool force, const char *expected)
{
    const char *token;
    char *err = NULL;

    assert_int_equal(kubeconfig_token(kc, &token, force, &err), 0);
    assert_null(err);
    assert_string_equal(token, expected);
}

static void
test_token_rotation(void **state)
{
    struct scratch *s = *state;
    char *text = simple_config("", "tokenFile: token");
    char *path = scratch_path(s, "token");
    char *next = scratch_path(s, "token.next");
    struct kubeconfig kc;
    const char *token;
    char *err = NULL;

    set_mtime(path, 1000000);
    assert_int_equal(load(s, text, NULL, &kc, &err), 0);
    expect_token(&kc, false, "tok-file");

    /* Same inode, size and mtime: not read again, unless forced. */
    scratch_write(s, "token", "tok-fil2\n");
    set_mtime(path, 1000000);
    expect_token(&kc, false, "tok-file");
    expect_token(&kc, true, "tok-fil2");

    /* Only the mtime changes. */
    scratch_write(s, "token", "tok-fil3\n");
    set_mtime(path, 1000001);
    expect_token(&kc, false, "tok-fil3");

    /* Only the size changes. */
    scratch_write(s, "token", "tok-file4\n");
    set_mtime(path, 1000001);
    expect_token(&kc, false, "tok-file4");

    /* Another inode, as the kubelet's atomic swap makes. */
    scratch_write(s, "token.next", "tok-file5\n");
    set_mtime(next, 1000001);
    assert_int_equal(rename(next, path), 0);
    expect_token(&kc, false, "tok-file5");
    expect_token(&kc, false, "tok-file5");

    /* A file that cannot be read keeps the token there was. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(kubeconfig_token(&kc, &token, false, &err), -ENOENT);
    assert_error(err, path, "No such file");
    assert_string_equal(token, "tok-file5");
    free(err);

    scratch_write(s, "token", "tok-file6\n");
    expect_token(&kc, false, "tok-file6");
    kubeconfig_destroy(&kc);
    free(next);
    free(path);
    free(text);
}

static void
test_insecure(void **state)
{
    struct scratch *s = *state;
    const char *line = "insecure-skip-tls-verify: true";
    char *text = simple_config(line, "token: t");
    struct kubeconfig_options allow = { .allow_insecure = true };
    struct kubeconfig kc;
    char *err = NULL;

    expect_simple_error(s, line, "token: t", 11,
                        "clusters[k].cluster.insecure-skip-tls-verify: "
                        "refused");
    assert_int_equal(load(s, text, &allow, &kc, &err), 0);
    assert_null(err);
    assert_true(kc.insecure);
    assert_null(kc.ca_file);
    kubeconfig_destroy(&kc);
    free(text);

    text = simple_config("insecure-skip-tls-verify: false", "token: t");
    assert_int_equal(load(s, text, NULL, &kc, &err), 0);
    assert_false(kc.insecure);
    kubeconfig_destroy(&kc);
    free(text);
    expect_simple_error(s, "insecure-skip-tls-verify: maybe", "token: t", 11,
                        "insecure-skip-tls-verify: expected true or false");

    /* Even when allowed, not together with a CA. */
    text = simple_config("insecure-skip-tls-verify: true\n"
                         "    certificate-authority: ca.crt", "token: t");
    expect_load_error(s, text, &allow, -EINVAL, 11,
                      "insecure-skip-tls-verify: given with a certificate "
                      "authority");
    free(text);

    /* Plain http would send the token in clear. */
    text = server_config("http://k.example:8080", "", "token: t");
    expect_load_error(s, text, NULL, -EINVAL, 10,
                      "clusters[k].cluster.server: refused");
    assert_int_equal(load(s, text, &allow, &kc, &err), 0);
    assert_string_equal(kc.server, "http://k.example:8080");
    kubeconfig_destroy(&kc);
    free(text);
}

/* Expects the error for 'text' with the first 'from' in it replaced by
 * 'to', of the same length. */
static void
expect_edit_error(struct scratch *s, const char *text, const char *from,
                  const char *to, int line, const char *needle)
{
    char *edited = xstrdup(text);

    assert_int_equal(strlen(from), strlen(to));
    memcpy(strstr(edited, from), to, strlen(to));
    expect_load_error(s, edited, NULL, -EINVAL, line, needle);
    free(edited);
}

static void
test_missing_references(void **state)
{
    struct scratch *s = *state;
    char *text = simple_config("", "token: t");

    /* No current-context, and none asked for. */
    expect_edit_error(s, text, "current-context", "#urrent-context", 0,
                      "current-context: not set");
    /* current-context names no context. */
    expect_edit_error(s, text, "- name: c", "- name: x", 3,
                      "current-context: no entry named \"c\" in contexts");
    /* The context names no cluster, or no user. */
    expect_edit_error(s, text, "- name: k", "- name: x", 6,
                      "contexts[c].context.cluster: no entry named \"k\" "
                      "in clusters");
    expect_edit_error(s, text, "- name: u", "- name: x", 6,
                      "contexts[c].context.user: no entry named \"u\" "
                      "in users");

    /* The context has no user at all. */
    expect_load_error(s, "current-context: c\n"
                      "contexts:\n"
                      "- name: c\n"
                      "  context:\n"
                      "    cluster: k\n", NULL, -EINVAL, 5,
                      "contexts[c].context.user: missing");

    /* The cluster has no server; a context is given twice. */
    expect_load_error(s, "current-context: c\n"
                      "contexts:\n"
                      "- {name: c, context: {cluster: k, user: u}}\n"
                      "clusters:\n"
                      "- {name: k, cluster: {certificate-authority: ca.crt}}\n"
                      "users:\n"
                      "- {name: u, user: {token: t}}\n", NULL, -EINVAL, 5,
                      "clusters[k].cluster.server: missing");
    expect_load_error(s, "current-context: c\n"
                      "contexts:\n"
                      "- {name: c, context: {cluster: k, user: u}}\n"
                      "- {name: c, context: {cluster: k2, user: u}}\n",
                      NULL, -EINVAL, 4,
                      "contexts: two entries named \"c\" (the first on "
                      "line 3)");
    expect_load_error(s, "current-context: c\n"
                      "contexts:\n"
                      "- {name: c, context: {cluster: k, user: u}}\n"
                      "clusters:\n"
                      "- {name: k}\n", NULL, -EINVAL, 5,
                      "clusters[k].cluster: missing");
    free(text);
}

static void
test_bad_base64(void **state)
{
    static const char *const bad[][2] = {
        { "LS0t@S1C", "a character that is not base64" },
        { "LS0tLS1", "a length that is not a multiple of 4" },
        { "LS0=LS0t", "characters after the final '='" },
        { "LS0tL===", "a misplaced '='" },
        { "LS0tLR==", "nonzero bits after the data" },
        /* "hello\n": good base64, but not PEM. */
        { "aGVsbG8K", "does not decode to PEM" },
    };
    struct scratch *s = *state;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *line = xasprintf("certificate-authority-data: %s", bad[i][0]);
        char *needle = xasprintf("clusters[k].cluster."
                                 "certificate-authority-data: not valid "
                                 "base64 PEM: %s", bad[i][1]);
        expect_simple_error(s, line, "token: t", 11, needle);
        free(needle);
        free(line);
    }
    expect_simple_error(s, "", "client-key-data: " CA_B64 "x", 15,
                        "users[u].user.client-key-data: not valid base64");
}

static void
test_unsupported_auth(void **state)
{
    static const char *const users[] = {
        "exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}",
        "auth-provider: {name: oidc}",
        "username: admin",
        "password: secret",
        "as: someone-else",
    };
    struct scratch *s = *state;

    for (size_t i = 0; i < ARRAY_SIZE(users); i++) {
        char *key = xstrdup(users[i]);
        char *needle;

        *strchr(key, ':') = '\0';
        needle = xasprintf("users[u].user.%s: not supported", key);
        expect_simple_error(s, "", users[i], 15, needle);
        free(needle);
        free(key);
    }
    expect_simple_error(s, "proxy-url: http://proxy:3128", "token: t", 11,
                        "clusters[k].cluster.proxy-url: not supported");
}

static void
test_conflicts(void **state)
{
    struct scratch *s = *state;
    char *text;

    expect_simple_error(s, "certificate-authority: ca.crt\n"
                        "    certificate-authority-data: " CA_B64, "token: t",
                        12, "certificate-authority-data: given with "
                        "certificate-authority");
    expect_simple_error(s, "", "token: t\n    tokenFile: token", 16,
                        "users[u].user.tokenFile: given with token");
    expect_simple_error(s, "", "client-certificate: certs/client.crt", 15,
                        "users[u].user.client-key: missing");
    expect_simple_error(s, "", "client-key-data: " KEY_B64, 15,
                        "users[u].user.client-certificate: missing");
    expect_simple_error(s, "", "token: [a, b]", 15,
                        "users[u].user.token: expected a string");
    text = server_config("https:/k", "", "token: t");
    expect_load_error(s, text, NULL, -EINVAL, 10,
                      "clusters[k].cluster.server: expected an https://");
    free(text);
    text = server_config("https:///", "", "token: t");
    expect_load_error(s, text, NULL, -EINVAL, 10,
                      "clusters[k].cluster.server: has no host");
    free(text);
}

static void
test_bad_files(void **state)
{
    struct scratch *s = *state;
    char *missing = scratch_path(s, "missing.crt");
    char *needle = xasprintf("clusters[k].cluster.certificate-authority: "
                             "%s: No such file", missing);
    char *text = simple_config("certificate-authority: missing.crt",
                               "token: t");
    struct kubeconfig kc;
    char *err = NULL;

    expect_load_error(s, text, NULL, -ENOENT, 11, needle);
    free(text);

    /* Not YAML: the line and column. */
    free(needle);
    needle = xasprintf("%s:2:3: ", s->kubeconfig);
    assert_int_equal(load(s, "clusters: [\n  - {name: k\n", NULL, &kc,
                          &err), -EINVAL);
    assert_error(err, needle, "while parsing a flow node");
    assert_empty(&kc);
    free(err);

    /* YAML, but not a kubeconfig. */
    expect_load_error(s, "- just\n- a list\n", NULL, -EINVAL, 1,
                      "(top): expected a mapping");
    expect_load_error(s, "", NULL, -EINVAL, 0, "(top): expected a mapping");
    expect_load_error(s, "current-context: c\ncontexts: {c: x}\n", NULL,
                      -EINVAL, 2, "contexts: expected a list");

    assert_int_equal(kubeconfig_load(missing, NULL, &kc, &err), -ENOENT);
    assert_error(err, missing, "No such file");
    assert_empty(&kc);
    free(err);
    free(needle);
    free(missing);
}

/* In a pod. */

struct fake_env {
    const char *host;
    const char *port;
};

static const char *
fake_getenv(const char *name, void *env_)
{
    const struct fake_env *env = env_;

    return (!strcmp(name, "KUBERNETES_SERVICE_HOST") ? env->host
            : !strcmp(name, "KUBERNETES_SERVICE_PORT") ? env->port
            : NULL);
}

static void
write_serviceaccount(struct scratch *s)
{
    scratch_mkdir(s, "sa");
    scratch_write(s, "sa/token", "eyJhbGciOi.sa-token\n");
    scratch_write(s, "sa/ca.crt", CA_PEM);
    scratch_write(s, "sa/namespace", "seine-system");
}

static void
expect_in_cluster(struct scratch *s, const struct fake_env *env,
                  const char *server)
{
    char *dir = scratch_path(s, "sa");
    char *token_file = scratch_path(s, "sa/token");
    char *ca_file = scratch_path(s, "sa/ca.crt");
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(kubeconfig_in_cluster(dir, fake_getenv,
                                           CONST_CAST(struct fake_env *, env),
                                           &kc, &err), 0);
    assert_null(err);
    assert_string_equal(kc.server, server);
    assert_string_equal(kc.token, "eyJhbGciOi.sa-token");
    assert_string_equal(kc.token_file, token_file);
    assert_string_equal(kc.ca_file, ca_file);
    assert_null(kc.ca_pem);
    assert_false(kc.insecure);
    assert_string_equal(kc.namespace, "seine-system");
    assert_null(kc.cert_file);
    expect_token(&kc, false, "eyJhbGciOi.sa-token");
    kubeconfig_destroy(&kc);
    free(ca_file);
    free(token_file);
    free(dir);
}

static void
test_in_cluster(void **state)
{
    struct scratch *s = *state;
    struct fake_env v4 = { "10.96.0.1", "443" };
    struct fake_env v6 = { "fd00:10:96::1", "6443" };

    write_serviceaccount(s);
    expect_in_cluster(s, &v4, "https://10.96.0.1:443");
    expect_in_cluster(s, &v6, "https://[fd00:10:96::1]:6443");
}

static void
expect_in_cluster_error(struct scratch *s, const struct fake_env *env,
                        int expected, const char *where, const char *needle)
{
    char *dir = scratch_path(s, "sa");
    struct kubeconfig kc;
    char *err = NULL;

    assert_int_equal(kubeconfig_in_cluster(dir, fake_getenv,
                                           CONST_CAST(struct fake_env *, env),
                                           &kc, &err), expected);
    assert_error(err, where, needle);
    assert_empty(&kc);
    free(err);
    free(dir);
}

static void
test_in_cluster_errors(void **state)
{
    struct scratch *s = *state;
    struct fake_env good = { "10.96.0.1", "443" };
    char *token = scratch_path(s, "sa/token");
    char *ca = scratch_path(s, "sa/ca.crt");
    char *ns = scratch_path(s, "sa/namespace");
    char *dir = scratch_path(s, "sa");
    struct fake_env env;
    struct kubeconfig kc;
    char *err = NULL;

    write_serviceaccount(s);
    env = (struct fake_env) { NULL, "443" };
    expect_in_cluster_error(s, &env, -EINVAL, "environment: ",
                            "KUBERNETES_SERVICE_HOST: not set");
    env = (struct fake_env) { "10.96.0.1", "" };
    expect_in_cluster_error(s, &env, -EINVAL, "environment: ",
                            "KUBERNETES_SERVICE_PORT: not set");
    env = (struct fake_env) { "10.96.0.1", "https" };
    expect_in_cluster_error(s, &env, -EINVAL, "environment: ",
                            "KUBERNETES_SERVICE_PORT: \"https\" is not a "
                            "port number");
    env = (struct fake_env) { "10.96.0.1", "70000" };
    expect_in_cluster_error(s, &env, -EINVAL, "environment: ",
                            "is not a port number");
    env = (struct fake_env) { "10.96.0.1/x", "443" };
    expect_in_cluster_error(s, &env, -EINVAL, "environment: ",
                            "KUBERNETES_SERVICE_HOST: \"10.96.0.1/x\" is not "
                            "a host name");

    scratch_write(s, "sa/token", "\n");
    expect_in_cluster_error(s, &good, -EINVAL, token, ": is empty");
    unlink(token);
    expect_in_cluster_error(s, &good, -ENOENT, token, ": No such file");
    scratch_write(s, "sa/token", "t");
    unlink(ca);
    expect_in_cluster_error(s, &good, -ENOENT, ca, ": No such file");
    scratch_write(s, "sa/ca.crt", CA_PEM);

    /* Without a namespace file, as client-go does. */
    unlink(ns);
    assert_int_equal(kubeconfig_in_cluster(dir, fake_getenv, &good, &kc,
                                           &err), 0);
    assert_null(err);
    assert_string_equal(kc.namespace, "default");
    kubeconfig_destroy(&kc);
    free(dir);
    free(ns);
    free(ca);
    free(token);
}

int
main(void)
{
#define T(NAME) cmocka_unit_test_setup_teardown(NAME, scratch_setup, \
                                                scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_current_context),
        T(test_named_context),
        T(test_parse_text),
        T(test_inline_data),
        T(test_token_file),
        T(test_token_rotation),
        T(test_insecure),
        T(test_missing_references),
        T(test_bad_base64),
        T(test_unsupported_auth),
        T(test_conflicts),
        T(test_bad_files),
        T(test_in_cluster),
        T(test_in_cluster_errors),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
