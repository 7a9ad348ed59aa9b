/* seinectl/redact: every pattern it replaces (PEM private keys over many
 * lines, bearer tokens, secret keys in YAML and JSON, quoted or not), and
 * text that only looks like them left byte for byte. */
#include <config.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "openvswitch/compiler.h"
#include "seinectl/redact.h"

/* Asserts that 'in' redacts to 'want' with 'n' secrets replaced. */
static void
check(const char *in, const char *want, size_t n)
{
    size_t len, n_redacted;
    char *out = redact(in, strlen(in), &len, &n_redacted);

    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(n_redacted, n);
    free(out);
}

static void
test_pem(void **state OVS_UNUSED)
{
    check("before\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0B\n"
          "-----END PRIVATE KEY-----\nafter\n",
          "before\n-----BEGIN PRIVATE KEY-----\n<redacted>\n"
          "-----END PRIVATE KEY-----\nafter\n", 1);
    check("-----BEGIN RSA PRIVATE KEY-----\nAAA\n-----END RSA PRIVATE KEY-----\n"
          "x\n-----BEGIN EC PRIVATE KEY-----\r\nBBB\r\n"
          "-----END EC PRIVATE KEY-----",
          "-----BEGIN RSA PRIVATE KEY-----\n<redacted>\n"
          "-----END RSA PRIVATE KEY-----\nx\n"
          "-----BEGIN EC PRIVATE KEY-----\n<redacted>\n"
          "-----END EC PRIVATE KEY-----", 2);
    /* Cut short: everything after the BEGIN may be key. */
    check("-----BEGIN ENCRYPTED PRIVATE KEY-----\nCCC\nDDD",
          "-----BEGIN ENCRYPTED PRIVATE KEY-----\n<redacted>\n", 1);
    /* Starting inside one (a log's tail): all before its END is key. */
    check("EEE\nFFF\n-----END PRIVATE KEY-----\nlog line\n",
          "<redacted>\n-----END PRIVATE KEY-----\nlog line\n", 1);
}

static void
test_bearer(void **state OVS_UNUSED)
{
    check("GET /metrics Authorization: Bearer eyJhbGc.iOiJ-SUz_I1~+/= ok\n",
          "GET /metrics Authorization: Bearer <redacted> ok\n", 1);
    check("authorization: bearer\tabc123\n",
          "authorization: bearer\t<redacted>\n", 1);
    check("-H 'Authorization: Bearer x1' -H 'Authorization: BEARER y2'",
          "-H 'Authorization: Bearer <redacted>' "
          "-H 'Authorization: BEARER <redacted>'", 2);
    /* A word that only contains it, or no token after it. */
    check("forbearer x\nBearer\nBearers\n", "forbearer x\nBearer\nBearers\n",
          0);
}

static void
test_yaml(void **state OVS_UNUSED)
{
    check("users:\n- name: admin\n  user:\n    token: s3cr3t\n"
          "    client-key-data: LS0tLS1CRUdJTg==\n"
          "    client-certificate-data: \"LS0tQ0VSVA==\"\n"
          "    password: 'pa ss'\n",
          "users:\n- name: admin\n  user:\n    token: <redacted>\n"
          "    client-key-data: <redacted>\n"
          "    client-certificate-data: \"<redacted>\"\n"
          "    password: '<redacted>'\n", 4);
    check("auth-provider:\n  config: {id-token: aaa, refresh-token: bbb}\n",
          "auth-provider:\n  config: {id-token: <redacted>, "
          "refresh-token: <redacted>}\n", 2);
    check("Token: abc # comment\n", "Token: <redacted> # comment\n", 1);
}

static void
test_json(void **state OVS_UNUSED)
{
    check("{\"kind\": \"Secret\", \"token\": \"abc.def\", \"password\":\"x\"}",
          "{\"kind\": \"Secret\", \"token\": \"<redacted>\", "
          "\"password\":\"<redacted>\"}", 2);
    check("{\"client-key-data\" : \"QUJD\"}",
          "{\"client-key-data\" : \"<redacted>\"}", 1);
}

static void
test_all_together(void **state OVS_UNUSED)
{
    check("client-key-data: QUJD\nlog: Authorization: Bearer t0k\n"
          "key: |\n  -----BEGIN PRIVATE KEY-----\n  AAA\n"
          "  -----END PRIVATE KEY-----\n",
          "client-key-data: <redacted>\nlog: Authorization: Bearer <redacted>\n"
          "key: |\n  -----BEGIN PRIVATE KEY-----\n  <redacted>\n"
          "  -----END PRIVATE KEY-----\n", 3);
}

/* Text that only looks like a secret, and what was redacted once (which
 * counts no new secret), stay byte for byte. */
static void
test_kept(void **state OVS_UNUSED)
{
    static const char *const texts[] = {
        "",
        /* A certificate and a public key are no secret. */
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
        /* Paths to secrets, empty and null values, words that contain a
         * key, a key with no value after it, and plain text. */
        "metrics: {tokenFile: /etc/seine/token, tlsKeyFile: /k.pem}\n"
        "    tokenFile: /var/run/secrets/token\n"
        "    client-key: /etc/kubernetes/pki/key.pem\n"
        "{\"token\": null, \"password\": \"\", \"tokens\": 3}\n"
        "token: ~\ntoken:\nmytoken: x\npasswords: 2\n"
        "the token expired\nbridge: br-int\n"
        "cookie=0x1, duration=2.5s, table=0, n_packets=3, priority=190\n",
        /* Redacted before. */
        "token: <redacted>\nAuthorization: Bearer <redacted>\n"
        "-----BEGIN PRIVATE KEY-----\n<redacted>\n"
        "-----END PRIVATE KEY-----\n{\"password\": \"<redacted>\"}\n",
    };

    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        check(texts[i], texts[i], 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_all_together),
        cmocka_unit_test(test_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
