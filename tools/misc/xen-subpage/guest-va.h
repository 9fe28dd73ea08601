/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "xen-subpage guard" needs to find a guest's kernel data: symbols
 * from a System.map (or /proc/kallsyms), the guest frames behind a virtual
 * address (a walk of the guest's 4-level page tables from a vCPU's CR3, as
 * an introspection engine does), and which symbol a guarded byte belongs
 * to.  Guest memory is read through a callback, and nothing here calls
 * Xen, so that all of it can be tested on made-up tables.
 */
#ifndef XEN_SUBPAGE_GUEST_VA_H
#define XEN_SUBPAGE_GUEST_VA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GVA_PAGE_SIZE   4096u
#define GVA_SUBPAGE     128u

/* ---- symbols ---- */

struct gva_symbol {
    uint64_t addr;
    uint64_t size;              /* to the next symbol's address; 0: last */
    char type;                  /* System.map's type letter */
    char *name;
};

struct gva_symtab {
    struct gva_symbol *sym;     /* by address */
    size_t nr;
};

/*
 * Read "<hex address> <type> <name> [<module>]" lines (System.map,
 * /proc/kallsyms; module symbols are skipped) from f.  0, or -1 with
 * why[] saying which line is malformed or that memory ran out; t is then
 * empty.
 */
int gva_symtab_read(FILE *f, struct gva_symtab *t, char *why, size_t len);
void gva_symtab_free(struct gva_symtab *t);
/* The symbol called name, or NULL. */
const struct gva_symbol *gva_symbol_find(const struct gva_symtab *t,
                                         const char *name);

/*
 * "<symbol>" or "<symbol>:<length>" (decimal or 0x hex, 1 to 1 MB): the
 * range guarded.  Without a length, the symbol's size (to the next
 * symbol).  0, or -1 with why[] saying what is wrong.
 */
int gva_parse_target(const struct gva_symtab *t, const char *arg,
                     const struct gva_symbol **sym, uint64_t *len,
                     char *why, size_t why_len);

/* ---- guest page tables ---- */

/*
 * Map guest frame gfn for reading: its 4096 bytes, or NULL.  The walker
 * unmaps each frame it mapped before it maps the next.
 */
struct gva_memory {
    const void *(*map)(void *ctx, uint64_t gfn);
    void (*unmap)(void *ctx, const void *page);
    void *ctx;
};

/* What gva_translate() found. */
enum gva_result {
    GVA_OK,
    GVA_NOT_MAPPED,             /* an entry on the way is not present */
    GVA_NOT_CANONICAL,          /* not a 48-bit canonical address */
    GVA_UNREADABLE,             /* a page table could not be mapped */
};

/*
 * The gfn of va in the 4-level page tables at cr3 (long mode, no LA57):
 * 4K, 2M and 1G pages.
 */
enum gva_result gva_translate(const struct gva_memory *m, uint64_t cr3,
                              uint64_t va, uint64_t *gfn);

/*
 * The page tables the kernel's own data is mapped in, from a vCPU's CR3
 * (its PCID bits left out).  With page-table isolation (Linux's PTI) a
 * vCPU in user mode runs on the user half of an 8K PGD, which maps next to
 * none of the kernel: where va is not mapped at cr3 and cr3 is the upper
 * page of such a pair, its lower page, the kernel's.
 */
uint64_t gva_kernel_cr3(const struct gva_memory *m, uint64_t cr3,
                        uint64_t va);

/* ---- the guard ---- */

/* One guest page with guarded bytes. */
struct gva_page {
    uint64_t gfn;
    uint64_t va;                /* of the page's first byte */
    uint32_t map;               /* its sub-pages left writable */
};

/* One guarded symbol range. */
struct gva_target {
    const struct gva_symbol *sym;
    uint64_t len;
};

struct gva_guard {
    struct gva_target *target;
    size_t nr_targets;
    struct gva_page *page;      /* by va */
    size_t nr_pages;
};

/*
 * The pages of the targets and, for each, the map that denies exactly the
 * sub-pages the targets cover; two ranges on one page share its map.
 * Each page is translated with gva_translate() at the kernel's CR3.  0,
 * or -1 with why[] naming the symbol that could not be translated, or
 * saying that memory ran out; g is then empty.
 */
int gva_guard_plan(const struct gva_memory *m, uint64_t cr3,
                   const struct gva_target *targets, size_t nr,
                   struct gva_guard *g, char *why, size_t len);
void gva_guard_free(struct gva_guard *g);

/*
 * The guarded byte at offset off of gfn as "<symbol>+0x<offset>" into buf,
 * or false when no target covers it.  (A gfn may back several pages of
 * the targets: the first that has the byte.)
 */
bool gva_guard_describe(const struct gva_guard *g, uint64_t gfn,
                        unsigned int off, char *buf, size_t len);

#endif /* XEN_SUBPAGE_GUEST_VA_H */
