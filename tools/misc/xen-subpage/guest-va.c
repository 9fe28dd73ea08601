/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's virtual addresses for "xen-subpage guard": symbols, a walk
 * of the guest's page tables, and the pages and maps that guard symbol
 * ranges (guest-va.h).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "guest-va.h"

#define PTE_PRESENT     (1ull << 0)
#define PTE_PS          (1ull << 7)
/* Physical address bits 12 to 51 of an entry. */
#define PTE_ADDR        0x000ffffffffff000ull
#define CR3_ADDR        PTE_ADDR
#define CR3_PTI_USER    (1ull << 12)

#define TARGET_MAX_LEN  (1u << 20)

/* ---- symbols ---- */

void gva_symtab_free(struct gva_symtab *t)
{
    size_t i;

    for ( i = 0; i < t->nr; i++ )
        free(t->sym[i].name);
    free(t->sym);
    t->sym = NULL;
    t->nr = 0;
}

static int by_addr(const void *a, const void *b)
{
    const struct gva_symbol *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * A symbol's name as compilers make them (reports quote it in JSON as it
 * is): letters, digits, '_', '.' and '$'.
 */
static bool symbol_name(const char *s)
{
    for ( ; *s; s++ )
        if ( !isalnum((unsigned char)*s) && !strchr("_.$", *s) )
            return false;

    return true;
}

/*
 * One line: 1 for a symbol of the kernel's, 0 for a line to skip (a
 * module's symbol, an empty line), -1 when malformed.
 */
static int parse_symbol_line(char *line, struct gva_symbol *s)
{
    char *addr, *type, *name, *module, *end, *save;

    addr = strtok_r(line, " \t\n", &save);
    if ( !addr )
        return 0;
    type = strtok_r(NULL, " \t\n", &save);
    name = strtok_r(NULL, " \t\n", &save);
    module = strtok_r(NULL, " \t\n", &save);
    if ( !type || !name || strlen(type) != 1 || !symbol_name(name) )
        return -1;
    errno = 0;
    s->addr = strtoull(addr, &end, 16);
    if ( errno || *end || end == addr )
        return -1;
    if ( module )
        return 0;
    s->type = type[0];
    s->size = 0;
    s->name = strdup(name);

    return s->name ? 1 : -1;
}

/* Each symbol's size: up to the next higher address (0 for the last). */
static void set_sizes(struct gva_symtab *t)
{
    size_t i, j;

    qsort(t->sym, t->nr, sizeof(*t->sym), by_addr);
    for ( i = 0; i < t->nr; i++ )
    {
        for ( j = i + 1; j < t->nr && t->sym[j].addr == t->sym[i].addr; j++ )
            continue;
        t->sym[i].size = j < t->nr ? t->sym[j].addr - t->sym[i].addr : 0;
    }
}

int gva_symtab_read(FILE *f, struct gva_symtab *t, char *why, size_t len)
{
    char line[512];
    unsigned long lineno = 0;
    size_t cap = 0;

    t->sym = NULL;
    t->nr = 0;
    while ( fgets(line, sizeof(line), f) )
    {
        struct gva_symbol s;
        int rc;

        lineno++;
        if ( !strchr(line, '\n') && !feof(f) )
        {
            snprintf(why, len, "line %lu: too long", lineno);
            goto fail;
        }
        rc = parse_symbol_line(line, &s);
        if ( rc < 0 )
        {
            snprintf(why, len, "line %lu: not \"<address> <type> <name>\"",
                     lineno);
            goto fail;
        }
        if ( !rc )
            continue;
        if ( t->nr == cap )
        {
            struct gva_symbol *n;

            cap = cap ? cap * 2 : 1024;
            n = realloc(t->sym, cap * sizeof(*n));
            if ( !n )
            {
                free(s.name);
                snprintf(why, len, "out of memory");
                goto fail;
            }
            t->sym = n;
        }
        t->sym[t->nr++] = s;
    }
    set_sizes(t);

    return 0;

 fail:
    gva_symtab_free(t);
    return -1;
}

