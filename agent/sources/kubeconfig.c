/*
 * Reading the API server's configuration.
 *
 * A kubeconfig file is walked with libyaml's document API, not converted
 * to JSON first, so that an error can name the line as well as the field.
 * Unknown keys are ignored, as kubectl ignores them (files carry
 * preferences and extensions), except the ones that would change who we
 * authenticate as or how we connect: those are refused rather than
 * silently dropped.
 *
 * Both readers fill a struct of their own and hand it to the caller only
 * once everything has been read and checked.
 */
#include <config.h>
#include "agent/sources/kubeconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "agent/lib/yamldoc.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Tokens are a few kilobytes; this only stops a wrong path (/dev/zero)
 * from eating memory. */
#define MAX_FILE_SIZE (1024 * 1024)

void
kubeconfig_destroy(struct kubeconfig *kc)
{
    free(kc->server);
    free(kc->namespace);
    free(kc->ca_file);
    free(kc->ca_pem);
    free(kc->token);
    free(kc->token_file);
    free(kc->cert_file);
    free(kc->key_file);
    free(kc->cert_pem);
    free(kc->key_pem);
    memset(kc, 0, sizeof *kc);
}

/* Files. */

static bool
stamp_equal(const struct kubeconfig_stamp *a, const struct kubeconfig_stamp *b)
{
    return (a->dev == b->dev && a->ino == b->ino && a->size == b->size
            && a->mtime.tv_sec == b->mtime.tv_sec
            && a->mtime.tv_nsec == b->mtime.tv_nsec);
}

static int
read_fd(int fd, struct ds *text)
{
    char buf[4096];
    ssize_t n;

    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (text->length + n > MAX_FILE_SIZE) {
            return -EFBIG;
        }
        ds_put_buffer(text, buf, n);
    }
    return 0;
}

/* Copies 'text' without the white space around it into '*copyp', unless
 * nothing is left. */
static bool
trimmed_copy(struct ds *text, char **copyp)
{
    const char *start = ds_cstr(text);
    size_t len = text->length;
    size_t lead = strspn(start, " \t\r\n");

    while (len > lead && isspace((unsigned char) start[len - 1])) {
        len--;
    }
    *copyp = len > lead ? xmemdup0(start + lead, len - lead) : NULL;
    return *copyp != NULL;
}

/* Reads file 'path' into '*textp' without the white space around it (a
 * token or namespace written with a final newline), and its stamp into
 * '*stamp' if nonnull.  When the file's stamp equals '*unless', leaves
 * '*textp' null instead.  An empty file is an error.  On error '*err' is
 * "PATH: PROBLEM". */
static int
read_stamped(const char *path, const struct kubeconfig_stamp *unless,
             char **textp, struct kubeconfig_stamp *stamp, char **err)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    struct kubeconfig_stamp now;
    bool empty = false;
    struct stat st;
    int error = 0;
    int fd;

    *textp = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st)) {
        error = -errno;
        goto out;
    }
    now = (struct kubeconfig_stamp) {
        .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
        .mtime = st.st_mtim,
    };
    if (!unless || !stamp_equal(unless, &now)) {
        error = read_fd(fd, &text);
        empty = !error && !trimmed_copy(&text, textp);
        error = empty ? -EINVAL : error;
    }
    if (stamp && !error) {
        *stamp = now;
    }

out:
    if (error) {
        *err = xasprintf("%s: %s", path,
                         empty ? "is empty" : ovs_strerror(-error));
    }
    if (fd >= 0) {
        close(fd);
    }
    ds_destroy(&text);
    return error;
}

static int
check_readable(const char *path, char **err)
{
    if (access(path, R_OK)) {
        int error = -errno;
        *err = xasprintf("%s: %s", path, ovs_strerror(errno));
        return error;
    }
    return 0;
}

int
kubeconfig_token(struct kubeconfig *kc, const char **tokenp, bool force,
                 char **err)
{
    struct kubeconfig_stamp stamp;
    char *token;
    int error;

    *err = NULL;
    *tokenp = kc->token;
    if (!kc->token_file) {
        return 0;
    }
    error = read_stamped(kc->token_file, force ? NULL : &kc->token_stamp,
                         &token, &stamp, err);
    if (!error && token) {
        free(kc->token);
        kc->token = token;
        kc->token_stamp = stamp;
        *tokenp = token;
    }
    return error;
}

