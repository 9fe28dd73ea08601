/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SPP tables (SPPT): encoding of sub-page write permissions and the table
 * walk, insert and removal over an abstract page allocator.
 *
 * The SPPT is indexed like EPT by GPA bits 47:39, 38:30, 29:21 and 20:12.
 * Tables are created on the path of a gfn when it is first protected, and
 * an L3, L2 or L1 table is freed as soon as it no longer leads to a
 * protected gfn.  The root stays until sppt_free_root(): the processor
 * holds its address (SPPTP), so only the caller knows when it may go.
 * An L1E not in use holds SPP_L1E_UNUSED, so the table itself says which
 * gfns are protected.
 */

#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/mm.h>

#include "sppt.h"

uint64_t spp_map_to_l1e(uint32_t map)
{
    uint64_t l1e = 0;
    unsigned int i;

    for ( i = 0; i < SPP_SUBPAGES; i++ )
        if ( map & (1U << i) )
            l1e |= 1ULL << (2 * i);

    return l1e;
}

int spp_l1e_to_map(uint64_t l1e, uint32_t *map)
{
    unsigned int i;

    if ( l1e & SPP_L1E_RESERVED )
        return -EINVAL;

    *map = 0;
    for ( i = 0; i < SPP_SUBPAGES; i++ )
        if ( l1e & (1ULL << (2 * i)) )
            *map |= 1U << i;

    return 0;
}

unsigned int sppt_index(unsigned long gfn, unsigned int level)
{
    return (gfn >> ((level - 1) * SPPT_INDEX_BITS)) & (SPPT_ENTRIES - 1);
}

void sppt_init(struct sppt *t, const struct sppt_ops *ops, void *ctx)
{
    t->ops = ops;
    t->ctx = ctx;
    t->root = INVALID_MFN;
    t->pages = 0;
    t->protected = 0;
}

int sppt_alloc_root(struct sppt *t)
{
    mfn_t root;

    if ( !mfn_eq(t->root, INVALID_MFN) )
        return 0;

    root = t->ops->alloc_page(t->ctx);
    if ( mfn_eq(root, INVALID_MFN) )
        return -ENOMEM;

    t->ops->set_used(t->ctx, root, 0);
    t->root = root;
    t->pages++;

    return 0;
}

int sppt_free_root(struct sppt *t)
{
    if ( t->protected )
        return -EBUSY;
    if ( mfn_eq(t->root, INVALID_MFN) )
        return 0;

    ASSERT(!t->ops->get_used(t->ctx, t->root));
    t->ops->free_page(t->ctx, t->root);
    t->root = INVALID_MFN;
    t->pages--;

    return 0;
}

static uint64_t read_entry(const struct sppt *t, mfn_t table, unsigned int i)
{
    uint64_t *p = t->ops->map_page(t->ctx, table);
    uint64_t e = p[i];

    t->ops->unmap_page(t->ctx, p);

    return e;
}

static void write_entry(const struct sppt *t, mfn_t table, unsigned int i,
                        uint64_t e)
{
    uint64_t *p = t->ops->map_page(t->ctx, table);

    write_atomic(&p[i], e);
    t->ops->unmap_page(t->ctx, p);
}

static bool l1e_in_use(uint64_t l1e)
{
    return !(l1e & SPP_L1E_RESERVED);
}

/* A new L1 table: every entry unused. */
static void init_l1_table(const struct sppt *t, mfn_t table)
{
    uint64_t *p = t->ops->map_page(t->ctx, table);
    unsigned int i;

    for ( i = 0; i < SPPT_ENTRIES; i++ )
        p[i] = SPP_L1E_UNUSED;
    t->ops->unmap_page(t->ctx, p);
}

static void adjust_used(const struct sppt *t, mfn_t table, int delta)
{
    t->ops->set_used(t->ctx, table, t->ops->get_used(t->ctx, table) + delta);
}

/*
 * The tables on gfn's path: path[l] is the level l table (path[4] the
 * root), INVALID_MFN from the first level that does not exist.
 */
