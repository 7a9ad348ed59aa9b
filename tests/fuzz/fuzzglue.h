/*
 * fuzzglue: what every fuzz target shares.  A target is one libFuzzer
 * entry point over one trust boundary of Seine (tests/fuzz/README.md); it
 * must free all it allocated, since LeakSanitizer runs after every input,
 * and a decoder it calls must refuse bad input with an error, never
 * abort: a crash is a bug in the decoder.
 */
#ifndef FUZZGLUE_H
#define FUZZGLUE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points, defined by each target and fuzzglue.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a C string the caller frees: a decoder of text sees what
 * comes before the first NUL, as it would from a socket or a file read
 * into a string. */
char *fuzzglue_cstr(const uint8_t *data, size_t size);

/* Splits the input at its first NUL: '*first' (a C string the caller
 * frees) is what comes before, '*rest' and '*rest_size' what comes after
 * (empty without a NUL), for a target whose input has two parts. */
void fuzzglue_split(const uint8_t *data, size_t size, char **first,
                    const uint8_t **rest, size_t *rest_size);

/* Stops the program when 'ok' is false: a property a target checks (what
 * one side encodes the other decodes) is broken, which is a bug as much
 * as a crash is. */
void fuzzglue_check(bool ok, const char *what);

#endif /* fuzzglue.h */
