/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounded page pool standing in for a domain's paging pool: real 4K
 * pages at made-up machine addresses, with every allocation accounted.
 */
#ifndef SPP_TEST_POOL_H
#define SPP_TEST_POOL_H

#include "emul.h"
#include "sppt.h"

struct pool {
    unsigned long base_mfn;     /* machine frame of page 0 */
    unsigned int capacity;      /* pages the pool may hand out */
    unsigned int in_use;        /* pages handed out and not freed */
    unsigned long allocs, frees;
    uint64_t **page;            /* [capacity]: the page, or NULL if free */
    unsigned int *used;         /* [capacity]: sppt_ops used count */
    unsigned int *free_slot;    /* stack of free slots */
    unsigned int nr_free;
};

extern const struct sppt_ops pool_ops;

void pool_init(struct pool *p, unsigned long base_mfn, unsigned int capacity);
void pool_destroy(struct pool *p);
/* The page at machine address maddr, or NULL (walker_read_page_t). */
const uint64_t *pool_read_page(void *ctx, uint64_t maddr);

#endif /* SPP_TEST_POOL_H */
