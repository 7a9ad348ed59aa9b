#include "bench/benchopt.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Stores 'arg' as option 'o' wants it. */
static int
store(const struct benchopt *o, void *cfg, const char *arg)
{
    char *field = (char *) cfg + o->offset;
    char *end = NULL;

    switch (o->type) {
    case BENCHOPT_STRING:
        *(const char **) field = arg;
        return 0;
    case BENCHOPT_SIZE:
        *(size_t *) field = strtoull(arg, &end, 0);
        break;
    case BENCHOPT_U64:
        *(uint64_t *) field = strtoull(arg, &end, 0);
        break;
    case BENCHOPT_DOUBLE:
        *(double *) field = strtod(arg, &end);
        break;
    case BENCHOPT_TRUE:
    case BENCHOPT_FALSE:
        *(bool *) field = o->type == BENCHOPT_TRUE;
        return 0;
    case BENCHOPT_CALL:
        return o->call(cfg, arg);
    }
    return end && *arg && !*end ? 0 : -EINVAL;
}

static bool
takes_argument(const struct benchopt *o)
{
    return o->type == BENCHOPT_CALL ? o->arg
           : o->type != BENCHOPT_TRUE && o->type != BENCHOPT_FALSE;
}

int
benchopt_parse(int argc, char *argv[], const struct benchopt *opts, size_t n,
               void *cfg, const char *usage)
{
    struct option *longs = calloc(n + 2, sizeof *longs);
    int c, error = 0;

    for (size_t i = 0; i < n; i++) {
        longs[i] = (struct option) {
            opts[i].name, takes_argument(&opts[i]) ? required_argument
                                                   : no_argument, NULL,
            (int) i + 1,
        };
    }
    longs[n] = (struct option) { "help", no_argument, NULL, 'h' };
    optind = 1;
    while (!error && (c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        if (c == 'h') {
            printf("%s\n", usage);
            exit(EXIT_SUCCESS);
        } else if (c >= 1 && c <= (int) n) {
            error = store(&opts[c - 1], cfg, optarg);
        } else {
            error = -EINVAL;
        }
    }
    free(longs);
    if (error || optind != argc) {
        fprintf(stderr, "%s\n", usage);
        return -EINVAL;
    }
    return 0;
}
