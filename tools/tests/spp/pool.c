/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdlib.h>
#include <string.h>

#include "pool.h"

void pool_init(struct pool *p, unsigned long base_mfn, unsigned int capacity)
{
    memset(p, 0, sizeof(*p));
    p->base_mfn = base_mfn;
    p->capacity = capacity;
    p->page = calloc(capacity, sizeof(*p->page));
    p->used = calloc(capacity, sizeof(*p->used));
    p->free_slot = calloc(capacity, sizeof(*p->free_slot));
    if ( !p->page || !p->used || !p->free_slot )
        abort();
    /* Hand out low slots first: easier to read in a debugger. */
    while ( p->nr_free < capacity )
    {
        p->free_slot[p->nr_free] = capacity - 1 - p->nr_free;
        p->nr_free++;
    }
}

void pool_destroy(struct pool *p)
{
    unsigned int i;

    for ( i = 0; i < p->capacity; i++ )
        free(p->page[i]);
    free(p->page);
    free(p->used);
    free(p->free_slot);
}

/* The slot of mfn; aborts on a frame the pool never handed out. */
static unsigned int slot_of(const struct pool *p, mfn_t mfn)
{
    unsigned long i = mfn_x(mfn) - p->base_mfn;

    if ( mfn_x(mfn) < p->base_mfn || i >= p->capacity || !p->page[i] )
        abort();

    return i;
}

static mfn_t pool_alloc(void *ctx)
{
    struct pool *p = ctx;
    unsigned int i;

    if ( !p->nr_free )
        return INVALID_MFN;

    i = p->free_slot[--p->nr_free];
    p->page[i] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if ( !p->page[i] )
        abort();
    memset(p->page[i], 0, PAGE_SIZE);
    /* Garbage, so that a table used before set_used() shows. */
    p->used[i] = 0xdead;
    p->in_use++;
    p->allocs++;

    return _mfn(p->base_mfn + i);
}

static void pool_free(void *ctx, mfn_t mfn)
{
    struct pool *p = ctx;
    unsigned int i = slot_of(p, mfn);

    free(p->page[i]);
    p->page[i] = NULL;
    p->free_slot[p->nr_free++] = i;
    p->in_use--;
    p->frees++;
}

static uint64_t *pool_map(void *ctx, mfn_t mfn)
{
    struct pool *p = ctx;

    return p->page[slot_of(p, mfn)];
}

static void pool_unmap(void *ctx, uint64_t *table)
{
    (void)ctx;
    (void)table;
}

static unsigned int pool_get_used(void *ctx, mfn_t mfn)
{
    struct pool *p = ctx;

    return p->used[slot_of(p, mfn)];
}

static void pool_set_used(void *ctx, mfn_t mfn, unsigned int used)
{
    struct pool *p = ctx;

    if ( used > 512 )
        abort();
    p->used[slot_of(p, mfn)] = used;
}

const uint64_t *pool_read_page(void *ctx, uint64_t maddr)
{
    struct pool *p = ctx;
    unsigned long mfn = maddr >> PAGE_SHIFT;

    if ( (maddr & ~PAGE_MASK) || mfn < p->base_mfn ||
         mfn - p->base_mfn >= p->capacity )
        return NULL;

    return p->page[mfn - p->base_mfn];
}

const struct sppt_ops pool_ops = {
    .alloc_page = pool_alloc,
    .free_page = pool_free,
    .map_page = pool_map,
    .unmap_page = pool_unmap,
    .get_used = pool_get_used,
    .set_used = pool_set_used,
};
