/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of the hypervisor's SPP table code (xen/arch/x86/mm/sppt.c, compiled
 * as is) against an independent reference walker (walker.c) that decides,
 * from the hardware rules alone, what the processor does with a write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pool.h"
#include "sppt.h"
#include "walker.h"

#define BASE_MFN        0x123400UL
#define MAXPHYADDR      46
#define EPT_R           (1ULL << 0)
#define EPT_SPP         (1ULL << 61)

/* xorshift64*: fixed seeds give the same run on every machine. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

struct fixture {
    struct pool pool;
    struct sppt t;
};

static struct fixture *fixture_new(unsigned int capacity)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    pool_init(&f->pool, BASE_MFN, capacity);
    sppt_init(&f->t, &pool_ops, &f->pool);

    return f;
}

static void fixture_free(struct fixture *f)
{
    pool_destroy(&f->pool);
    free(f);
}

/*
 * What the processor does with a write to sub-page sub of gfn, when the
 * EPT leaf is read-only and carries the SPP bit (as for a protected gfn).
 */
static enum spp_verdict write_verdict(struct fixture *f, unsigned long gfn,
                                      unsigned int sub, unsigned int byte)
{
    const struct walker_cpu cpu = {
        .spp_enabled = true,
        .maxphyaddr = MAXPHYADDR,
        .spptp = mfn_eq(f->t.root, INVALID_MFN) ? 0
                 : mfn_to_maddr(f->t.root),
        .read_page = pool_read_page,
        .ctx = &f->pool,
    };
    uint64_t gpa = ((uint64_t)gfn << PAGE_SHIFT) |
                   (sub << SPP_SUBPAGE_SHIFT) | byte;

    return walker_write(&cpu, EPT_R | EPT_SPP, 1, gpa);
}

/* Every sub-page of gfn is writable exactly as map says. */
static void assert_hw_sees(struct fixture *f, unsigned long gfn, uint32_t map)
{
    unsigned int sub;

    for ( sub = 0; sub < SPP_SUBPAGES; sub++ )
    {
        enum spp_verdict want = (map >> sub) & 1 ? SPP_WRITE_ALLOWED
                                                 : SPP_EPT_VIOLATION;
        enum spp_verdict first = write_verdict(f, gfn, sub, 0);
        enum spp_verdict last = write_verdict(f, gfn, sub, 127);

        if ( first != want || last != want )
            fail_msg("gfn %#lx sub-page %u: walker says %s/%s, map %#x",
                     gfn, sub, walker_verdict_name(first),
                     walker_verdict_name(last), map);
    }
}

/* No sub-page of an unprotected gfn may be writable through the SPPT. */
static void assert_hw_denies(struct fixture *f, unsigned long gfn)
{
    unsigned int sub;

    for ( sub = 0; sub < SPP_SUBPAGES; sub++ )
        if ( write_verdict(f, gfn, sub, 0) == SPP_WRITE_ALLOWED )
            fail_msg("unprotected gfn %#lx sub-page %u is writable via SPPT",
                     gfn, sub);
}

/* ---- encoding ---- */

static void encoding_edge_cases(void **state)
{
    unsigned int i;
    uint32_t map;

    (void)state;
    assert_int_equal(spp_map_to_l1e(0), 0);
    assert_int_equal(spp_map_to_l1e(SPP_MAP_ALL_WRITABLE),
                     SPP_L1E_ALL_WRITABLE);

    for ( i = 0; i < SPP_SUBPAGES; i++ )
    {
        assert_int_equal(spp_map_to_l1e(1U << i), 1ULL << (2 * i));
        assert_int_equal(spp_l1e_to_map(1ULL << (2 * i), &map), 0);
        assert_int_equal(map, 1U << i);

        /* Each reserved (odd) bit is refused and leaves *map alone. */
        map = 0x1234;
        assert_int_equal(spp_l1e_to_map(SPP_L1E_ALL_WRITABLE |
                                        (1ULL << (2 * i + 1)), &map),
                         -EINVAL);
        assert_int_equal(map, 0x1234);
    }

    for ( rng_state = 7, i = 0; i < 10000; i++ )
    {
        uint32_t m = rnd(), back;

        assert_int_equal(spp_map_to_l1e(m) & SPP_L1E_RESERVED, 0);
        assert_int_equal(spp_l1e_to_map(spp_map_to_l1e(m), &back), 0);
        assert_int_equal(back, m);
    }
}

