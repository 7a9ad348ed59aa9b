#include <config.h>
#include "agent/lib/yamldoc.h"

#include <errno.h>
#include <stdio.h>

#include "util.h"

static char *
parser_error(const char *path, const yaml_parser_t *parser)
{
    return xasprintf("%s:%zu:%zu: %s%s%s", path,
                     parser->problem_mark.line + 1,
                     parser->problem_mark.column + 1,
                     parser->problem ? parser->problem : "invalid YAML",
                     parser->context ? " " : "",
                     parser->context ? parser->context : "");
}

/* Fails if 'parser' holds another document after the first. */
static int
refuse_second(const char *path, yaml_parser_t *parser, char **err)
{
    yaml_document_t extra;
    yaml_node_t *root;

    if (!yaml_parser_load(parser, &extra)) {
        *err = parser_error(path, parser);
        return -EINVAL;
    }
    root = yaml_document_get_root_node(&extra);
    if (root) {
        *err = xasprintf("%s:%zu: only one YAML document is allowed", path,
                         root->start_mark.line + 1);
    }
    yaml_document_delete(&extra);
    return root ? -EINVAL : 0;
}

/* Loads the first document of what 'parser' reads, and checks that no
 * other follows; 'name' is what errors call the input. */
static int
load(const char *name, yaml_parser_t *parser, yaml_document_t *doc,
     char **err)
{
    int error;

    if (!yaml_parser_load(parser, doc)) {
        *err = parser_error(name, parser);
        return -EINVAL;
    }
    error = refuse_second(name, parser, err);
    if (error) {
        yaml_document_delete(doc);
    }
    return error;
}

int
yamldoc_load(const char *path, yaml_document_t *doc, char **err)
{
    yaml_parser_t parser;
    FILE *file = fopen(path, "r");
    int error;

    *err = NULL;
    if (!file) {
        error = -errno;
        *err = xasprintf("%s: %s", path, ovs_strerror(errno));
        return error;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(file);
        *err = xasprintf("%s: out of memory", path);
        return -ENOMEM;
    }
    yaml_parser_set_input_file(&parser, file);
    error = load(path, &parser, doc, err);
    yaml_parser_delete(&parser);
    fclose(file);
    return error;
}

int
yamldoc_parse(const char *name, const char *text, size_t len,
              yaml_document_t *doc, char **err)
{
    yaml_parser_t parser;
    int error;

    *err = NULL;
    if (!yaml_parser_initialize(&parser)) {
        *err = xasprintf("%s: out of memory", name);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);
    error = load(name, &parser, doc, err);
    yaml_parser_delete(&parser);
    return error;
}