/* Base64 (RFC 4648, padded; line breaks skipped), decoded strictly: any
 * other character, a misplaced '=' or nonzero spare bits is refused, so
 * that a damaged value fails here rather than as a TLS error later.
 * Returns what is wrong, or NULL. */
static const char *
base64_decode(const char *in, struct ds *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t quad = 0;
    int n = 0, pad = 0;
    bool ended = false;

    for (; *in; in++) {
        const char *digit = strchr(alphabet, *in);

        if (*in == '\n' || *in == '\r') {
            continue;
        } else if (ended) {
            return "characters after the final '='";
        } else if (*in == '=' && n >= 2) {
            pad++;
            quad <<= 6;
        } else if (*in == '=' || (digit && pad)) {
            return "a misplaced '='";
        } else if (!digit) {
            return "a character that is not base64";
        } else {
            quad = quad << 6 | (digit - alphabet);
        }
        if (++n == 4) {
            if (quad & ((UINT32_C(1) << (8 * pad)) - 1)) {
                return "nonzero bits after the data";
            }
            for (int i = 0; i < 3 - pad; i++) {
                ds_put_char(out, (quad >> (16 - 8 * i)) & 0xff);
            }
            ended = pad > 0;
            n = 0;
            quad = 0;
        }
    }
    return n ? "a length that is not a multiple of 4" : NULL;
}

/* Decodes 'base64' into PEM text, or returns what is wrong. */
static const char *
decode_pem(const char *base64, char **pemp)
{
    struct ds pem = DS_EMPTY_INITIALIZER;
    const char *problem = base64_decode(base64, &pem);

    if (!problem && (memchr(pem.string, '\0', pem.length)
                     || !strstr(ds_cstr(&pem), "-----BEGIN "))) {
        problem = "does not decode to PEM text (no '-----BEGIN ')";
    }
    if (problem) {
        ds_destroy(&pem);
        return problem;
    }
    *pemp = ds_steal_cstr(&pem);
    return NULL;
}

/* The kubeconfig file. */

struct reader {
    const char *path;
    const char *text;           /* what 'path' holds, or NULL: read it */
    size_t len;
    char *dir;                  /* absolute folder of 'path' */
    yaml_document_t doc;
    bool loaded;                /* 'doc' is to be deleted */
    bool allow_insecure;
    char **err;
};

/* A mapping of the file, and how errors name it, e.g.
 * "clusters[prod].cluster" (NULL at the top). */
struct section {
    yaml_node_t *map;
    char *name;
};

static int OVS_PRINTF_FORMAT(5, 6)
kc_error(struct reader *r, const yaml_node_t *node, const char *section,
         const char *key, const char *format, ...)
{
    struct ds msg = DS_EMPTY_INITIALIZER;
    va_list args;

    section = section ? section : "";
    ds_put_cstr(&msg, r->path);
    if (node) {
        ds_put_format(&msg, ":%zu", node->start_mark.line + 1);
    }
    ds_put_format(&msg, ": %s%s%s: ", section, section[0] && key ? "." : "",
                  key ? key : "");
    va_start(args, format);
    ds_put_format_valist(&msg, format, args);
    va_end(args);
    *r->err = ds_steal_cstr(&msg);
    return -EINVAL;
}

static yaml_node_t *
node_get(struct reader *r, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&r->doc, pair->key);
        if (k->type == YAML_SCALAR_NODE
            && !strcmp((const char *) k->data.scalar.value, key)) {
            return yaml_document_get_node(&r->doc, pair->value);
        }
    }
    return NULL;
}

static bool
is_absent(const yaml_node_t *node)
{
    const char *v = (const char *) node->data.scalar.value;

    /* Go's decoder leaves an empty or null string field unset. */
    return (node->type == YAML_SCALAR_NODE
            && (!v[0] || (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                          && (!strcmp(v, "~") || !strcmp(v, "null")))));
}

/* Sets '*v' to the string at 'key' of 's', NULL if absent or empty, and
 * '*nodep' (if nonnull) to its node, else to the section's. */
