/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SPPT memory benchmark (make bench, not a test): table memory per
 * protected gfn for dense and sparse protection, and after clearing.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pool.h"
#include "sppt.h"

#define BASE_MFN 0x200000UL

static uint64_t rng_state = 0x5eed;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static void protect_or_die(struct sppt *t, unsigned long gfn)
{
    int rc = sppt_protect(t, gfn, SPP_L1E_ALL_WRITABLE);

    if ( rc )
    {
        fprintf(stderr, "bench-sppt: protect %#lx: %d\n", gfn, rc);
        exit(1);
    }
}

static void report(const char *what, const struct sppt *t)
{
    printf("%-44s %7lu gfns %6lu pages %8.3f bytes/gfn\n", what,
           t->protected, t->pages,
           t->protected ? (double)t->pages * PAGE_SIZE / t->protected : 0.0);
}

/* Protect n gfns from first on, report, then clear them all. */
static void dense(struct pool *p, const char *what, unsigned long first,
                  unsigned long n)
{
    struct sppt t;
    unsigned long i;

    sppt_init(&t, &pool_ops, p);
    for ( i = 0; i < n; i++ )
        protect_or_die(&t, first + i);
    report(what, &t);
    for ( i = 0; i < n; i++ )
        sppt_unprotect(&t, first + i);
    report("  after clearing all (root kept)", &t);
    sppt_free_root(&t);
    report("  and SPP off for the domain", &t);
    printf("  pool pages still in use: %u\n", p->in_use);
}

/* n distinct random gfns below limit (16 GB of guest space: 2^22 gfns). */
static void sparse(struct pool *p, unsigned long n, unsigned long limit)
{
    unsigned long *gfn = calloc(n, sizeof(*gfn)), i = 0;
    char *seen = calloc(limit, 1);
    struct sppt t;

    if ( !gfn || !seen )
        exit(1);
    sppt_init(&t, &pool_ops, p);
    while ( i < n )
    {
        unsigned long g = rnd() % limit;

        if ( seen[g] )
            continue;
        seen[g] = 1;
        gfn[i++] = g;
        protect_or_die(&t, g);
    }
    report("(b) 10,000 random gfns over 16 GB", &t);
    for ( i = 0; i < n; i++ )
        sppt_unprotect(&t, gfn[i]);
    report("(c) after clearing all (root kept)", &t);
    sppt_free_root(&t);
    report("(c) and SPP off for the domain", &t);
    printf("  pool pages still in use: %u\n", p->in_use);
    free(gfn);
    free(seen);
}

int main(void)
{
    struct pool p;

    pool_init(&p, BASE_MFN, 1 << 16);
    printf("SPPT memory (4 KiB table pages, root included)\n");
    dense(&p, "(a) all 512 gfns of one 2 MB region", 0x40000, 512);
    dense(&p, "(a) all 262144 gfns of 1 GB (dense limit)", 0x40000, 1 << 18);
    sparse(&p, 10000, 16UL << (30 - PAGE_SHIFT));
    pool_destroy(&p);

    return 0;
}