static void index_arithmetic(void **state)
{
    /* GPA 47:39 = 0x1a5, 38:30 = 0x0f3, 29:21 = 0x111, 20:12 = 0x1ff. */
    unsigned long gfn = (0x1a5UL << 27) | (0x0f3UL << 18) |
                        (0x111UL << 9) | 0x1ff;

    (void)state;
    assert_int_equal(sppt_index(gfn, 4), 0x1a5);
    assert_int_equal(sppt_index(gfn, 3), 0x0f3);
    assert_int_equal(sppt_index(gfn, 2), 0x111);
    assert_int_equal(sppt_index(gfn, 1), 0x1ff);
}

/* ---- the property test ---- */

#define NR_DENSE        4096            /* 8 consecutive 2M regions */
#define NR_SPARSE       4096            /* anywhere in 48 bits of GPA */
#define NR_CANDIDATES   (NR_DENSE + NR_SPARSE)

struct model {
    unsigned long gfn[NR_CANDIDATES];
    bool protected[NR_CANDIDATES];
    uint32_t map[NR_CANDIDATES];
    unsigned long nr_protected;
    bool has_root;      /* kept while empty until sppt_free_root() */
};

static void model_init(struct model *m)
{
    unsigned int i;

    for ( i = 0; i < NR_DENSE; i++ )
        m->gfn[i] = 0x80000 + i;
    for ( ; i < NR_CANDIDATES; i++ )
        m->gfn[i] = rnd() >> (64 - SPPT_MAX_GFN_BITS);
    for ( i = 0; i < NR_CANDIDATES; i++ )
        m->protected[i] = false;
    m->nr_protected = 0;
}

static int cmp_ulong(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return x < y ? -1 : x > y;
}

/* Tables the model needs: distinct prefixes at each level, plus the root. */
static unsigned long model_tables(const struct model *m)
{
    static unsigned long prefix[NR_CANDIDATES];
    unsigned long total = 0;
    unsigned int level, i, n;

    for ( level = 1; level < SPPT_LEVELS; level++ )
    {
        for ( n = i = 0; i < NR_CANDIDATES; i++ )
            if ( m->protected[i] )
                prefix[n++] = m->gfn[i] >> (level * SPPT_INDEX_BITS);
        qsort(prefix, n, sizeof(*prefix), cmp_ulong);
        for ( i = 0; i < n; i++ )
            total += !i || prefix[i] != prefix[i - 1];
    }

    return total + m->has_root;
}

static void sweep(struct fixture *f, const struct model *m)
{
    unsigned int i;

    for ( i = 0; i < NR_CANDIDATES; i++ )
        if ( m->protected[i] )
            assert_hw_sees(f, m->gfn[i], m->map[i]);
        else
            assert_hw_denies(f, m->gfn[i]);

    assert_int_equal(f->t.protected, m->nr_protected);
    assert_int_equal(f->t.pages, model_tables(m));
    assert_int_equal(f->pool.in_use, f->t.pages);
}

static uint32_t random_map(void)
{
    switch ( rnd() % 4 )
    {
    case 0: return 0;
    case 1: return SPP_MAP_ALL_WRITABLE;
    case 2: return 1U << (rnd() % SPP_SUBPAGES);
    default: return rnd();
    }
}

