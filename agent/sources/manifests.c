/*
 * The manifests folder as a state source.
 *
 * 'files' maps each file name in the folder (not a path) to the objects the
 * file defined the last time it was read successfully:
 *
 *     files:  "pods.yaml"  -> struct manifest_file
 *                               objects: "Pod/shop/web" -> json_object (ref)
 *                                        "Node//node-a" -> json_object (ref)
 *
 * Only objects the cluster model knows (cluster_identify) are kept.  The
 * model holds the union of all files.  When two files define the same
 * object, the file read last wins: at start files are read in name order,
 * later whenever a file is written.  An object a file stops defining is
 * deleted from the model unless another file still defines it, in which
 * case that file's version is applied again.
 *
 * A file is re-read only once it is complete: on IN_CLOSE_WRITE or
 * IN_MOVED_TO, or on IN_CREATE of a symlink or hard link (those never see a
 * write).  Events are gathered per name for everything readable at once and
 * then the folder is looked at, so an editor that renames the old file away
 * before writing the new one does not delete and re-add its objects.  A
 * file that fails to parse keeps its previous objects until a good version
 * arrives.  An inotify queue overflow, or a Kubernetes ConfigMap volume
 * swapping its "..data" link, re-reads the whole folder.
 */
#include <config.h>
#include "agent/sources/manifests.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "agent/model/cluster.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(manifests);

/* Deeper nesting than any Kubernetes object needs; bounds the recursion. */
#define MANIFESTS_MAX_DEPTH 64
/* Larger than any sane manifest; bounds memory for a stray big file. */
#define MANIFESTS_MAX_FILE_SIZE (16 * 1024 * 1024)

#define MANIFESTS_WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM \
                              | IN_DELETE | IN_CREATE | IN_DELETE_SELF \
                              | IN_MOVE_SELF | IN_ONLYDIR)

struct manifest_file {
    struct shash objects;       /* object key -> struct json_object * */
};

struct manifests {
    char *dir;
    int inotify_fd;
    bool watching;              /* false once the folder itself went away */
    struct shash files;         /* file name -> struct manifest_file * */
};

/* Parsing: documents into one array. */

static size_t
line_of_offset(const char *text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset; i++) {
        line += text[i] == '\n';
    }
    return line;
}

/* Adds one document to 'array': a List contributes its items, an empty
 * document nothing. */
static int
add_document(struct json_object *array, struct json_object *doc, size_t line,
             char **err)
{
    struct json_object *kind, *items;
    const char *k;

    if (!doc) {
        return 0;
    }
    if (!json_object_is_type(doc, json_type_object)) {
        *err = xasprintf("line %zu: a document must be a mapping", line);
        return -EINVAL;
    }
    k = (json_object_object_get_ex(doc, "kind", &kind)
         && json_object_is_type(kind, json_type_string)
         ? json_object_get_string(kind) : "");
    if (strlen(k) < 4 || strcmp(k + strlen(k) - 4, "List")
        || !json_object_object_get_ex(doc, "items", &items)
        || !json_object_is_type(items, json_type_array)) {
        json_object_array_add(array, json_object_get(doc));
        return 0;
    }
    for (size_t i = 0; i < json_object_array_length(items); i++) {
        struct json_object *item = json_object_array_get_idx(items, i);
        if (!json_object_is_type(item, json_type_object)) {
            *err = xasprintf("line %zu: %s item %zu is not a mapping",
                             line, k, i);
            return -EINVAL;
        }
        json_object_array_add(array, json_object_get(item));
    }
    return 0;
}

/* JSON: one or more values one after the other. */
static int
parse_json(const char *text, size_t len, struct json_object *array,
           char **err)
{
    struct json_tokener *tok = json_tokener_new_ex(MANIFESTS_MAX_DEPTH);
    size_t pos = 0;
    int error = 0;

    for (;;) {
        while (pos < len && strchr(" \t\r\n", text[pos])) {
            pos++;
        }
        if (pos >= len) {
            break;
        }

        struct json_object *doc = json_tokener_parse_ex(tok, text + pos,
                                                        len - pos);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = pos + json_tokener_get_parse_end(tok);
        if (jerr != json_tokener_success) {
            *err = xasprintf("line %zu: %s", line_of_offset(text, end),
                             jerr == json_tokener_continue
                             ? "unexpected end of JSON text"
                             : json_tokener_error_desc(jerr));
            error = -EINVAL;
            goto out;
        }
        error = add_document(array, doc, line_of_offset(text, pos), err);
        json_object_put(doc);
        if (error) {
            goto out;
        }
        pos = end;
        json_tokener_reset(tok);
    }

out:
    json_tokener_free(tok);
    return error;
}