static void walk_path(const struct sppt *t, unsigned long gfn,
                      mfn_t path[SPPT_LEVELS + 1])
{
    unsigned int l;

    path[SPPT_LEVELS] = t->root;
    for ( l = SPPT_LEVELS; l > 1; l-- )
    {
        uint64_t e = mfn_eq(path[l], INVALID_MFN)
                     ? 0 : read_entry(t, path[l], sppt_index(gfn, l));

        path[l - 1] = (e & SPPT_ENTRY_VALID)
                      ? maddr_to_mfn(e & PADDR_MASK & PAGE_MASK)
                      : INVALID_MFN;
    }
}

static bool gfn_in_range(unsigned long gfn)
{
    return !(gfn >> SPPT_MAX_GFN_BITS);
}

/* Link the table at level l into its parent on gfn's path. */
static void link_table(struct sppt *t, unsigned long gfn,
                       mfn_t path[SPPT_LEVELS + 1], unsigned int l)
{
    t->pages++;
    if ( l == SPPT_LEVELS )
    {
        t->root = path[l];
        return;
    }
    write_entry(t, path[l + 1], sppt_index(gfn, l + 1),
                mfn_to_maddr(path[l]) | SPPT_ENTRY_VALID);
    adjust_used(t, path[l + 1], 1);
}

/* Free the table at level l (not the root), and unlink it from its parent. */
static void unlink_table(struct sppt *t, unsigned long gfn,
                         mfn_t path[SPPT_LEVELS + 1], unsigned int l)
{
    write_entry(t, path[l + 1], sppt_index(gfn, l + 1), 0);
    adjust_used(t, path[l + 1], -1);
    t->ops->free_page(t->ctx, path[l]);
    t->pages--;
}

int sppt_protect(struct sppt *t, unsigned long gfn, uint64_t l1e)
{
    mfn_t path[SPPT_LEVELS + 1];
    unsigned int l, first_new;

    if ( !gfn_in_range(gfn) || (l1e & SPP_L1E_RESERVED) )
        return -EINVAL;

    walk_path(t, gfn, path);
    if ( !mfn_eq(path[1], INVALID_MFN) &&
         l1e_in_use(read_entry(t, path[1], sppt_index(gfn, 1))) )
        return -EEXIST;

    /* Allocate every missing table first: on failure nothing changes. */
    for ( first_new = 1;
          first_new <= SPPT_LEVELS && mfn_eq(path[first_new], INVALID_MFN);
          first_new++ )
    {
        path[first_new] = t->ops->alloc_page(t->ctx);
        if ( mfn_eq(path[first_new], INVALID_MFN) )
        {
            while ( first_new-- > 1 )
                t->ops->free_page(t->ctx, path[first_new]);
            return -ENOMEM;
        }
        t->ops->set_used(t->ctx, path[first_new], 0);
        if ( first_new == 1 )
            init_l1_table(t, path[1]);
    }

    /* Link bottom-up: the processor never walks into a half-built path. */
    for ( l = 1; l < first_new; l++ )
        link_table(t, gfn, path, l);

    write_entry(t, path[1], sppt_index(gfn, 1), l1e);
    adjust_used(t, path[1], 1);
    t->protected++;

    return 0;
}

int sppt_update(struct sppt *t, unsigned long gfn, uint64_t l1e)
{
    mfn_t path[SPPT_LEVELS + 1];

    if ( !gfn_in_range(gfn) || (l1e & SPP_L1E_RESERVED) )
        return -EINVAL;

    walk_path(t, gfn, path);
    if ( mfn_eq(path[1], INVALID_MFN) ||
         !l1e_in_use(read_entry(t, path[1], sppt_index(gfn, 1))) )
        return -ENOENT;

    write_entry(t, path[1], sppt_index(gfn, 1), l1e);

    return 0;
}

int sppt_get(const struct sppt *t, unsigned long gfn, uint64_t *l1e)
{
    mfn_t path[SPPT_LEVELS + 1];
    uint64_t e;

    if ( !gfn_in_range(gfn) )
        return -EINVAL;

    walk_path(t, gfn, path);
    if ( mfn_eq(path[1], INVALID_MFN) )
        return -ENOENT;

    e = read_entry(t, path[1], sppt_index(gfn, 1));
    if ( !l1e_in_use(e) )
        return -ENOENT;
    *l1e = e;

    return 0;
}