static int
get_string(struct reader *r, const struct section *s, const char *key,
           const char **v, const yaml_node_t **nodep)
{
    const yaml_node_t *node = node_get(r, s->map, key);

    *v = NULL;
    if (nodep) {
        *nodep = node ? node : s->map;
    }
    if (!node || is_absent(node)) {
        return 0;
    }
    if (node->type != YAML_SCALAR_NODE) {
        return kc_error(r, node, s->name, key, "expected a string");
    }
    *v = (const char *) node->data.scalar.value;
    return 0;
}

static int
get_bool(struct reader *r, const struct section *s, const char *key,
         bool *v)
{
    static const char *const trues[] = { "true", "True", "TRUE", NULL };
    static const char *const falses[] = { "false", "False", "FALSE", NULL };
    const yaml_node_t *node;
    const char *text;
    int error = get_string(r, s, key, &text, &node);

    *v = false;
    if (error || !text) {
        return error;
    }
    for (size_t i = 0; trues[i]; i++) {
        if (!strcmp(text, trues[i]) || !strcmp(text, falses[i])) {
            *v = !strcmp(text, trues[i]);
            return 0;
        }
    }
    return kc_error(r, node, s->name, key, "expected true or false");
}

/* Fails if 's' has any of 'keys' (NULL-terminated). */
static int
refuse_keys(struct reader *r, const struct section *s,
            const char *const *keys, const char *instead)
{
    for (; *keys; keys++) {
        const yaml_node_t *node = node_get(r, s->map, *keys);
        if (node && !is_absent(node)) {
            return kc_error(r, node, s->name, *keys, "not supported (%s)",
                            instead);
        }
    }
    return 0;
}

/* Whether 'entry' of list 'list' is named 'name'; a nameless entry is an
 * error. */
static int
entry_is(struct reader *r, const char *list, yaml_node_t *entry,
         const char *name, bool *is)
{
    struct section s = { .map = entry, .name = CONST_CAST(char *, list) };
    const yaml_node_t *node;
    const char *v;
    int error;

    *is = false;
    if (entry->type != YAML_MAPPING_NODE) {
        return kc_error(r, entry, list, NULL, "expected mappings with a name");
    }
    error = get_string(r, &s, "name", &v, &node);
    if (!error && !v) {
        error = kc_error(r, node, list, "name", "missing in an entry");
    }
    *is = !error && !strcmp(v, name);
    return error;
}

/* Finds in top-level list 'list' ("clusters") the entry named 'name' and
 * sets '*s' to its mapping 'item' ("cluster").  The name comes from 'key'
 * of 'from', or from the caller if 'from' is NULL. */
static int
find_entry(struct reader *r, const struct section *from, const char *key,
           const char *list, const char *item, const char *name,
           struct section *s)
{
    yaml_node_t *root = yaml_document_get_root_node(&r->doc);
    yaml_node_t *seq = node_get(r, root, list);
    yaml_node_t *found = NULL;

    if (seq && seq->type != YAML_SEQUENCE_NODE && !is_absent(seq)) {
        return kc_error(r, seq, NULL, list, "expected a list");
    }
    for (yaml_node_item_t *i = seq ? seq->data.sequence.items.start : NULL;
         i && i < seq->data.sequence.items.top; i++) {
        yaml_node_t *entry = yaml_document_get_node(&r->doc, *i);
        bool is;
        int error = entry_is(r, list, entry, name, &is);
        if (error) {
            return error;
        } else if (is && found) {
            return kc_error(r, entry, NULL, list, "two entries named \"%s\" "
                            "(the first on line %zu)", name,
                            found->start_mark.line + 1);
        } else if (is) {
            found = entry;
        }
    }
    if (!found) {
        return (from
                ? kc_error(r, node_get(r, from->map, key), from->name, key,
                           "no entry named \"%s\" in %s", name, list)
                : kc_error(r, NULL, NULL, list, "no entry named \"%s\" "
                           "(the context asked for)", name));
    }

    s->name = xasprintf("%s[%s].%s", list, name, item);
    s->map = node_get(r, found, item);
    if (!s->map || s->map->type != YAML_MAPPING_NODE) {
        return kc_error(r, s->map ? s->map : found, s->name, NULL,
                        "missing, or not a mapping");
    }
    return 0;
}

static int
find_context(struct reader *r, const struct section *top, const char *asked,
             struct section *context)
{
    const char *current;
    int error;