static void one_op(struct fixture *f, struct model *m)
{
    unsigned int i = rnd() % NR_CANDIDATES;
    unsigned long gfn = m->gfn[i];
    uint64_t l1e;

    switch ( rnd() % 3 )
    {
    case 0: /* set */
    {
        uint32_t map = random_map();

        if ( m->protected[i] )
            assert_int_equal(sppt_update(&f->t, gfn, spp_map_to_l1e(map)), 0);
        else
        {
            assert_int_equal(sppt_protect(&f->t, gfn, spp_map_to_l1e(map)),
                             0);
            m->protected[i] = true;
            m->nr_protected++;
            m->has_root = true;
        }
        m->map[i] = map;
        assert_hw_sees(f, gfn, map);
        break;
    }

    case 1: /* get */
        if ( m->protected[i] )
        {
            uint32_t map;

            assert_int_equal(sppt_get(&f->t, gfn, &l1e), 0);
            assert_int_equal(spp_l1e_to_map(l1e, &map), 0);
            assert_int_equal(map, m->map[i]);
        }
        else
            assert_int_equal(sppt_get(&f->t, gfn, &l1e), -ENOENT);
        break;

    case 2: /* clear */
        if ( m->protected[i] )
        {
            assert_int_equal(sppt_unprotect(&f->t, gfn), 0);
            m->protected[i] = false;
            m->nr_protected--;
        }
        /* As the hypervisor does when SPP goes off, but not always. */
        if ( !m->nr_protected && m->has_root && rnd() % 2 )
        {
            assert_int_equal(sppt_free_root(&f->t), 0);
            m->has_root = false;
        }
        assert_hw_denies(f, gfn);
        break;
    }
}

static void random_ops_match_walker(void **state)
{
    static const uint64_t seeds[] = { 1, 0x5eed, 0xdeadbeef, 42 };
    unsigned int s, op, total = 0;

    (void)state;
    for ( s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++ )
    {
        struct fixture *f = fixture_new(16384);
        static struct model m;
        unsigned int i;

        rng_state = seeds[s];
        model_init(&m);
        for ( op = 0; op < 30000; op++, total++ )
        {
            one_op(f, &m);
            if ( op % 5000 == 4999 )
                sweep(f, &m);
        }
        sweep(f, &m);

        /* Clearing everything gives every page back. */
        for ( i = 0; i < NR_CANDIDATES; i++ )
            if ( m.protected[i] )
                assert_int_equal(sppt_unprotect(&f->t, m.gfn[i]), 0);
        assert_int_equal(f->t.pages, m.has_root);
        assert_int_equal(f->pool.in_use, m.has_root);
        assert_int_equal(sppt_free_root(&f->t), 0);
        assert_int_equal(f->t.pages, 0);
        assert_int_equal(f->t.protected, 0);
        assert_true(mfn_eq(f->t.root, INVALID_MFN));
        assert_int_equal(f->pool.in_use, 0);
        assert_int_equal(f->pool.allocs, f->pool.frees);
        fixture_free(f);
    }
    assert_true(total >= 100000);
    printf("property test: %u operations over %u seeds\n", total, s);
}

/* ---- bad input and exhaustion ---- */