/* YAML: the event API, one node at a time. */

struct yaml_reader {
    yaml_parser_t parser;
    char **err;
};

static int
yaml_next(struct yaml_reader *r, yaml_event_t *event)
{
    const yaml_parser_t *p = &r->parser;

    if (yaml_parser_parse(&r->parser, event)) {
        return 0;
    }
    if (p->context) {
        *r->err = xasprintf("line %zu column %zu: %s %s (line %zu)",
                            p->problem_mark.line + 1,
                            p->problem_mark.column + 1, p->problem,
                            p->context, p->context_mark.line + 1);
    } else {
        *r->err = xasprintf("line %zu column %zu: %s",
                            p->problem_mark.line + 1,
                            p->problem_mark.column + 1,
                            p->problem ? p->problem : "invalid YAML");
    }
    return -EINVAL;
}

/* Skips decimal digits at '*sp'; returns how many there were. */
static size_t
skip_digits(const char **sp)
{
    size_t n = strspn(*sp, "0123456789");
    *sp += n;
    return n;
}

static bool
is_yaml_float(const char *s)
{
    size_t mantissa_digits;

    s += *s == '-' || *s == '+';
    mantissa_digits = skip_digits(&s);
    if (*s == '.') {
        s++;
        mantissa_digits += skip_digits(&s);
    }
    if (!mantissa_digits) {
        return false;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        s += *s == '-' || *s == '+';
        if (!skip_digits(&s)) {
            return false;
        }
    }
    return *s == '\0';
}

/* An integer in YAML 1.2 core-schema spelling (decimal, 0x, 0o), or false
 * when 's' is not one or does not fit 64 bits. */
static bool
parse_yaml_int(const char *s, int64_t *valuep)
{
    const char *digits = "0123456789";
    size_t skip = 0, n;
    int base = 10;
    char *end;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
        base = s[1] == 'x' ? 16 : 8;
        digits = s[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567";
        skip = 2;
    } else if (s[0] == '-' || s[0] == '+') {
        skip = 1;
    }
    n = strspn(s + skip, digits);
    if (!n || s[skip + n]) {
        return false;
    }
    errno = 0;
    long long v = strtoll(base == 10 ? s : s + skip, &end, base);
    if (errno || *end) {
        return false;
    }
    *valuep = v;
    return true;
}

/* The YAML 1.2 core schema for plain scalars: null, booleans, integers and
 * floats become JSON values, anything else (yes/no/on/off included) stays a
 * string, as do quoted scalars. */
static struct json_object *
yaml_scalar(const yaml_event_t *event)
{
    const char *s = (const char *) event->data.scalar.value;
    size_t len = event->data.scalar.length;
    const char *tag = (const char *) event->data.scalar.tag;
    int64_t i;

    if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE
        || (tag && !strcmp(tag, YAML_STR_TAG)) || strlen(s) != len) {
        return json_object_new_string_len(s, len);
    }
    if (!len || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null")
        || !strcmp(s, "NULL")) {
        return NULL;
    }
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
        return json_object_new_boolean(1);
    }
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
        return json_object_new_boolean(0);
    }
    if (parse_yaml_int(s, &i)) {
        return json_object_new_int64(i);
    }
    if (is_yaml_float(s)) {
        return json_object_new_double(strtod(s, NULL));
    }
    return json_object_new_string_len(s, len);
}

static int yaml_node(struct yaml_reader *, yaml_event_t *, int depth,
                     struct json_object **);

static int
yaml_sequence(struct yaml_reader *r, int depth, struct json_object *array)
{
    for (;;) {
        struct json_object *child;
        yaml_event_t event;
        int error = yaml_next(r, &event);

        if (error) {
            return error;
        }
        if (event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            return 0;
        }
        error = yaml_node(r, &event, depth + 1, &child);
        yaml_event_delete(&event);
        if (error) {
            return error;
        }
        json_object_array_add(array, child);
    }
}

