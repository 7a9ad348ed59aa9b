#include <config.h>
#include "seinectl/table.h"

#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

#define TABLE_GAP 3

void
table_init(struct table *t, const char *const *headers, size_t n_cols)
{
    t->n_cols = n_cols;
    t->headers = xmalloc(n_cols * sizeof *t->headers);
    for (size_t i = 0; i < n_cols; i++) {
        t->headers[i] = xstrdup(headers[i]);
    }
    t->rows = NULL;
    t->n_rows = 0;
}

static void
free_row(char **row, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(row[i]);
    }
    free(row);
}

void
table_destroy(struct table *t)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        free_row(t->rows[i], t->n_cols);
    }
    free(t->rows);
    free_row(t->headers, t->n_cols);
}

void
table_add_row(struct table *t, const char *const *cells)
{
    char **row = xmalloc(t->n_cols * sizeof *row);

    for (size_t i = 0; i < t->n_cols; i++) {
        row[i] = xstrdup(cells[i] && cells[i][0] ? cells[i] : "-");
    }
    t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
    t->rows[t->n_rows++] = row;
}

static void
format_row(char *const *row, const size_t *widths, size_t n, struct ds *s)
{
    for (size_t i = 0; i < n; i++) {
        ds_put_cstr(s, row[i]);
        if (i + 1 < n) {
            ds_put_char_multiple(s, ' ', widths[i] - strlen(row[i])
                                 + TABLE_GAP);
        }
    }
    ds_put_char(s, '\n');
}

void
table_format(const struct table *t, struct ds *s)
{
    size_t *widths = xmalloc(MAX(t->n_cols, 1) * sizeof *widths);

    for (size_t i = 0; i < t->n_cols; i++) {
        widths[i] = strlen(t->headers[i]);
        for (size_t r = 0; r < t->n_rows; r++) {
            widths[i] = MAX(widths[i], strlen(t->rows[r][i]));
        }
    }
    format_row(t->headers, widths, t->n_cols, s);
    for (size_t r = 0; r < t->n_rows; r++) {
        format_row(t->rows[r], widths, t->n_cols, s);
    }
    free(widths);
}
