/*
 * atomicfile: a small file replaced whole.  The text goes to PATH.tmp,
 * is fsynced, and is renamed over PATH, so that a crash leaves the old or
 * the new contents, never a mix; on failure the temporary file is gone.
 * (A reader that finds a leftover PATH.tmp after a crash may delete it.)
 */
#ifndef ATOMICFILE_H
#define ATOMICFILE_H 1

#include <sys/types.h>

/* 0 or -errno. */
int atomicfile_write(const char *path, const char *text, mode_t mode);

#endif /* atomicfile.h */
