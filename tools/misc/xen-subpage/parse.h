/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What xen-subpage reads from its command line and batch files: numbers,
 * sub-page maps and "gfn map" lines.  No I/O and no Xen here, so that the
 * parsers can be tested and fuzzed on their own.
 */
#ifndef XEN_SUBPAGE_PARSE_H
#define XEN_SUBPAGE_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * An unsigned number, decimal or "0x" hexadecimal, at most max: 0, or -1
 * for anything else (empty, a sign, junk after it, too large).
 */
int parse_number(const char *s, uint64_t max, uint64_t *val);

/*
 * A map of the 32 sub-pages of a page: a number (bit i = sub-page i
 * writable), "all", "none", or a list of sub-page indices and ranges with
 * at least one ',' or '-' (e.g. "0-3,7", "5-5", "5,"): the listed
 * sub-pages are the writable ones.  0 or -1.
 */
int parse_map(const char *s, uint32_t *map);

/* map as a list ("0-3,7"; "none" when empty) in buf of size len. */
void format_map_list(uint32_t map, char *buf, size_t len);

/* A batch: gfns[i] gets maps[i]. */
struct batch {
    uint64_t *gfns;
    uint32_t *maps;
    uint32_t nr;
};

#define BATCH_MAX_ENTRIES (1U << 24)    /* 64 GB of guest pages */
#define GFN_MAX           ((1ULL << 40) - 1)

/*
 * Parse a whole batch file of len bytes: one "<gfn> <map>" per line,
 * blanks around them, '#' starting a comment, empty lines ignored.  0, or
 * -1 with a message naming the line in err (size errlen) and b empty.
 */
int parse_batch(const char *text, size_t len, struct batch *b,
                char *err, size_t errlen);
void batch_free(struct batch *b);

#endif /* XEN_SUBPAGE_PARSE_H */
