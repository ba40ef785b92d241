/* redact.c: the secrets in configured values (URL passwords, query values,
 * conninfo passwords, secret headers, ND_OPT_SECRET options) are replaced
 * by <redacted>; everything else is shown as written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

static void shown(const char *value, const char *expected)
{
    char *s = redact_dup(NULL, value);
    assert_non_null(s);
    assert_string_equal(s, expected);
    free(s);
}

static void url_passwords(void **st)
{
    (void)st;
    shown("postgres://news:hunter2@db.example/newsroom",
          "postgres://news:<redacted>@db.example/newsroom");
    shown("https://news:hunter2@hook.example/in",
          "https://news:<redacted>@hook.example/in");
    /* The user name alone stays; so does everything without userinfo. */
    shown("postgresql://news@db.example:5432/newsroom",
          "postgresql://news@db.example:5432/newsroom");
    /* An unencoded @ in the password: the last @ ends the userinfo. */
    shown("https://u:p@ss@host/x", "https://u:<redacted>@host/x");
    shown("see redis://:hunter2@cache:6379/0 there",
          "see redis://:<redacted>@cache:6379/0 there");
}

static void url_queries(void **st)
{
    (void)st;
    shown("https://hook.example/x?token=abc&sig=def",
          "https://hook.example/x?token=<redacted>&sig=<redacted>");
    shown("https://h.example/x?a=&b=1;c",
          "https://h.example/x?a=&b=<redacted>;<redacted>");
    shown("https://h.example/cb#access_token=abc",
          "https://h.example/cb#<redacted>");
    shown("postgres://u:pw@h/db?sslmode=require and more",
          "postgres://u:<redacted>@h/db?sslmode=<redacted> and more");
}

static void conninfo_and_headers(void **st)
{
    (void)st;
    shown("host=db.example password=hunter2 dbname=newsroom",
          "host=db.example password=<redacted> dbname=newsroom");
    shown("host=db password = 'hunter 2\\' x' port=5432",
          "host=db password = <redacted> port=5432");
    shown("sslpassword=abc user=news", "sslpassword=<redacted> user=news");
    shown("Server=db;Password=abc", "Server=db;Password=<redacted>");
    shown("Authorization: Bearer abc", "Authorization: <redacted>");
    shown("X-Api-Key:abc", "X-Api-Key:<redacted>");
    shown("Content-Type: application/json", "Content-Type: application/json");
}

static void plain_values_stay(void **st)
{
    (void)st;
    const char *plain[] = {"./outbox",
                           "127.0.0.1:9321",
                           "/var/lib/newsdesk",
                           "https://hook.example/in",
                           "language == \"en\"",
                           "user=news host=db",
                           "",
                           NULL};
    for (size_t i = 0; plain[i]; i++)
        shown(plain[i], plain[i]);
}

static void declared_secrets(void **st)
{
    (void)st;
    const nd_option_t secret = {
        "api_key", ND_OPT_STRING, NULL, ND_OPT_SECRET, 0, 0, NULL, "a key"};
    char buf[64];
    assert_int_equal(redact(buf, sizeof buf, &secret, "plain-looking"),
                     strlen(REDACTED));
    assert_string_equal(buf, REDACTED);
    redact(buf, sizeof buf, &secret, "");
    assert_string_equal(buf, "");
    /* Like snprintf: the whole length, and a terminated prefix. */
    const char *v = "postgres://u:p@h";
    assert_int_equal(redact(buf, 8, NULL, v),
                     strlen("postgres://u:<redacted>@h"));
    assert_string_equal(buf, "postgre");
    assert_int_equal(redact(NULL, 0, NULL, v),
                     strlen("postgres://u:<redacted>@h"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_passwords),
        cmocka_unit_test(url_queries),
        cmocka_unit_test(conninfo_and_headers),
        cmocka_unit_test(plain_values_stay),
        cmocka_unit_test(declared_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
