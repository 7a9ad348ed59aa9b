/*
 * redact: takes secrets out of text before it leaves the node in a
 * support bundle (seinectl supportbundle, docs/observability.md).  Each
 * secret is replaced with "<redacted>"; everything around it is kept
 * byte for byte, so the text still reads (and a JSON or YAML file still
 * parses):
 *
 *   - the body of a PEM private key, "-----BEGIN ... PRIVATE KEY-----"
 *     to "-----END ... PRIVATE KEY-----" (the two marker lines stay; a
 *     block without its end is redacted to the end of the text);
 *   - a bearer token: "Bearer TOKEN", whatever precedes it
 *     ("Authorization: Bearer TOKEN" in a logged header);
 *   - the value of a key named token (also id-token, refresh-token and
 *     the like), password, client-key-data or client-certificate-data,
 *     in YAML (key: value, quoted or not) or JSON ("key": "value").  An
 *     empty or null value is no secret and stays.  "tokenFile: PATH"
 *     names a file: a path is not the secret and stays.
 */
#ifndef SEINECTL_REDACT_H
#define SEINECTL_REDACT_H 1

#include <stddef.h>

#define REDACTED "<redacted>"

/* A copy of the 'len' bytes of 'text' (no NUL needed) with every secret
 * replaced, NUL-terminated, its length in '*lenp'; the caller frees it.
 * '*n_redacted' (if nonnull) gets how many secrets were replaced. */
char *redact(const char *text, size_t len, size_t *lenp, size_t *n_redacted);

#endif /* seinectl/redact.h */