    if (asked) {
        return find_entry(r, NULL, NULL, "contexts", "context", asked,
                          context);
    }
    error = get_string(r, top, "current-context", &current, NULL);
    if (!error && !current) {
        error = kc_error(r, NULL, NULL, "current-context",
                         "not set, and no context was asked for");
    }
    return error ? error : find_entry(r, top, "current-context", "contexts",
                                      "context", current, context);
}

/* A file name from the kubeconfig, taken from its folder if relative, and
 * checked to be readable now rather than at the first connection. */
static int
get_file(struct reader *r, const struct section *s, const char *key,
         char **filep)
{
    const yaml_node_t *node;
    const char *name;
    char *problem = NULL;
    int error = get_string(r, s, key, &name, &node);

    *filep = NULL;
    if (error || !name) {
        return error;
    }
    *filep = abs_file_name(r->dir, name);
    error = check_readable(*filep, &problem);
    if (error) {
        kc_error(r, node, s->name, key, "%s", problem);
        free(problem);
    }
    return error;
}

/* Reads the pair 'key' (a PEM file) and 'key'-data (base64 PEM), of which
 * at most one may be given: "-data takes precedence" is kubectl's rule,
 * but its own validation calls the pair an error, and so do we. */
static int
get_pem(struct reader *r, const struct section *s, const char *key,
        char **filep, char **pemp)
{
    char *data_key = xasprintf("%s-data", key);
    const yaml_node_t *node;
    const char *data;
    const char *problem;
    int error = get_string(r, s, data_key, &data, &node);

    *pemp = NULL;
    if (!error) {
        error = get_file(r, s, key, filep);
    }
    if (!error && data && *filep) {
        error = kc_error(r, node, s->name, data_key, "given with %s: give "
                         "only one of the two", key);
    } else if (!error && data) {
        problem = decode_pem(data, pemp);
        if (problem) {
            error = kc_error(r, node, s->name, data_key, "not valid base64 "
                             "PEM: %s", problem);
        }
    }
    free(data_key);
    return error;
}

static int
read_server(struct reader *r, const struct section *cluster,
            struct kubeconfig *kc)
{
    const yaml_node_t *node;
    const char *server;
    int error = get_string(r, cluster, "server", &server, &node);
    bool https = server && !strncmp(server, "https://", 8);
    bool http = server && !strncmp(server, "http://", 7);
    size_t scheme = https ? 8 : 7;
    size_t len = server ? strlen(server) : 0;

    if (error) {
        return error;
    } else if (!server) {
        return kc_error(r, node, cluster->name, "server", "missing");
    } else if (!https && !http) {
        return kc_error(r, node, cluster->name, "server",
                        "expected an https:// URL");
    } else if (http && !r->allow_insecure) {
        return kc_error(r, node, cluster->name, "server", "refused: plain "
                        "http would send the credentials unencrypted, and "
                        "insecure connections are not allowed");
    }
    while (len > scheme && server[len - 1] == '/') {
        len--;
    }
    if (len == scheme) {
        return kc_error(r, node, cluster->name, "server", "has no host");
    }
    kc->server = xmemdup0(server, len);
    return 0;
}

static int
read_cluster(struct reader *r, const struct section *cluster,
             struct kubeconfig *kc)
{
    static const char *const unsupported[] = {
        "tls-server-name", "proxy-url", NULL
    };
    const char *key = "insecure-skip-tls-verify";
    int error = refuse_keys(r, cluster, unsupported, "seine-agent connects "
                            "to the server directly, by the name in server");

    if (!error) {
        error = read_server(r, cluster, kc);
    }
    if (!error) {
        error = get_bool(r, cluster, key, &kc->insecure);
    }
    if (!error && kc->insecure && !r->allow_insecure) {
        return kc_error(r, node_get(r, cluster->map, key), cluster->name,
                        key, "refused: it turns off checking the API "
                        "server's certificate, and insecure connections "
                        "are not allowed");
    }
    if (!error) {
        error = get_pem(r, cluster, "certificate-authority", &kc->ca_file,
                        &kc->ca_pem);
    }
    if (!error && kc->insecure && (kc->ca_file || kc->ca_pem)) {
        error = kc_error(r, node_get(r, cluster->map, key), cluster->name,
                         key, "given with a certificate authority: give "
                         "only one of the two");
    }
    return error;
}

