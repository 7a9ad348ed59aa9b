/*
 * benchopt: the command lines of the bench programs, declared as a table
 * of long options that fill a typed config struct (its defaults set by the
 * caller), instead of a getopt switch in each program.
 */
#ifndef BENCHOPT_H
#define BENCHOPT_H 1

#include <stddef.h>

enum benchopt_type {
    BENCHOPT_STRING,            /* const char *, the argument itself */
    BENCHOPT_SIZE,              /* size_t */
    BENCHOPT_U64,               /* uint64_t */
    BENCHOPT_DOUBLE,            /* double */
    BENCHOPT_TRUE,              /* bool set, no argument */
    BENCHOPT_FALSE,             /* bool cleared, no argument */
    BENCHOPT_CALL,              /* 'call' decides; argument if 'arg' */
};

struct benchopt {
    const char *name;
    enum benchopt_type type;
    size_t offset;              /* of the field in the config */
    int (*call)(void *cfg, const char *arg);    /* BENCHOPT_CALL: 0 or
                                                 * -errno */
    int arg;                    /* BENCHOPT_CALL: takes an argument */
};

#define BENCHOPT(NAME, TYPE, STRUCT, FIELD) \
    { NAME, TYPE, offsetof(STRUCT, FIELD), NULL, 0 }

/* Parses argv into 'cfg' by the 'n' options (and --help, which prints
 * 'usage' and exits).  0, or -EINVAL after printing 'usage' to stderr (an
 * unknown option, a bad number, an argument left over). */
int benchopt_parse(int argc, char *argv[], const struct benchopt *,
                   size_t n, void *cfg, const char *usage);

#endif /* benchopt.h */