const struct gva_symbol *gva_symbol_find(const struct gva_symtab *t,
                                         const char *name)
{
    size_t i;

    for ( i = 0; i < t->nr; i++ )
        if ( !strcmp(t->sym[i].name, name) )
            return &t->sym[i];

    return NULL;
}

int gva_parse_target(const struct gva_symtab *t, const char *arg,
                     const struct gva_symbol **sym, uint64_t *len,
                     char *why, size_t why_len)
{
    const char *colon = strchr(arg, ':');
    char name[256];
    size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

    if ( !n || n >= sizeof(name) )
    {
        snprintf(why, why_len, "%s: no symbol name", arg);
        return -1;
    }
    memcpy(name, arg, n);
    name[n] = '\0';
    *sym = gva_symbol_find(t, name);
    if ( !*sym )
    {
        snprintf(why, why_len, "%s: no such symbol", name);
        return -1;
    }
    if ( colon )
    {
        char *end;

        errno = 0;
        *len = strtoull(colon + 1, &end, 0);
        if ( errno || *end || end == colon + 1 || colon[1] == '-' ||
             !*len || *len > TARGET_MAX_LEN )
        {
            snprintf(why, why_len, "%s: bad length (1 to %u bytes)", arg,
                     TARGET_MAX_LEN);
            return -1;
        }
    }
    else
    {
        *len = (*sym)->size;
        if ( !*len || *len > TARGET_MAX_LEN )
        {
            snprintf(why, why_len,
                     "%s: its size is unknown: give it (%s:<length>)",
                     name, name);
            return -1;
        }
    }

    return 0;
}

/* ---- guest page tables ---- */

static bool canonical48(uint64_t va)
{
    uint64_t top = va >> 47;

    return top == 0 || top == 0x1ffff;
}

enum gva_result gva_translate(const struct gva_memory *m, uint64_t cr3,
                              uint64_t va, uint64_t *gfn)
{
    uint64_t table = (cr3 & CR3_ADDR) >> 12;
    unsigned int level;

    if ( !canonical48(va) )
        return GVA_NOT_CANONICAL;

    /* Levels 4 (PML4) to 1 (page table): 9 bits each from bit 39 down. */
    for ( level = 4; level >= 1; level-- )
    {
        unsigned int shift = 12 + 9 * (level - 1);
        const uint64_t *entries = m->map(m->ctx, table);
        uint64_t e;

        if ( !entries )
            return GVA_UNREADABLE;
        e = entries[(va >> shift) & 511];
        m->unmap(m->ctx, entries);

        if ( !(e & PTE_PRESENT) )
            return GVA_NOT_MAPPED;
        if ( level == 1 || ((level == 2 || level == 3) && (e & PTE_PS)) )
        {
            /* The page's first frame, then the 4K frame within it. */
            uint64_t base = (e & PTE_ADDR) & ~((1ull << shift) - 1);

            *gfn = (base | (va & ((1ull << shift) - 1))) >> 12;
            return GVA_OK;
        }
        table = (e & PTE_ADDR) >> 12;
    }

    return GVA_NOT_MAPPED;              /* not reached */
}

uint64_t gva_kernel_cr3(const struct gva_memory *m, uint64_t cr3,
                        uint64_t va)
{
    uint64_t gfn;

    cr3 &= CR3_ADDR;
    if ( (cr3 & CR3_PTI_USER) &&
         gva_translate(m, cr3, va, &gfn) == GVA_NOT_MAPPED &&
         gva_translate(m, cr3 & ~CR3_PTI_USER, va, &gfn) == GVA_OK )
        return cr3 & ~CR3_PTI_USER;

    return cr3;
}

/* ---- the guard ---- */

void gva_guard_free(struct gva_guard *g)
{
    free(g->target);
    free(g->page);
    memset(g, 0, sizeof(*g));
}