static int
yaml_mapping(struct yaml_reader *r, int depth, struct json_object *object)
{
    for (;;) {
        struct json_object *value;
        yaml_event_t key, event;
        int error = yaml_next(r, &key);

        if (error) {
            return error;
        }
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            return 0;
        }
        if (key.type != YAML_SCALAR_EVENT) {
            *r->err = xasprintf("line %zu: mapping keys must be scalars",
                                key.start_mark.line + 1);
            yaml_event_delete(&key);
            return -EINVAL;
        }
        error = yaml_next(r, &event);
        if (!error) {
            error = yaml_node(r, &event, depth + 1, &value);
            yaml_event_delete(&event);
        }
        if (!error) {
            json_object_object_add(object,
                                   (const char *) key.data.scalar.value,
                                   value);
        }
        yaml_event_delete(&key);
        if (error) {
            return error;
        }
    }
}

/* Builds the JSON value of the node that 'event' starts. */
static int
yaml_node(struct yaml_reader *r, yaml_event_t *event, int depth,
          struct json_object **valuep)
{
    const yaml_char_t *anchor = NULL;
    size_t line = event->start_mark.line + 1;
    int error = 0;

    *valuep = NULL;
    if (event->type == YAML_SCALAR_EVENT) {
        anchor = event->data.scalar.anchor;
    } else if (event->type == YAML_SEQUENCE_START_EVENT) {
        anchor = event->data.sequence_start.anchor;
    } else if (event->type == YAML_MAPPING_START_EVENT) {
        anchor = event->data.mapping_start.anchor;
    }
    if (anchor || event->type == YAML_ALIAS_EVENT) {
        *r->err = xasprintf("line %zu: YAML anchors and aliases are not "
                            "supported", line);
        return -EINVAL;
    }
    if (depth > MANIFESTS_MAX_DEPTH) {
        *r->err = xasprintf("line %zu: nested deeper than %d levels", line,
                            MANIFESTS_MAX_DEPTH);
        return -EINVAL;
    }

    switch (event->type) {
    case YAML_SCALAR_EVENT:
        *valuep = yaml_scalar(event);
        break;
    case YAML_SEQUENCE_START_EVENT:
        *valuep = json_object_new_array();
        error = yaml_sequence(r, depth, *valuep);
        break;
    case YAML_MAPPING_START_EVENT:
        *valuep = json_object_new_object();
        error = yaml_mapping(r, depth, *valuep);
        break;
    default:
        *r->err = xasprintf("line %zu: unexpected YAML event", line);
        error = -EINVAL;
        break;
    }
    if (error) {
        json_object_put(*valuep);
        *valuep = NULL;
    }
    return error;
}

/* Reads one document after its DOCUMENT-START event, through DOCUMENT-END. */
static int
yaml_document(struct yaml_reader *r, struct json_object *array)
{
    struct json_object *doc = NULL;
    yaml_event_t event;
    size_t line;
    int error;

    error = yaml_next(r, &event);
    if (error) {
        return error;
    }
    line = event.start_mark.line + 1;
    error = yaml_node(r, &event, 0, &doc);
    yaml_event_delete(&event);
    if (!error) {
        error = yaml_next(r, &event);
        if (!error) {
            yaml_event_delete(&event);
            error = add_document(array, doc, line, r->err);
        }
    }
    json_object_put(doc);
    return error;
}

static int
parse_yaml(const char *text, size_t len, struct json_object *array,
           char **err)
{
    struct yaml_reader r = { .err = err };
    int error = 0;

    if (!yaml_parser_initialize(&r.parser)) {
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *) text,
                                 len);
    for (;;) {
        yaml_event_t event;

        error = yaml_next(&r, &event);
        if (error) {
            break;
        }
        yaml_event_type_t type = event.type;
        yaml_event_delete(&event);
        if (type == YAML_STREAM_END_EVENT) {
            break;
        }
        if (type == YAML_DOCUMENT_START_EVENT) {
            error = yaml_document(&r, array);
            if (error) {
                break;
            }
        }
    }
    yaml_parser_delete(&r.parser);
    return error;
}