static void bad_input_changes_nothing(void **state)
{
    struct fixture *f = fixture_new(64);
    unsigned long too_big = 1UL << SPPT_MAX_GFN_BITS;
    uint64_t l1e = 0x77;

    (void)state;
    assert_int_equal(sppt_protect(&f->t, too_big, 0), -EINVAL);
    assert_int_equal(sppt_protect(&f->t, 5, SPP_L1E_ALL_WRITABLE | 2),
                     -EINVAL);
    assert_int_equal(f->pool.allocs, 0);

    assert_int_equal(sppt_get(&f->t, 5, &l1e), -ENOENT);
    assert_int_equal(l1e, 0x77);
    assert_int_equal(sppt_update(&f->t, 5, 0), -ENOENT);
    assert_int_equal(sppt_unprotect(&f->t, 5), -ENOENT);

    assert_int_equal(sppt_protect(&f->t, 5, spp_map_to_l1e(0xf0)), 0);
    /* Protected twice is the caller's bug, refused; a neighbour is not. */
    assert_int_equal(sppt_protect(&f->t, 5, 0), -EEXIST);
    assert_int_equal(sppt_get(&f->t, 6, &l1e), -ENOENT);
    assert_int_equal(sppt_update(&f->t, 6, 0), -ENOENT);
    assert_int_equal(sppt_unprotect(&f->t, 6), -ENOENT);
    assert_int_equal(f->t.protected, 1);
    assert_int_equal(sppt_update(&f->t, 5, 1ULL << 63), -EINVAL);
    assert_int_equal(sppt_update(&f->t, too_big, 0), -EINVAL);
    assert_int_equal(sppt_get(&f->t, too_big, &l1e), -EINVAL);
    assert_int_equal(sppt_unprotect(&f->t, too_big), -EINVAL);
    assert_hw_sees(f, 5, 0xf0);
    assert_int_equal(f->t.pages, 4);
    /* The root is busy while anything is protected. */
    assert_int_equal(sppt_free_root(&f->t), -EBUSY);
    assert_int_equal(f->t.pages, 4);
    assert_hw_sees(f, 5, 0xf0);

    /* Clearing keeps the root (SPPTP points at it) until it is freed. */
    assert_int_equal(sppt_unprotect(&f->t, 5), 0);
    assert_int_equal(f->pool.in_use, 1);
    assert_int_equal(f->t.pages, 1);
    assert_hw_denies(f, 5);
    assert_int_equal(sppt_free_root(&f->t), 0);
    assert_int_equal(sppt_free_root(&f->t), 0);
    assert_int_equal(f->pool.in_use, 0);
    assert_true(mfn_eq(f->t.root, INVALID_MFN));
    fixture_free(f);
}

static void enomem_leaves_nothing_half_written(void **state)
{
    struct fixture *f = fixture_new(3);
    unsigned long far = 1UL << 30;      /* another L4 entry than gfn 1 */
    uint64_t l1e;

    (void)state;
    /* A first gfn needs 4 tables: nothing may stay allocated. */
    assert_int_equal(sppt_protect(&f->t, 1, 0), -ENOMEM);
    assert_int_equal(f->pool.in_use, 0);
    assert_int_equal(f->t.pages, 0);
    assert_true(mfn_eq(f->t.root, INVALID_MFN));
    fixture_free(f);

    f = fixture_new(5);
    assert_int_equal(sppt_protect(&f->t, 1, spp_map_to_l1e(3)), 0);
    /* 3 more tables needed, 1 left. */
    assert_int_equal(sppt_protect(&f->t, far, 0), -ENOMEM);
    assert_int_equal(f->pool.in_use, 4);
    assert_int_equal(f->t.pages, 4);
    assert_int_equal(f->t.protected, 1);
    assert_int_equal(sppt_get(&f->t, far, &l1e), -ENOENT);
    assert_hw_sees(f, 1, 3);
    assert_hw_denies(f, far);
    /* Same L1 table: no allocation needed, so it still works. */
    assert_int_equal(sppt_protect(&f->t, 2, spp_map_to_l1e(1)), 0);
    assert_int_equal(f->pool.in_use, 4);

    assert_int_equal(sppt_unprotect(&f->t, 1), 0);
    assert_int_equal(sppt_unprotect(&f->t, 2), 0);
    assert_int_equal(sppt_free_root(&f->t), 0);
    assert_int_equal(f->pool.in_use, 0);
    fixture_free(f);

    /* The root alone, as when SPP is switched on for a domain. */
    f = fixture_new(1);
    assert_int_equal(sppt_alloc_root(&f->t), 0);
    assert_int_equal(sppt_alloc_root(&f->t), 0);    /* already there */
    assert_int_equal(f->pool.in_use, 1);
    assert_int_equal(f->t.pages, 1);
    /* A gfn needs 3 more tables: none left, and the root stays intact. */
    assert_int_equal(sppt_protect(&f->t, 1, 0), -ENOMEM);
    assert_int_equal(f->pool.in_use, 1);
    assert_int_equal(f->t.protected, 0);
    assert_hw_denies(f, 1);
    assert_int_equal(sppt_free_root(&f->t), 0);
    assert_int_equal(f->pool.in_use, 0);
    fixture_free(f);

    f = fixture_new(0);
    assert_int_equal(sppt_alloc_root(&f->t), -ENOMEM);
    assert_true(mfn_eq(f->t.root, INVALID_MFN));
    assert_int_equal(f->t.pages, 0);
    fixture_free(f);
}