static const char *result_name(enum gva_result r)
{
    switch ( r )
    {
    case GVA_OK:            return "mapped";
    case GVA_NOT_MAPPED:    return "not mapped";
    case GVA_NOT_CANONICAL: return "not a canonical address";
    case GVA_UNREADABLE:    return "its page tables cannot be read";
    }

    return "?";
}

/* The page of g at va, added if new (unprotected); NULL without memory. */
static struct gva_page *page_at(struct gva_guard *g, uint64_t va,
                                uint64_t gfn)
{
    struct gva_page *n;
    size_t i;

    for ( i = 0; i < g->nr_pages; i++ )
        if ( g->page[i].va == va )
            return &g->page[i];

    n = realloc(g->page, (g->nr_pages + 1) * sizeof(*n));
    if ( !n )
        return NULL;
    g->page = n;
    n = &g->page[g->nr_pages++];
    n->va = va;
    n->gfn = gfn;
    n->map = ~0u;

    return n;
}

/* Deny, in each page of [va, va + len), the sub-pages the range covers. */
static int guard_range(const struct gva_memory *m, uint64_t cr3,
                       const struct gva_target *t, struct gva_guard *g,
                       char *why, size_t len)
{
    uint64_t va = t->sym->addr, end = t->sym->addr + t->len;

    while ( va < end )
    {
        uint64_t page_va = va & ~(uint64_t)(GVA_PAGE_SIZE - 1);
        uint64_t stop = page_va + GVA_PAGE_SIZE < end ?
                        page_va + GVA_PAGE_SIZE : end;
        unsigned int first = (va - page_va) / GVA_SUBPAGE;
        unsigned int last = (stop - 1 - page_va) / GVA_SUBPAGE;
        uint64_t gfn;
        struct gva_page *p;
        enum gva_result r = gva_translate(m, cr3, va, &gfn);

        if ( r != GVA_OK )
        {
            snprintf(why, len, "%s+0x%" PRIx64 " (0x%" PRIx64 "): %s",
                     t->sym->name, va - t->sym->addr, va, result_name(r));
            return -1;
        }
        p = page_at(g, page_va, gfn);
        if ( !p )
        {
            snprintf(why, len, "out of memory");
            return -1;
        }
        /* Sub-pages first .. last: bits first to last of the map cleared. */
        p->map &= ~(uint32_t)(((2ull << last) - 1) & ~((1ull << first) - 1));
        va = stop;
    }

    return 0;
}

int gva_guard_plan(const struct gva_memory *m, uint64_t cr3,
                   const struct gva_target *targets, size_t nr,
                   struct gva_guard *g, char *why, size_t len)
{
    size_t i;

    memset(g, 0, sizeof(*g));
    g->target = calloc(nr ? nr : 1, sizeof(*g->target));
    if ( !g->target )
    {
        snprintf(why, len, "out of memory");
        return -1;
    }
    for ( i = 0; i < nr; i++ )
    {
        uint64_t kcr3 = gva_kernel_cr3(m, cr3, targets[i].sym->addr);

        g->target[g->nr_targets++] = targets[i];
        if ( guard_range(m, kcr3, &targets[i], g, why, len) )
        {
            gva_guard_free(g);
            return -1;
        }
    }

    return 0;
}

bool gva_guard_describe(const struct gva_guard *g, uint64_t gfn,
                        unsigned int off, char *buf, size_t len)
{
    size_t i, j;

    for ( i = 0; i < g->nr_pages; i++ )
    {
        uint64_t va = g->page[i].va + off;

        if ( g->page[i].gfn != gfn )
            continue;
        for ( j = 0; j < g->nr_targets; j++ )
        {
            const struct gva_target *t = &g->target[j];

            if ( va >= t->sym->addr && va - t->sym->addr < t->len )
            {
                snprintf(buf, len, "%s+0x%" PRIx64, t->sym->name,
                         va - t->sym->addr);
                return true;
            }
        }
    }

    return false;
}