static int
read_token(struct reader *r, const struct section *user,
           struct kubeconfig *kc)
{
    const yaml_node_t *node;
    const char *token;
    char *problem = NULL;
    int error = get_string(r, user, "token", &token, NULL);

    if (!error) {
        error = get_file(r, user, "tokenFile", &kc->token_file);
    }
    if (error || !kc->token_file) {
        kc->token = nullable_xstrdup(token);
        return error;
    }
    node = node_get(r, user->map, "tokenFile");
    if (token) {
        return kc_error(r, node, user->name, "tokenFile", "given with "
                        "token: give only one of the two");
    }
    error = read_stamped(kc->token_file, NULL, &kc->token, &kc->token_stamp,
                         &problem);
    if (error) {
        kc_error(r, node, user->name, "tokenFile", "%s", problem);
        free(problem);
    }
    return error;
}

static int
read_user(struct reader *r, const struct section *user,
          struct kubeconfig *kc)
{
    static const char *const unsupported[] = {
        "exec", "auth-provider", "username", "password",
        "as", "as-uid", "as-groups", "as-user-extra", NULL
    };
    int error = refuse_keys(r, user, unsupported, "seine-agent "
                            "authenticates with token, tokenFile or "
                            "client-certificate and client-key");
    bool has_cert, has_key;

    if (!error) {
        error = read_token(r, user, kc);
    }
    if (!error) {
        error = get_pem(r, user, "client-certificate", &kc->cert_file,
                        &kc->cert_pem);
    }
    if (!error) {
        error = get_pem(r, user, "client-key", &kc->key_file, &kc->key_pem);
    }
    has_cert = kc->cert_file || kc->cert_pem;
    has_key = kc->key_file || kc->key_pem;
    if (!error && has_cert != has_key) {
        error = kc_error(r, user->map, user->name,
                         has_cert ? "client-key" : "client-certificate",
                         "missing: a client certificate needs its key, "
                         "and the other way round");
    }
    return error;
}

static int
read_config(struct reader *r, const char *context_name,
            struct kubeconfig *kc)
{
    struct section top = {
        .map = yaml_document_get_root_node(&r->doc), .name = NULL,
    };
    struct section context = { NULL, NULL };
    struct section cluster = { NULL, NULL };
    struct section user = { NULL, NULL };
    const char *cluster_name, *user_name, *namespace;
    const yaml_node_t *cluster_node, *user_node;
    int error = find_context(r, &top, context_name, &context);

    if (!error) {
        error = get_string(r, &context, "cluster", &cluster_name,
                           &cluster_node);
    }
    if (!error) {
        error = get_string(r, &context, "user", &user_name, &user_node);
    }
    if (!error && (!cluster_name || !user_name)) {
        const char *key = !cluster_name ? "cluster" : "user";
        error = kc_error(r, !cluster_name ? cluster_node : user_node,
                         context.name, key, "missing");
    }
    if (!error) {
        error = find_entry(r, &context, "cluster", "clusters", "cluster",
                           cluster_name, &cluster);
    }
    if (!error) {
        error = find_entry(r, &context, "user", "users", "user", user_name,
                           &user);
    }
    if (!error) {
        error = get_string(r, &context, "namespace", &namespace, NULL);
        kc->namespace = xstrdup(namespace ? namespace : "default");
    }
    if (!error) {
        error = read_cluster(r, &cluster, kc);
    }
    if (!error) {
        error = read_user(r, &user, kc);
    }
    free(context.name);
    free(cluster.name);
    free(user.name);
    return error;
}

static int
parse_file(struct reader *r)
{
    yaml_node_t *root;
    int error = (r->text ? yamldoc_parse(r->path, r->text, r->len, &r->doc,
                                         r->err)
                 : yamldoc_load(r->path, &r->doc, r->err));

    if (error) {
        return error;
    }
    r->loaded = true;
    root = yaml_document_get_root_node(&r->doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        return kc_error(r, root, NULL, "(top)", "expected a mapping with "
                        "clusters, contexts and users");
    }
    return 0;
}