/*
 * Walk gfn's path as the processor does.  Returns the level (4 to 1) of
 * the entry the walk stops at, with its value in *entry: an upper-level
 * entry that is not valid (an SPPT miss) or has reserved bits set, or an
 * L1E with reserved bits set (SPPT misconfigurations).  0 when the walk
 * reaches a well-formed L1E.
 */
unsigned int sppt_walk(const struct sppt *t, unsigned long gfn,
                       uint64_t *entry)
{
    mfn_t table = t->root;
    unsigned int l;

    *entry = 0;
    if ( mfn_eq(table, INVALID_MFN) )
        return SPPT_LEVELS;

    for ( l = SPPT_LEVELS; l > 1; l-- )
    {
        *entry = read_entry(t, table, sppt_index(gfn, l));
        if ( !(*entry & SPPT_ENTRY_VALID) || (*entry & SPPT_ENTRY_RSVD_LOW) )
            return l;
        table = maddr_to_mfn(*entry & PADDR_MASK & PAGE_MASK);
    }

    *entry = read_entry(t, table, sppt_index(gfn, 1));

    return (*entry & SPP_L1E_RESERVED) ? 1 : 0;
}

int sppt_unprotect(struct sppt *t, unsigned long gfn)
{
    mfn_t path[SPPT_LEVELS + 1];
    unsigned int l;

    if ( !gfn_in_range(gfn) )
        return -EINVAL;

    walk_path(t, gfn, path);
    if ( mfn_eq(path[1], INVALID_MFN) ||
         !l1e_in_use(read_entry(t, path[1], sppt_index(gfn, 1))) )
        return -ENOENT;

    write_entry(t, path[1], sppt_index(gfn, 1), SPP_L1E_UNUSED);
    adjust_used(t, path[1], -1);
    t->protected--;

    /* Free the tables that no longer lead to a protected gfn. */
    for ( l = 1;
          l < SPPT_LEVELS && !t->ops->get_used(t->ctx, path[l]);
          l++ )
        unlink_table(t, gfn, path, l);

    return 0;
}

/*
 * The first gfn in [gfn, end) with an L1E, or end.  A table that is not
 * there is skipped with every gfn it would cover.
 */
unsigned long sppt_next_protected(const struct sppt *t, unsigned long gfn,
                                  unsigned long end)
{
    while ( gfn < end && gfn_in_range(gfn) )
    {
        mfn_t path[SPPT_LEVELS + 1];
        unsigned int l = 1;

        walk_path(t, gfn, path);
        while ( l <= SPPT_LEVELS && mfn_eq(path[l], INVALID_MFN) )
            l++;
        if ( l == 1 )
        {
            if ( l1e_in_use(read_entry(t, path[1], sppt_index(gfn, 1))) )
                return gfn;
            gfn++;
        }
        else
            gfn = (gfn | ((1UL << ((l - 1) * SPPT_INDEX_BITS)) - 1)) + 1;
    }

    return end;
}

/*
 * Free the tables below the level l table at mfn, at most *budget pages;
 * -ERESTART when the budget ran out first.  Freed entries are cleared, so
 * calling again resumes where this call stopped.
 */
static int free_below(struct sppt *t, mfn_t table, unsigned int l,
                      unsigned int *budget)
{
    unsigned int i;

    for ( i = 0; i < SPPT_ENTRIES; i++ )
    {
        uint64_t e = read_entry(t, table, i);
        mfn_t child = maddr_to_mfn(e & PADDR_MASK & PAGE_MASK);
        int rc;

        if ( !(e & SPPT_ENTRY_VALID) )
            continue;
        if ( !*budget )
            return -ERESTART;
        if ( l > 2 && (rc = free_below(t, child, l - 1, budget)) )
            return rc;
        if ( !*budget )
            return -ERESTART;

        write_entry(t, table, i, 0);
        t->ops->free_page(t->ctx, child);
        t->pages--;
        (*budget)--;
    }

    return 0;
}

int sppt_teardown(struct sppt *t, unsigned int *budget)
{
    int rc;

    if ( mfn_eq(t->root, INVALID_MFN) )
        return 0;

    rc = free_below(t, t->root, SPPT_LEVELS, budget);
    if ( rc )
        return rc;
    if ( !*budget )
        return -ERESTART;

    t->ops->free_page(t->ctx, t->root);
    t->root = INVALID_MFN;
    t->pages--;
    t->protected = 0;
    (*budget)--;

    return 0;
}