int
manifests_parse(const char *text, size_t len, struct json_object **arrayp,
                char **err)
{
    struct json_object *array = json_object_new_array();
    size_t start = 0;
    int error;

    while (start < len && strchr(" \t\r\n", text[start])) {
        start++;
    }
    error = (start < len && (text[start] == '{' || text[start] == '[')
             ? parse_json(text, len, array, err)
             : parse_yaml(text, len, array, err));
    if (error) {
        json_object_put(array);
        array = NULL;
    }
    *arrayp = array;
    return error;
}

/* Files. */

static bool
has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && !strcmp(s + n - m, suffix);
}

/* Dotfiles are hidden files and editor locks; "x.yaml~", "x.yaml.swp" and
 * other editor leftovers fail the suffix test. */
bool
manifests_is_manifest_name(const char *name)
{
    return (name[0] != '.'
            && (has_suffix(name, ".yaml") || has_suffix(name, ".yml")
                || has_suffix(name, ".json")));
}

static int
read_whole_file(const char *path, char **textp, size_t *lenp)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int error = 0;

    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st)) {
        error = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        error = -EISDIR;
        goto out;
    }
    for (;;) {
        ds_reserve(&text, text.length + 4096);
        ssize_t n = read(fd, text.string + text.length,
                         text.allocated - text.length);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error = -errno;
            goto out;
        }
        if (!n) {
            break;
        }
        text.length += n;
        if (text.length > MANIFESTS_MAX_FILE_SIZE) {
            error = -EFBIG;
            goto out;
        }
    }
    text.string[text.length] = '\0';

out:
    close(fd);
    if (error) {
        ds_destroy(&text);
    } else {
        *lenp = text.length;
        *textp = ds_steal_cstr(&text);
    }
    return error;
}

static char *
object_key(struct json_object *obj, char **err)
{
    enum cluster_kind kind;
    const char *ns, *name;
    int error = cluster_identify(obj, &kind, &ns, &name, err);

    return (error ? NULL
            : xasprintf("%s/%s/%s", cluster_kind_name(kind), ns ? ns : "",
                        name));
}

static void
objects_clear(struct shash *objects)
{
    struct shash_node *node;
    SHASH_FOR_EACH (node, objects) {
        json_object_put(node->data);
    }
    shash_clear(objects);
}

static void
manifest_file_free(struct manifest_file *file)
{
    if (file) {
        objects_clear(&file->objects);
        shash_destroy(&file->objects);
        free(file);
    }
}

/* Reads 'name' into 'objects' (keyed as in the design comment).  -ENOENT
 * when the file is gone; other errors are logged here. */
static int
manifests_read_file(const struct manifests *m, const char *name,
                    struct shash *objects)
{
    char *path = xasprintf("%s/%s", m->dir, name);
    struct json_object *array = NULL;
    char *text = NULL, *err = NULL;
    size_t len = 0;
    int error;

    error = read_whole_file(path, &text, &len);
    if (error) {
        if (error != -ENOENT) {
            VLOG_WARN("%s: %s", path, ovs_strerror(-error));
        }
        goto out;
    }
    error = manifests_parse(text, len, &array, &err);
    if (error) {
        VLOG_WARN("%s: %s; keeping what it defined before", path, err);
        goto out;
    }

    for (size_t i = 0; i < json_object_array_length(array); i++) {
        struct json_object *obj = json_object_array_get_idx(array, i);
        char *key = object_key(obj, &err);
        if (key) {
            json_object_put(shash_replace_nocopy(objects, key,
                                                 json_object_get(obj)));
        } else if (err) {
            VLOG_WARN("%s: %s", path, err);
            free(err);
            err = NULL;
        }
    }

out:
    json_object_put(array);
    free(err);
    free(text);
    free(path);
    return error;
}

static void
manifests_apply(const struct manifests *m, const char *name,
                struct json_object *obj, struct cluster *cluster)
{
    char *err = NULL;

    if (cluster_apply(cluster, obj, &err)) {
        VLOG_WARN("%s/%s: %s", m->dir, name, err);
        free(err);
    }
}

