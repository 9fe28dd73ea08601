/* SPDX-License-Identifier: GPL-2.0-only */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define SUBPAGES 32

/* Digits of base from *s on, at most max; *s moves past them. */
static int digits(const char **s, unsigned int base, uint64_t max,
                  uint64_t *val)
{
    const char *p = *s;
    uint64_t v = 0;

    if ( !isxdigit((unsigned char)*p) )
        return -1;
    for ( ; isxdigit((unsigned char)*p); p++ )
    {
        unsigned int d = isdigit((unsigned char)*p)
                         ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;

        if ( d >= base || d > max || v > (max - d) / base )
            return -1;
        v = v * base + d;
    }
    *s = p;
    *val = v;

    return 0;
}

/* A number at *s, which moves past it. */
static int number_at(const char **s, uint64_t max, uint64_t *val)
{
    if ( (*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X') )
    {
        *s += 2;
        return digits(s, 16, max, val);
    }

    return digits(s, 10, max, val);
}

int parse_number(const char *s, uint64_t max, uint64_t *val)
{
    uint64_t v;

    if ( number_at(&s, max, &v) || *s )
        return -1;
    *val = v;

    return 0;
}

/* "0-3,7": every item an index or a range of indices below 32. */
static int parse_list(const char *s, uint32_t *map)
{
    uint32_t m = 0;

    for ( ;; )
    {
        uint64_t first, last;

        if ( !*s )
            break;                      /* "5," ends with a comma */
        if ( number_at(&s, SUBPAGES - 1, &first) )
            return -1;
        last = first;
        if ( *s == '-' )
        {
            s++;
            if ( number_at(&s, SUBPAGES - 1, &last) || last < first )
                return -1;
        }
        for ( ; first <= last; first++ )
            m |= 1U << first;
        if ( !*s )
            break;
        if ( *s++ != ',' )
            return -1;
    }
    *map = m;

    return 0;
}

int parse_map(const char *s, uint32_t *map)
{
    uint64_t v;

    if ( !strcmp(s, "all") )
        v = 0xffffffffU;
    else if ( !strcmp(s, "none") )
        v = 0;
    else if ( strpbrk(s, ",-") )
        return parse_list(s, map);
    else if ( parse_number(s, 0xffffffffU, &v) )
        return -1;
    *map = v;

    return 0;
}

void format_map_list(uint32_t map, char *buf, size_t len)
{
    unsigned int i = 0;
    size_t used = 0;

    buf[0] = '\0';
    if ( !map )
    {
        snprintf(buf, len, "none");
        return;
    }
    while ( i < SUBPAGES )
    {
        unsigned int first;

        if ( !(map & (1U << i)) )
        {
            i++;
            continue;
        }
        for ( first = i; i < SUBPAGES && (map & (1U << i)); i++ )
            continue;
        used += snprintf(buf + used, used < len ? len - used : 0,
                         first == i - 1 ? "%s%u" : "%s%u-%u",
                         used ? "," : "", first, i - 1);
    }
}

/* The next blank-separated word of the line [*p, end): NUL-terminated. */
static char *word(char **p, char *end)
{
    char *w;

    while ( *p < end && (**p == ' ' || **p == '\t' || **p == '\r') )
        (*p)++;
    if ( *p == end )
        return NULL;
    w = *p;
    while ( *p < end && **p != ' ' && **p != '\t' && **p != '\r' )
        (*p)++;
    if ( *p < end )
        *(*p)++ = '\0';

    return w;
}

static int add_entry(struct batch *b, uint32_t *cap, uint64_t gfn,
                     uint32_t map)
{
    if ( b->nr == *cap )
    {
        uint32_t ncap = *cap ? *cap * 2 : 256;
        uint64_t *g = realloc(b->gfns, ncap * sizeof(*g));
        uint32_t *m;

        if ( !g )
            return -1;
        b->gfns = g;
        m = realloc(b->maps, ncap * sizeof(*m));
        if ( !m )
            return -1;
        b->maps = m;
        *cap = ncap;
    }
    b->gfns[b->nr] = gfn;
    b->maps[b->nr++] = map;

    return 0;
}

int parse_batch(const char *text, size_t len, struct batch *b,
                char *err, size_t errlen)
{
    char *copy = malloc(len + 1), *line, *eol;
    unsigned long lineno = 0;
    uint32_t cap = 0;

    b->gfns = NULL;
    b->maps = NULL;
    b->nr = 0;
    if ( !copy )
    {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';

    for ( line = copy; line < copy + len; line = eol + 1 )
    {
        char *g, *m, *p, *end, *hash;
        uint64_t gfn;
        uint32_t map;

        lineno++;
        eol = memchr(line, '\n', copy + len - line);
        if ( !eol )
            eol = copy + len;
        if ( memchr(line, '\0', eol - line) )
        {
            snprintf(err, errlen, "line %lu: NUL character", lineno);
            goto fail;
        }
        *eol = '\0';
        end = eol;
        if ( (hash = strchr(line, '#')) )
        {
            *hash = '\0';
            end = hash;
        }

        p = line;
        if ( !(g = word(&p, end)) )
            continue;                   /* blank or comment */
        m = word(&p, end);
        if ( !m || word(&p, end) )
        {
            snprintf(err, errlen, "line %lu: expected \"<gfn> <map>\"",
                     lineno);
            goto fail;
        }
        if ( parse_number(g, GFN_MAX, &gfn) )
        {
            snprintf(err, errlen, "line %lu: bad gfn \"%.40s\"", lineno, g);
            goto fail;
        }
        if ( parse_map(m, &map) )
        {
            snprintf(err, errlen, "line %lu: bad map \"%.40s\"", lineno, m);
            goto fail;
        }
        if ( b->nr == BATCH_MAX_ENTRIES )
        {
            snprintf(err, errlen, "line %lu: more than %u entries", lineno,
                     BATCH_MAX_ENTRIES);
            goto fail;
        }
        if ( add_entry(b, &cap, gfn, map) )
        {
            snprintf(err, errlen, "line %lu: out of memory", lineno);
            goto fail;
        }
    }
    free(copy);

    return 0;

 fail:
    free(copy);
    batch_free(b);

    return -1;
}

void batch_free(struct batch *b)
{
    free(b->gfns);
    free(b->maps);
    b->gfns = NULL;
    b->maps = NULL;
    b->nr = 0;
}
