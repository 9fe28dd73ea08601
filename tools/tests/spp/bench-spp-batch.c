/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Single against batched sub-page protection of 100,000 gfns, through the
 * hypervisor's p2m-spp.c and sppt.c over the model of emul-p2m.h: EPT
 * flushes per gfn, counted here, and instructions per gfn, counted by
 * callgrind when run under it ("make bench" does; each phase is dumped on
 * its own, so that the ratio comes from one run).
 */
#include <valgrind/callgrind.h>

#include "emul-p2m.h"

#ifndef NR_GFNS
#define NR_GFNS     100000UL
#endif
#define FIRST_GFN   0x10000UL

static uint64_t gfns[NR_GFNS];
static uint32_t maps[NR_GFNS];

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench-spp-batch: %s: %d\n", what, rc);
    exit(1);
}

/* Every gfn protected with its map, as the processor would see it. */
static void check_all_set(const char *how)
{
    struct xen_hvm_subpage_stats st = { .domid = 1 };
    unsigned long i;

    p2m_get_subpage_stats(&fake.d, &st);
    if ( st.protected_pages != NR_GFNS )
        die(how, (int)st.protected_pages);
    for ( i = 0; i < NR_GFNS; i++ )
    {
        uint32_t map;

        if ( p2m_get_subpage(&fake.d, _gfn(gfns[i]), &map) ||
             map != maps[i] || !fake.e[gfns[i]].spp )
            die(how, (int)i);
    }
}

static void clear_all(void)
{
    unsigned long i;
    int rc;

    for ( i = 0; i < NR_GFNS; i++ )
        if ( (rc = p2m_set_subpage(&fake.d, _gfn(gfns[i]),
                                   XEN_SUBPAGE_ALL_WRITABLE)) )
            die("clear", rc);
    if ( fake.pool.in_use )
        die("pages left after clearing", fake.pool.in_use);
}

static unsigned long set_single(void)
{
    unsigned long i, before = fake.flushes;
    int rc;

    CALLGRIND_ZERO_STATS;
    for ( i = 0; i < NR_GFNS; i++ )
        if ( (rc = p2m_set_subpage(&fake.d, _gfn(gfns[i]), maps[i])) )
            die("single set", rc);
    CALLGRIND_DUMP_STATS_AT("single");

    return fake.flushes - before;
}

static unsigned long set_batched(void)
{
    unsigned long first, before = fake.flushes;
    int rc;

    CALLGRIND_ZERO_STATS;
    for ( first = 0; first < NR_GFNS; first += XEN_SUBPAGE_BATCH_MAX )
    {
        struct xen_hvm_subpage_batch b = {
            .domid = 1,
            .nr = min_t(unsigned long, NR_GFNS - first,
                        XEN_SUBPAGE_BATCH_MAX),
        };

        set_xen_guest_handle(b.gfns, &gfns[first]);
        set_xen_guest_handle(b.maps, &maps[first]);
        while ( (rc = p2m_set_subpage_batch(&fake.d, &b)) == -ERESTART )
            continue;
        if ( rc )
            die("batched set", rc);
    }
    CALLGRIND_DUMP_STATS_AT("batched");

    return fake.flushes - before;
}

/* Batched removal of every protection: flush IPIs sent. */
static unsigned long clear_batched(void)
{
    unsigned long i, before = fake.flushes;
    uint32_t *saved = malloc(sizeof(maps));

    if ( !saved )
        die("no memory", 0);
    memcpy(saved, maps, sizeof(maps));
    for ( i = 0; i < NR_GFNS; i++ )
        maps[i] = XEN_SUBPAGE_ALL_WRITABLE;
    CALLGRIND_ZERO_STATS;
    set_batched();
    CALLGRIND_ZERO_STATS;
    memcpy(maps, saved, sizeof(maps));
    free(saved);
    if ( fake.pool.in_use )
        die("pages left after clearing", fake.pool.in_use);

    return fake.flushes - before;
}

/* Alternate views 0 .. nr - 1, each mapping every gfn as the host does. */
static void add_views(unsigned int nr)
{
    struct p2m_domain *view[] = { &fake.view, &fake.view1 };
    unsigned long i;
    unsigned int v;

    fake_view_init();
    if ( nr > 1 )
        fake_view1_init();
    for ( v = 0; v < nr; v++ )
        for ( i = 0; i < NR_GFNS; i++ )
            fake_view_map_in(view[v], gfns[i], FAKE_MFN(gfns[i]),
                             p2m_access_rwx);
}

int main(void)
{
    unsigned long i, single, batched, set[3], cleared[3];
    unsigned int views;

    fake_init();
    fake_map(FIRST_GFN, NR_GFNS, p2m_ram_rw, false);
    for ( i = 0; i < NR_GFNS; i++ )
    {
        gfns[i] = FIRST_GFN + i;
        maps[i] = 0x0000ffff ^ (i & 0xff);
    }

    single = set_single();
    check_all_set("single set");
    clear_all();
    batched = set_batched();
    check_all_set("batched set");
    clear_all();
    set_batched();
    cleared[0] = clear_batched();

    printf("SPP set of %lu gfns, single HVMOP_set_subpage against "
           "HVMOP_set_subpage_batch\n", NR_GFNS);
    printf("  EPT flushes per gfn: single %.4f, batched %.4f, "
           "ratio %.1fx fewer\n", (double)single / NR_GFNS,
           (double)batched / NR_GFNS, (double)single / batched);
    set[0] = batched;
    for ( views = 1; views <= 2; views++ )
    {
        add_views(views);
        set[views] = set_batched();
        cleared[views] = clear_batched();
    }
    printf("  flush IPIs per gfn, batched (host and views: one IPI each):\n");
    for ( views = 0; views <= 2; views++ )
        printf("    %u altp2m view%s: set %.4f, clear %.4f\n", views,
               views == 1 ? " " : "s", (double)set[views] / NR_GFNS,
               (double)cleared[views] / NR_GFNS);
    if ( !RUNNING_ON_VALGRIND )
        printf("  (instructions per gfn: run under callgrind)\n");
    fake_fini();

    return 0;
}