static int
load(const char *path, const char *text, size_t len,
     const struct kubeconfig_options *options, struct kubeconfig *kc,
     char **err)
{
    static const struct kubeconfig_options defaults;
    struct kubeconfig new = { .server = NULL };
    struct reader r = { .path = path, .text = text, .len = len, .err = err };
    char *dir = dir_name(path);
    int error;

    options = options ? options : &defaults;
    r.allow_insecure = options->allow_insecure;
    r.dir = abs_file_name(NULL, dir);
    *err = NULL;
    memset(kc, 0, sizeof *kc);

    if (!r.dir) {
        *err = xasprintf("%s: the current folder is gone", path);
        error = -ENOENT;
    } else {
        error = parse_file(&r);
    }
    if (!error) {
        error = read_config(&r, options->context, &new);
    }
    if (r.loaded) {
        yaml_document_delete(&r.doc);
    }
    if (error) {
        kubeconfig_destroy(&new);
    } else {
        *kc = new;
    }
    free(r.dir);
    free(dir);
    return error;
}

int
kubeconfig_load(const char *path, const struct kubeconfig_options *options,
                struct kubeconfig *kc, char **err)
{
    return load(path, NULL, 0, options, kc, err);
}

int
kubeconfig_parse(const char *path, const char *text, size_t len,
                 const struct kubeconfig_options *options,
                 struct kubeconfig *kc, char **err)
{
    return load(path, text, len, options, kc, err);
}

/* In a pod. */

static const char *
process_env(const char *name, void *aux OVS_UNUSED)
{
    return getenv(name);
}

static int
env_error(const char *name, const char *value, const char *problem,
          char **err)
{
    *err = xasprintf("environment: %s: %s%s%s%s", name, value ? "\"" : "",
                     value ? value : "", value ? "\" " : "", problem);
    return -EINVAL;
}

/* The API server's address, as the kubelet gives it to every pod. */
static int
in_cluster_server(kubeconfig_getenv_func *lookup, void *aux, char **server,
                  char **err)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:";
    const char *host = lookup("KUBERNETES_SERVICE_HOST", aux);
    const char *port = lookup("KUBERNETES_SERVICE_PORT", aux);
    unsigned long port_number;
    char *end;

    if (!host || !host[0]) {
        return env_error("KUBERNETES_SERVICE_HOST", NULL, "not set (not in "
                         "a pod?)", err);
    } else if (strspn(host, host_chars) != strlen(host)) {
        return env_error("KUBERNETES_SERVICE_HOST", host, "is not a host "
                         "name or IP address", err);
    } else if (!port || !port[0]) {
        return env_error("KUBERNETES_SERVICE_PORT", NULL, "not set (not in "
                         "a pod?)", err);
    }
    errno = 0;
    port_number = strtoul(port, &end, 10);
    if (!isdigit((unsigned char) port[0]) || *end || errno
        || !port_number || port_number > 65535) {
        return env_error("KUBERNETES_SERVICE_PORT", port, "is not a port "
                         "number", err);
    }
    /* An IPv6 address goes in brackets, as in Go's net.JoinHostPort. */
    *server = xasprintf(strchr(host, ':') ? "https://[%s]:%lu"
                        : "https://%s:%lu", host, port_number);
    return 0;
}

static int
in_cluster_namespace(const char *dir, char **namespace, char **err)
{
    char *path = xasprintf("%s/namespace", dir);
    int error = read_stamped(path, NULL, namespace, NULL, err);

    /* client-go's in-cluster configuration does without it too. */
    if (error == -ENOENT) {
        free(*err);
        *err = NULL;
        *namespace = xstrdup("default");
        error = 0;
    }
    free(path);
    return error;
}

int
kubeconfig_in_cluster(const char *dir, kubeconfig_getenv_func *lookup,
                      void *aux, struct kubeconfig *kc, char **err)
{
    struct kubeconfig new = {
        .token_file = xasprintf("%s/token", dir),
        .ca_file = xasprintf("%s/ca.crt", dir),
    };
    int error;

    *err = NULL;
    memset(kc, 0, sizeof *kc);
    error = in_cluster_server(lookup ? lookup : process_env, aux,
                              &new.server, err);
    if (!error) {
        error = read_stamped(new.token_file, NULL, &new.token,
                             &new.token_stamp, err);
    }
    if (!error) {
        error = check_readable(new.ca_file, err);
    }
    if (!error) {
        error = in_cluster_namespace(dir, &new.namespace, err);
    }
    if (error) {
        kubeconfig_destroy(&new);
    } else {
        *kc = new;
    }
    return error;
}