/* Another file's definition of 'key', for when 'except' drops it. */
static struct json_object *
manifests_find_elsewhere(const struct manifests *m, const char *except,
                         const char *key, const char **namep)
{
    struct shash_node *node;

    SHASH_FOR_EACH (node, &m->files) {
        const struct manifest_file *file = node->data;
        struct json_object *obj = shash_find_data(&file->objects, key);
        if (obj && strcmp(node->name, except)) {
            *namep = node->name;
            return obj;
        }
    }
    return NULL;
}

/* Makes the model reflect that file 'name' now defines 'objects' (moved
 * into the file's record; NULL when the file is gone). */
static void
manifests_update_file(struct manifests *m, const char *name,
                      struct shash *objects, struct cluster *cluster)
{
    struct manifest_file *file = shash_find_data(&m->files, name);
    struct shash_node *node;

    if (file) {
        SHASH_FOR_EACH (node, &file->objects) {
            if (objects && shash_find(objects, node->name)) {
                continue;
            }
            const char *other_name;
            struct json_object *other = manifests_find_elsewhere(
                m, name, node->name, &other_name);
            if (other) {
                manifests_apply(m, other_name, other, cluster);
            } else {
                enum cluster_kind kind;
                const char *ns, *obj_name;
                char *err = NULL;
                if (!cluster_identify(node->data, &kind, &ns, &obj_name,
                                      &err)) {
                    cluster_delete(cluster, kind, ns, obj_name);
                }
                free(err);
            }
        }
    }
    if (!objects) {
        manifest_file_free(shash_find_and_delete(&m->files, name));
        return;
    }

    SHASH_FOR_EACH (node, objects) {
        manifests_apply(m, name, node->data, cluster);
    }
    if (!file) {
        file = xzalloc(sizeof *file);
        shash_init(&file->objects);
        shash_add(&m->files, name, file);
    }
    objects_clear(&file->objects);
    shash_swap(&file->objects, objects);
}

/* Re-reads 'name'; a parse error leaves the model as it was. */
static void
manifests_reload(struct manifests *m, const char *name,
                 struct cluster *cluster)
{
    struct shash objects = SHASH_INITIALIZER(&objects);
    int error = manifests_read_file(m, name, &objects);

    if (!error) {
        manifests_update_file(m, name, &objects, cluster);
    } else if (error == -ENOENT) {
        manifests_update_file(m, name, NULL, cluster);
    }
    objects_clear(&objects);
    shash_destroy(&objects);
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Reads every manifest in the folder, in name order, and forgets files that
 * are gone. */
static int
manifests_rescan(struct manifests *m, struct cluster *cluster)
{
    DIR *dir = opendir(m->dir);
    struct shash present = SHASH_INITIALIZER(&present);
    struct shash_node *node, *next;
    char **names = NULL;
    size_t n = 0, allocated = 0;
    struct dirent *de;

    if (!dir) {
        return -errno;
    }
    while ((de = readdir(dir)) != NULL) {
        if (manifests_is_manifest_name(de->d_name)) {
            if (n >= allocated) {
                names = x2nrealloc(names, &allocated, sizeof *names);
            }
            names[n++] = xstrdup(de->d_name);
        }
    }
    closedir(dir);

    if (n) {
        qsort(names, n, sizeof *names, compare_names);
    }
    for (size_t i = 0; i < n; i++) {
        manifests_reload(m, names[i], cluster);
        shash_add_once(&present, names[i], NULL);
    }
    SHASH_FOR_EACH_SAFE (node, next, &m->files) {
        if (!shash_find(&present, node->name)) {
            manifests_update_file(m, node->name, NULL, cluster);
        }
    }
    shash_destroy(&present);
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    return 0;
}

/* The events gathered for 'name' say how to look at it now. */
static void
manifests_settle(struct manifests *m, const char *name, uint32_t mask,
                 struct cluster *cluster)
{
    char *path = xasprintf("%s/%s", m->dir, name);
    struct stat st;

    if (lstat(path, &st)) {
        if (errno == ENOENT) {
            manifests_update_file(m, name, NULL, cluster);
        }
    } else if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)
               || (mask & IN_CREATE
                   && (S_ISLNK(st.st_mode) || st.st_nlink > 1))) {
        manifests_reload(m, name, cluster);
    }
    free(path);
}

