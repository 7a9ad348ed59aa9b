/*
 * sysattr: reading sysfs below a root folder ("/" on a host, a recorded
 * tree in the tests), so that every reader of hwoffload/ names the files
 * it needs relative to that root and says, on failure, which file of
 * which tree was wrong.
 */
#ifndef HWOFFLOAD_SYSATTR_H
#define HWOFFLOAD_SYSATTR_H 1

#include <stdbool.h>
#include <stddef.h>

/* 'root' and 'rel' joined, in a new string. */
char *sysattr_path(const char *root, const char *rel);

/* The first line of file 'rel' below 'root', without its newline, in
 * '*textp' (the caller frees it).  0, -ENOENT when it does not exist (no
 * message: many attributes are optional), or another negative errno with
 * why in '*errp'. */
int sysattr_read(const char *root, const char *rel, char **textp,
                 char **errp);

/* An optional attribute: the first line of 'rel', or NULL when it is
 * missing, empty or cannot be read (drivers without a switch answer
 * phys_switch_id with EOPNOTSUPP). */
char *sysattr_get(const char *root, const char *rel);

/* File 'rel' as a number >= 0 in '*valuep'.  0, or a negative errno with
 * why in '*errp' (a missing file is an error here). */
int sysattr_read_uint(const char *root, const char *rel, int *valuep,
                      char **errp);

/* The last component of symbolic link 'rel''s target in '*namep' (the
 * caller frees it): a driver's name from "driver", a device's address
 * from "physfn".  -ENOENT without a message when there is no such link. */
int sysattr_link_name(const char *root, const char *rel, char **namep);

/* True when 'rel' exists below 'root' (a link: its target exists). */
bool sysattr_exists(const char *root, const char *rel);

/* The names in folder 'rel' that start with 'prefix', sorted, in a new
 * array of new strings ('*np' of them).  0, or -errno with why in '*errp'
 * when the folder cannot be read; -ENOENT, with a message, when it does
 * not exist. */
int sysattr_list(const char *root, const char *rel, const char *prefix,
                 char ***namesp, size_t *np, char **errp);
void sysattr_list_free(char **names, size_t n);

#endif /* hwoffload/sysattr.h */
