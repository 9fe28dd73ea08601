/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-subpage's parsers (tools/misc/xen-subpage/parse.c) under libFuzzer:
 * the input as a batch file, as it comes from disk, and as a NUL-terminated
 * number or map, as it comes from the command line.
 *
 * test-parse.c says what the answers are for chosen input; this checks
 * what must hold for every input.  Refusing input is no failure here, so
 * each check compares the parsers with what an independent reading of the
 * same bytes expects, or with themselves (round trips); ASan, UBSan and
 * LeakSanitizer add their own checks (batch_free must free everything).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Which check failed; libFuzzer then saves the input that made it fail. */
#define CHECK(cond)                                                     \
    do {                                                                \
        if ( !(cond) )                                                  \
        {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,      \
                    __LINE__, #cond);                                   \
            __builtin_trap();                                           \
        }                                                               \
    } while ( 0 )

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A number in the n characters at s, the simple way: digits of base 10, or
 * of base 16 after "0x", and no overflow past 2^64 - 1.  0 or -1.
 */
static int ref_number(const char *s, size_t n, uint64_t *val)
{
    static const char digits[] = "0123456789abcdef";
    unsigned int base = 10;
    uint64_t v = 0;

    if ( n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') )
    {
        base = 16;
        s += 2;
        n -= 2;
    }
    if ( !n )
        return -1;
    for ( ; n; s++, n-- )
    {
        const char *d = memchr(digits, tolower((unsigned char)*s), base);

        if ( !d || __builtin_mul_overflow(v, base, &v) ||
             __builtin_add_overflow(v, d - digits, &v) )
            return -1;
    }
    *val = v;

    return 0;
}

/*
 * A list map, the simple way: items split at ',' (the last may be empty),
 * each an index or "first-last" of indices below 32.  0 or -1.
 */
static int ref_list(const char *s, uint32_t *map)
{
    uint32_t m = 0;

    while ( *s )
    {
        size_t n = strcspn(s, ",");
        const char *dash = memchr(s, '-', n);
        uint64_t first, last;

        if ( dash ? ref_number(s, dash - s, &first) ||
                    ref_number(dash + 1, s + n - dash - 1, &last)
                  : ref_number(s, n, &first) )
            return -1;
        if ( !dash )
            last = first;
        if ( first > last || last > 31 )
            return -1;
        m |= (uint32_t)((2ULL << last) - (1ULL << first));
        s += n;
        if ( *s )
            s++;                        /* the ',' */
    }
    *map = m;

    return 0;
}

/* What separates the words of a batch line: the blanks of parse.c. */
static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The words of the line [p, end), copied NUL-terminated into scratch (at
 * least end - p + 3 bytes), at most 3 of them: 3 stands for "too many".
 */
static unsigned int line_words(const uint8_t *p, const uint8_t *end,
                               char *scratch, char *words[3])
{
    unsigned int n = 0;

    while ( n < 3 )
    {
        while ( p < end && is_blank(*p) )
            p++;
        if ( p == end )
            break;
        words[n++] = scratch;
        while ( p < end && !is_blank(*p) )
            *scratch++ = *p++;
        *scratch++ = '\0';
    }

    return n;
}

/*
 * parse_batch on the raw bytes, against a line-by-line reading of them:
 * it must succeed exactly when every line is free of NULs and each line
 * with a word outside its comment has two words, a gfn and a map; it must
 * then hold one entry per such line, in order, as parse_number and
 * parse_map read its words, and otherwise name the first bad line.
 */
static void fuzz_batch(const uint8_t *data, size_t size)
{
    const uint8_t *line, *eol, *end = data + size;
    struct batch b;
    char err[256] = "", prefix[32];
    char *scratch = malloc(size + 3);
    unsigned long lineno = 0;
    uint32_t nr = 0;
    int rc;

    CHECK(scratch);
    rc = parse_batch((const char *)data, size, &b, err, sizeof(err));
    CHECK(memchr(err, '\0', sizeof(err)));
    if ( rc )
        CHECK(rc == -1 && !b.gfns && !b.maps && !b.nr);
    else
        CHECK(!b.nr || (b.gfns && b.maps));

    for ( line = data; line < end; line = eol < end ? eol + 1 : end )
    {
        const uint8_t *hash;
        char *words[3];
        uint64_t gfn = 0;
        uint32_t map = 0;
        unsigned int n;

        lineno++;
        eol = memchr(line, '\n', end - line);
        if ( !eol )
            eol = end;
        hash = memchr(line, '#', eol - line);
        n = line_words(line, hash ? hash : eol, scratch, words);
        if ( memchr(line, '\0', eol - line) ||
             (n && (n != 2 || parse_number(words[0], GFN_MAX, &gfn) ||
                    parse_map(words[1], &map))) )
        {
            /* The first bad line ends the batch, and must be named. */
            snprintf(prefix, sizeof(prefix), "line %lu: ", lineno);
            CHECK(rc == -1);
            CHECK(!strncmp(err, prefix, strlen(prefix)));
            free(scratch);
            return;
        }
        if ( !n || rc )
            continue;        /* blank or comment only; or a later bad line */
        CHECK(nr < b.nr);
        CHECK(b.gfns[nr] == gfn && gfn <= GFN_MAX && b.maps[nr] == map);
        nr++;
    }
    free(scratch);

    CHECK(rc == 0 && b.nr == nr);
    /* LeakSanitizer reports anything batch_free leaves allocated. */
    batch_free(&b);
    CHECK(!b.gfns && !b.maps && !b.nr);
}

/*
 * parse_number at UINT64_MAX against ref_number, and at each max against
 * itself at UINT64_MAX: a value is accepted at max exactly when it is
 * accepted at all and is <= max, and is the same value; *val is left
 * alone on failure (test-parse.c's contract).  An accepted value prints
 * and reads back in both bases.
 */
static void fuzz_number(const char *s)
{
    static const uint64_t maxes[] = {
        0, 1, 9, 10, 15, 16, 31, 0xffffffffU, GFN_MAX, UINT64_MAX - 1,
    };
    uint64_t any = 0, ref = 0, v;
    int any_rc = parse_number(s, UINT64_MAX, &any);
    char buf[32];
    unsigned int i;

    CHECK(any_rc == ref_number(s, strlen(s), &ref));
    CHECK(any_rc || any == ref);
    for ( i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++ )
    {
        int rc;

        v = 0xdeadbeef;
        rc = parse_number(s, maxes[i], &v);
        if ( rc == 0 )
            CHECK(any_rc == 0 && v == any && v <= maxes[i]);
        else
            CHECK(rc == -1 && v == 0xdeadbeef &&
                  (any_rc || any > maxes[i]));
    }
    if ( any_rc )
        return;

    snprintf(buf, sizeof(buf), "%" PRIu64, any);
    CHECK(!parse_number(buf, any, &v) && v == any);
    snprintf(buf, sizeof(buf), "0x%" PRIx64, any);
    CHECK(!parse_number(buf, any, &v) && v == any);
    snprintf(buf, sizeof(buf), "0X%" PRIX64, any);
    CHECK(!parse_number(buf, any, &v) && v == any);
    if ( any )
        CHECK(parse_number(buf, any - 1, &v));
}

/*
 * format_map_list(map) as a list that parse_map reads back as map.  A
 * single index ("5") is a number to parse_map, so it gets the trailing
 * comma that makes it a list ("5,").  Into a buffer of any size the list
 * must be cut short, NUL-terminated, and not overflow it (ASan).
 */
static void check_format(uint32_t map)
{
    char full[160];
    size_t n, len;
    uint32_t back = ~map;

    format_map_list(map, full, sizeof(full));
    n = strlen(full);
    CHECK(n > 0 && n < sizeof(full) - 2);
    CHECK(!map == !strcmp(full, "none"));
    if ( map && !strpbrk(full, ",-") )
        strcat(full, ",");
    CHECK(!parse_map(full, &back) && back == map);
    full[n] = '\0';                     /* drop the comma again */

    for ( len = 1; len <= n + 1; len++ )
    {
        char *cut = malloc(len);

        CHECK(cut);
        format_map_list(map, cut, len);
        CHECK(strlen(cut) == len - 1 && !strncmp(cut, full, len - 1));
        free(cut);
    }
}

/*
 * parse_map against the simple reading of parse.h's description ("all",
 * "none", a list when there is a ',' or '-', else a number below 2^32);
 * whatever it accepts formats and reads back as the same map.
 */
static void fuzz_map(const char *s)
{
    uint32_t map = 0xdeadbeef, ref = 0;
    uint64_t v = 0;
    int rc = parse_map(s, &map), ref_rc = 0;

    if ( !strcmp(s, "all") )
        ref = 0xffffffffU;
    else if ( !strcmp(s, "none") )
        ref = 0;
    else if ( strpbrk(s, ",-") )
        ref_rc = ref_list(s, &ref);
    else
    {
        ref_rc = ref_number(s, strlen(s), &v) || v > 0xffffffffU ? -1 : 0;
        ref = v;
    }
    CHECK(rc == ref_rc && map == (rc ? 0xdeadbeef : ref));
    if ( rc == 0 )
        check_format(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan sees any read past the NUL. */
    char *s = malloc(size + 1);

    CHECK(s);
    fuzz_batch(data, size);

    memcpy(s, data, size);
    s[size] = '\0';
    fuzz_number(s);
    fuzz_map(s);
    free(s);

    return 0;
}