/* ---- the walk behind the exit-66 diagnostic ---- */

static uint64_t *entry_ptr(struct fixture *f, uint64_t table_maddr,
                           unsigned long gfn, unsigned int level)
{
    uint64_t *table = (uint64_t *)pool_read_page(&f->pool, table_maddr);

    assert_non_null(table);
    return &table[sppt_index(gfn, level)];
}

static void walk_stops_where_the_processor_does(void **state)
{
    struct fixture *f = fixture_new(64);
    unsigned long gfn = 0x12345, far = gfn + (1UL << 27);
    uint64_t e, *l4e, *l3e, *l2e, *l1e, saved;

    (void)state;
    /* No root at all: nothing to walk. */
    assert_int_equal(sppt_walk(&f->t, gfn, &e), 4);
    assert_int_equal(e, 0);

    assert_int_equal(sppt_protect(&f->t, gfn, spp_map_to_l1e(0xf0f0)), 0);
    assert_int_equal(sppt_walk(&f->t, gfn, &e), 0);
    assert_int_equal(e, spp_map_to_l1e(0xf0f0));
    /* Another L4 slot: a miss at L4, as the walker says. */
    assert_int_equal(sppt_walk(&f->t, far, &e), 4);
    assert_int_equal(e, 0);
    assert_int_equal(write_verdict(f, far, 0, 0), SPP_MISS);

    l4e = entry_ptr(f, mfn_to_maddr(f->t.root), gfn, 4);
    l3e = entry_ptr(f, *l4e & PAGE_MASK, gfn, 3);
    l2e = entry_ptr(f, *l3e & PAGE_MASK, gfn, 2);
    l1e = entry_ptr(f, *l2e & PAGE_MASK, gfn, 1);

    /* A reserved bit in the L2E: misconfiguration reported at L2. */
    saved = *l2e;
    *l2e |= 1ULL << 5;
    assert_int_equal(sppt_walk(&f->t, gfn, &e), 2);
    assert_int_equal(e, *l2e);
    assert_int_equal(write_verdict(f, gfn, 0, 0), SPP_MISCONFIG);
    /* A cleared L3E: a miss reported at L3. */
    *l2e = saved;
    saved = *l3e;
    *l3e = 0;
    assert_int_equal(sppt_walk(&f->t, gfn, &e), 3);
    assert_int_equal(write_verdict(f, gfn, 0, 0), SPP_MISS);
    *l3e = saved;
    /* An odd bit in the L1E: misconfiguration at L1. */
    *l1e |= 1ULL << 3;
    assert_int_equal(sppt_walk(&f->t, gfn, &e), 1);
    assert_int_equal(e, *l1e);
    assert_int_equal(write_verdict(f, gfn, 1, 0), SPP_MISCONFIG);
    *l1e &= ~(1ULL << 3);
    assert_int_equal(sppt_walk(&f->t, gfn, &e), 0);
    assert_hw_sees(f, gfn, 0xf0f0);

    assert_int_equal(sppt_unprotect(&f->t, gfn), 0);
    assert_int_equal(sppt_free_root(&f->t), 0);
    assert_int_equal(f->pool.in_use, 0);
    fixture_free(f);
}

