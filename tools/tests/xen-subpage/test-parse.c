/* SPDX-License-Identifier: GPL-2.0-only */
/* xen-subpage's parsers (tools/misc/xen-subpage/parse.c) on tables of input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

static const struct {
    const char *s;
    uint64_t max;
    int rc;
    uint64_t val;
} numbers[] = {
    { "0", 10, 0, 0 },
    { "42", 100, 0, 42 },
    { "0x2a", 100, 0, 42 },
    { "0X2A", 100, 0, 42 },
    { "007", 100, 0, 7 },
    { "100", 100, 0, 100 },
    { "101", 100, -1, 0 },                      /* above max */
    { "0x65", 100, -1, 0 },
    { "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
    { "18446744073709551616", UINT64_MAX, -1, 0 },     /* overflow */
    { "0xffffffffffffffff", UINT64_MAX, 0, UINT64_MAX },
    { "0x10000000000000000", UINT64_MAX, -1, 0 },
    { "", 100, -1, 0 },
    { "-1", 100, -1, 0 },                       /* negative */
    { "+1", 100, -1, 0 },
    { "1a", 100, -1, 0 },                       /* trailing junk */
    { "12 ", 100, -1, 0 },
    { " 12", 100, -1, 0 },
    { "0x", 100, -1, 0 },
    { "0xg", 100, -1, 0 },
    { "1e3", 10000, -1, 0 },
    { "0x1f", 31, 0, 31 },
};

static void numbers_table(void **state)
{
    unsigned int i;

    (void)state;
    for ( i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++ )
    {
        uint64_t v = 0xdead;
        int rc = parse_number(numbers[i].s, numbers[i].max, &v);

        if ( rc != numbers[i].rc ||
             v != (rc ? 0xdead : numbers[i].val) )
            fail_msg("\"%s\": rc %d value %#lx", numbers[i].s, rc,
                     (unsigned long)v);
    }
}

static const struct {
    const char *s;
    int rc;
    uint32_t map;
} maps[] = {
    { "all", 0, 0xffffffff },
    { "none", 0, 0 },
    { "0", 0, 0 },
    { "0x0000ffff", 0, 0xffff },
    { "4294967295", 0, 0xffffffff },
    { "0x100000000", -1, 0 },                   /* 33 bits */
    { "32", 0, 32 },                            /* a number, not index 32 */
    { "0-3,7", 0, 0x8f },
    { "0-31", 0, 0xffffffff },
    { "5-5", 0, 1U << 5 },
    { "5,", 0, 1U << 5 },
    { "31,0", 0, 0x80000001 },
    { "0x1-0x3", 0, 0xe },
    { "1,1,1", 0, 2 },
    { "3-1", -1, 0 },                           /* backwards */
    { "0-32", -1, 0 },                          /* no sub-page 32 */
    { "32,", -1, 0 },
    { ",5", -1, 0 },
    { "5,,6", -1, 0 },
    { "1-2-3", -1, 0 },
    { "a-b", -1, 0 },
    { "-3", -1, 0 },
    { "", -1, 0 },
    { "All", -1, 0 },
    { "0-3;7", -1, 0 },
};

static void maps_table(void **state)
{
    unsigned int i;

    (void)state;
    for ( i = 0; i < sizeof(maps) / sizeof(maps[0]); i++ )
    {
        uint32_t m = 0xdead;
        int rc = parse_map(maps[i].s, &m);

        if ( rc != maps[i].rc || m != (rc ? 0xdead : maps[i].map) )
            fail_msg("\"%s\": rc %d map %#x", maps[i].s, rc, m);
    }
}

static void lists_round_trip(void **state)
{
    static const struct { uint32_t map; const char *s; } t[] = {
        { 0, "none" }, { 0x8f, "0-3,7" }, { 0xffffffff, "0-31" },
        { 0x80000000, "31" }, { 0x55555555, "0,2,4,6,8,10,12,14,16,18,20,"
          "22,24,26,28,30" }, { 0xc0000003, "0-1,30-31" },
    };
    char buf[160];
    unsigned int i;
    uint32_t m;

    (void)state;
    for ( i = 0; i < sizeof(t) / sizeof(t[0]); i++ )
    {
        format_map_list(t[i].map, buf, sizeof(buf));
        assert_string_equal(buf, t[i].s);
    }
    for ( i = 0; i < 100000; i++ )
    {
        uint32_t map = i * 2654435761U;

        format_map_list(map, buf, sizeof(buf));
        if ( map && !strpbrk(buf, ",-") )
            strcat(buf, ",");                   /* one index: make a list */
        assert_int_equal(parse_map(buf, &m), 0);
        assert_int_equal(m, map);
    }
}

static int batch(const char *text, struct batch *b, char *err)
{
    return parse_batch(text, strlen(text), b, err, 128);
}

static void batch_files(void **state)
{
    struct batch b;
    char err[128];

    (void)state;
    assert_int_equal(batch("0x10 all\n# comment\n\n  0x20\t0-3  # why\r\n"
                           "48 0x0000ffff", &b, err), 0);
    assert_int_equal(b.nr, 3);
    assert_true(b.gfns[0] == 0x10 && b.maps[0] == 0xffffffff);
    assert_true(b.gfns[1] == 0x20 && b.maps[1] == 0xf);
    assert_true(b.gfns[2] == 48 && b.maps[2] == 0xffff);
    batch_free(&b);

    assert_int_equal(batch("", &b, err), 0);            /* empty */
    assert_int_equal(b.nr, 0);
    assert_int_equal(batch("# only\n\n", &b, err), 0);
    assert_int_equal(b.nr, 0);

    assert_int_equal(batch("1 1\n2\n", &b, err), -1);   /* no map */
    assert_non_null(strstr(err, "line 2"));
    assert_null(b.gfns);
    assert_int_equal(b.nr, 0);
    assert_int_equal(batch("1 1\n2 2\n3 3 3\n", &b, err), -1);
    assert_non_null(strstr(err, "line 3"));
    assert_int_equal(batch("-1 1\n", &b, err), -1);
    assert_non_null(strstr(err, "bad gfn"));
    assert_int_equal(batch("0x10000000000 1\n", &b, err), -1);  /* > 40 bits */
    assert_int_equal(batch("1 0-40\n", &b, err), -1);
    assert_non_null(strstr(err, "bad map"));
    assert_int_equal(parse_batch("1 1\n2\0 2\n", 10, &b, err, 128), -1);
    assert_non_null(strstr(err, "line 2: NUL"));
}

static void huge_batch(void **state)
{
    size_t n = 200000, len = 0, i;
    char *text = malloc(n * 24 + 1), err[128];
    struct batch b;

    (void)state;
    assert_non_null(text);
    for ( i = 0; i < n; i++ )
        len += sprintf(text + len, "%#zx %zu\n", i * 7, i);
    assert_int_equal(parse_batch(text, len, &b, err, sizeof(err)), 0);
    assert_int_equal(b.nr, n);
    assert_true(b.gfns[n - 1] == (n - 1) * 7 && b.maps[n - 1] == n - 1);
    batch_free(&b);

    /* A bad last line rejects the whole file. */
    len += sprintf(text + len, "1 x\n");
    assert_int_equal(parse_batch(text, len, &b, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 200001"));
    assert_int_equal(b.nr, 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_table),
        cmocka_unit_test(maps_table),
        cmocka_unit_test(lists_round_trip),
        cmocka_unit_test(batch_files),
        cmocka_unit_test(huge_batch),
    };

    return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