/* Drains the inotify queue into 'pending' (name -> event mask).  Returns
 * true if the whole folder must be re-read. */
static bool
manifests_read_events(struct manifests *m, struct shash *pending)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool rescan = false;

    for (;;) {
        ssize_t n = read(m->inotify_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN) {
                VLOG_WARN("%s: reading inotify events: %s", m->dir,
                          ovs_strerror(errno));
            }
            return rescan;
        }
        for (char *p = buf; p < buf + n; ) {
            const struct inotify_event *ev = (const void *) p;
            p += sizeof *ev + ev->len;

            if (ev->mask & IN_Q_OVERFLOW) {
                rescan = true;
            } else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF
                                   | IN_IGNORED)) {
                if (m->watching) {
                    VLOG_WARN("%s: folder removed or moved; no longer "
                              "watching it", m->dir);
                    m->watching = false;
                }
            } else if (ev->len && !strcmp(ev->name, "..data")) {
                rescan = true;
            } else if (ev->len && !(ev->mask & IN_ISDIR)
                       && manifests_is_manifest_name(ev->name)) {
                struct shash_node *node = shash_find(pending, ev->name);
                if (!node) {
                    node = shash_add(pending, ev->name, NULL);
                }
                node->data = (void *) ((uintptr_t) node->data | ev->mask);
            }
        }
    }
}

static void
manifests_run(void *impl, struct cluster *cluster)
{
    struct manifests *m = impl;
    struct shash pending = SHASH_INITIALIZER(&pending);

    if (manifests_read_events(m, &pending)) {
        manifests_rescan(m, cluster);
    } else if (!shash_is_empty(&pending)) {
        const struct shash_node **sorted = shash_sort(&pending);
        for (size_t i = 0; i < shash_count(&pending); i++) {
            manifests_settle(m, sorted[i]->name,
                             (uintptr_t) sorted[i]->data, cluster);
        }
        free(sorted);
    }
    shash_destroy(&pending);
}

static void
manifests_wait(void *impl)
{
    struct manifests *m = impl;
    poll_fd_wait(m->inotify_fd, POLLIN);
}

static void
manifests_destroy(void *impl)
{
    struct manifests *m = impl;
    struct shash_node *node;

    if (!m) {
        return;
    }
    SHASH_FOR_EACH (node, &m->files) {
        manifest_file_free(node->data);
    }
    shash_destroy(&m->files);
    if (m->inotify_fd >= 0) {
        close(m->inotify_fd);
    }
    free(m->dir);
    free(m);
}

static void
manifests_format(void *impl, struct ds *s)
{
    const struct manifests *m = impl;

    ds_put_format(s, "manifests: %s, %zu files%s\n", m->dir,
                  shash_count(&m->files),
                  m->watching ? "" : " (the folder is gone)");
}

static const struct source_class manifests_class = {
    .name = "manifests",
    .run = manifests_run,
    .wait = manifests_wait,
    .format = manifests_format,
    .destroy = manifests_destroy,
};

int
manifests_open(const char *dir, struct cluster *cluster, struct source *src)
{
    struct manifests *m = xzalloc(sizeof *m);
    int error;

    m->dir = xstrdup(dir);
    shash_init(&m->files);
    /* Watch before the first scan so that nothing written in between is
     * missed. */
    m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m->inotify_fd < 0) {
        error = -errno;
        VLOG_ERR("inotify: %s", ovs_strerror(errno));
        goto error;
    }
    if (inotify_add_watch(m->inotify_fd, dir, MANIFESTS_WATCH_MASK) < 0) {
        error = -errno;
        VLOG_ERR("%s: %s", dir, ovs_strerror(errno));
        goto error;
    }
    m->watching = true;
    error = manifests_rescan(m, cluster);
    if (error) {
        VLOG_ERR("%s: %s", dir, ovs_strerror(-error));
        goto error;
    }
    VLOG_INFO("%s: %zu manifest files", dir, shash_count(&m->files));
    src->class = &manifests_class;
    src->impl = m;
    return 0;

error:
    manifests_destroy(m);
    src->class = NULL;
    src->impl = NULL;
    return error;
}