/* Protected gfns of a range found in order, with absent tables skipped. */
static void next_protected_in_range(void **state)
{
    static const unsigned long gfns[] = {
        5, 511, 512, 1000, (1UL << 18) + 7, (1UL << 27) + 3,
        (1UL << SPPT_MAX_GFN_BITS) - 1,
    };
    const unsigned long max = 1UL << SPPT_MAX_GFN_BITS;
    struct fixture *f = fixture_new(64);
    unsigned long gfn;
    unsigned int i;

    (void)state;
    assert_int_equal(sppt_next_protected(&f->t, 0, max), max);
    for ( i = 0; i < ARRAY_SIZE(gfns); i++ )
        assert_int_equal(sppt_protect(&f->t, gfns[i], 0), 0);

    for ( i = 0, gfn = sppt_next_protected(&f->t, 0, max); gfn < max;
          i++, gfn = sppt_next_protected(&f->t, gfn + 1, max) )
    {
        assert_true(i < ARRAY_SIZE(gfns));
        assert_int_equal(gfn, gfns[i]);
    }
    assert_int_equal(i, ARRAY_SIZE(gfns));

    /* The end is exclusive, and a range past the last gfn is empty. */
    assert_int_equal(sppt_next_protected(&f->t, 6, 511), 511);
    assert_int_equal(sppt_next_protected(&f->t, 1001, 1UL << 18),
                     1UL << 18);
    assert_int_equal(sppt_next_protected(&f->t, max, max + 10), max + 10);

    for ( i = 0; i < ARRAY_SIZE(gfns); i++ )
        assert_int_equal(sppt_unprotect(&f->t, gfns[i]), 0);
    assert_int_equal(sppt_next_protected(&f->t, 0, max), max);
    fixture_free(f);
}

static void teardown_is_preemptible_and_complete(void **state)
{
    struct fixture *f = fixture_new(16384);
    unsigned int i, calls = 0, budget;
    unsigned long before;
    int rc;

    (void)state;
    for ( rng_state = 99, i = 0; i < 3000; i++ )
    {
        unsigned long gfn = rnd() >> (64 - SPPT_MAX_GFN_BITS);

        if ( sppt_protect(&f->t, gfn, 0) )
            fail_msg("protect %#lx", gfn);
    }
    /* Protecting the same gfn twice is the caller's bug: none here. */
    assert_true(f->t.pages > 3000);

    do {
        before = f->pool.in_use;
        budget = 7;
        rc = sppt_teardown(&f->t, &budget);
        assert_true(rc == 0 || rc == -ERESTART);
        assert_int_equal(before - f->pool.in_use, 7 - budget);
        assert_int_equal(f->pool.in_use, f->t.pages);
        calls++;
    } while ( rc == -ERESTART );

    assert_int_equal(f->pool.in_use, 0);
    assert_int_equal(f->t.pages, 0);
    assert_true(mfn_eq(f->t.root, INVALID_MFN));
    assert_true(calls > 3000 / 7);

    /* The table is usable again afterwards. */
    assert_int_equal(sppt_protect(&f->t, 9, 0), 0);
    assert_int_equal(sppt_unprotect(&f->t, 9), 0);
    assert_int_equal(f->pool.in_use, 1);
    budget = 1;
    assert_int_equal(sppt_teardown(&f->t, &budget), 0);
    assert_int_equal(f->pool.in_use, 0);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encoding_edge_cases),
        cmocka_unit_test(index_arithmetic),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(enomem_leaves_nothing_half_written),
        cmocka_unit_test(random_ops_match_walker),
        cmocka_unit_test(walk_stops_where_the_processor_does),
        cmocka_unit_test(next_protected_in_range),
        cmocka_unit_test(teardown_is_preemptible_and_complete),
    };

    return cmocka_run_group_tests_name("sppt", tests, NULL, NULL);
}
