/*
 * table: aligned text tables for people, as kubectl prints them: a header
 * row in capitals, then one row per object, columns padded to their
 * widest cell and separated by three spaces, no trailing blanks.  A NULL
 * or empty cell prints as "-", so every column has a word and the output
 * splits on blanks (awk, read).
 */
#ifndef SEINECTL_TABLE_H
#define SEINECTL_TABLE_H 1

#include <stddef.h>

struct ds;

struct table {
    size_t n_cols;
    char **headers;
    char ***rows;               /* n_rows arrays of n_cols strings */
    size_t n_rows;
};

/* A table with the 'n_cols' headers 'headers' (copied). */
void table_init(struct table *, const char *const *headers, size_t n_cols);
void table_destroy(struct table *);

/* Appends a row of n_cols cells (copied; NULL prints as "-"). */
void table_add_row(struct table *, const char *const *cells);

/* Appends the table, header first, one line per row. */
void table_format(const struct table *, struct ds *);

#endif /* seinectl/table.h */
