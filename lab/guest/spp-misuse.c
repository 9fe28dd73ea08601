/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spp-misuse: the SPP hypercalls with the arguments the libxc calls never
 * produce (bad padding, bad guest handles, oversized or inconsistent
 * batches, special domain ids), issued raw through libxencall from dom0.
 * Each case must fail with its documented errno (hvm_op.h) and change
 * nothing: the target's SPP statistics and the map of a page it protects
 * are compared before and after the whole table.
 *
 * usage: spp-misuse <domid> <protected gfn> <gfn past the end>
 * Prints "PASS: ..." or "FAIL: ..." per case; exit 0 when all passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xencall.h>
#include <xenctrl.h>
#include <xen/hvm/hvm_op.h>
#ifndef HVMOP_set_subpage
#include "subpage_abi.h"
#endif

/* An address no dom0 process maps: the first page. */
#define BAD_POINTER ((void *)8)

static xencall_handle *xcall;
static unsigned int failures;

union arg {
    struct xen_hvm_subpage one;
    struct xen_hvm_subpage_batch batch;
    struct xen_hvm_subpage_stats stats;
};

/* HVMOP op on arg (or on a bad pointer): 0 or the errno. */
static int hvmop(unsigned int op, union arg *arg, void *bad)
{
    union arg *buf = NULL;
    int rc, err;

    if ( !bad )
    {
        buf = xencall_alloc_buffer(xcall, sizeof(*buf));
        if ( !buf )
            return errno;
        *buf = *arg;
    }
    rc = xencall2(xcall, __HYPERVISOR_hvm_op, op,
                  (uintptr_t)(bad ? bad : buf));
    err = rc < 0 ? errno : 0;
    if ( buf )
    {
        *arg = *buf;
        xencall_free_buffer(xcall, buf);
    }

    return err;
}

static void expect(const char *what, int got, int want)
{
    if ( got != want )
        failures++;
    printf("%s: %s: errno %d (%s), want %d (%s)\n",
           got == want ? "PASS" : "FAIL", what, got, strerror(got), want,
           strerror(want));
}

static struct xen_hvm_subpage_stats get_stats(domid_t domid)
{
    union arg a = { .stats = { .domid = domid } };
    int err = hvmop(HVMOP_get_subpage_stats, &a, NULL);

    if ( err )
    {
        fprintf(stderr, "spp-misuse: stats of d%u: %s\n", domid,
                strerror(err));
        exit(2);
    }

    return a.stats;
}

static uint32_t get_map(domid_t domid, uint64_t gfn)
{
    union arg a = { .one = { .domid = domid, .gfn = gfn } };
    int err = hvmop(HVMOP_get_subpage, &a, NULL);

    if ( err )
    {
        fprintf(stderr, "spp-misuse: map of d%u gfn %#" PRIx64 ": %s\n",
                domid, gfn, strerror(err));
        exit(2);
    }

    return a.one.access_map;
}

static void single_page_cases(domid_t domid, uint64_t gfn, uint64_t past)
{
    union arg a;

    a = (union arg){ .one = { .domid = domid, .pad = 1, .gfn = gfn } };
    expect("set, pad not 0", hvmop(HVMOP_set_subpage, &a, NULL), EINVAL);
    expect("get, pad not 0", hvmop(HVMOP_get_subpage, &a, NULL), EINVAL);
    a = (union arg){ .one = { .domid = domid, .gfn = past } };
    expect("set, gfn past the end", hvmop(HVMOP_set_subpage, &a, NULL),
           EINVAL);
    a = (union arg){ .one = { .domid = domid, .gfn = ~0ULL } };
    expect("set, gfn ~0", hvmop(HVMOP_set_subpage, &a, NULL), EINVAL);
    expect("set, argument not readable",
           hvmop(HVMOP_set_subpage, &a, BAD_POINTER), EFAULT);
    expect("get, argument not readable",
           hvmop(HVMOP_get_subpage, &a, BAD_POINTER), EFAULT);
    a = (union arg){ .one = { .domid = DOMID_SELF, .gfn = gfn } };
    expect("set, DOMID_SELF", hvmop(HVMOP_set_subpage, &a, NULL), ESRCH);
    a = (union arg){ .one = { .domid = DOMID_XEN, .gfn = gfn } };
    expect("set, DOMID_XEN", hvmop(HVMOP_set_subpage, &a, NULL), ESRCH);
    a = (union arg){ .one = { .domid = DOMID_INVALID, .gfn = gfn } };
    expect("set, DOMID_INVALID", hvmop(HVMOP_set_subpage, &a, NULL), ESRCH);
}

static void stats_cases(domid_t domid)
{
    union arg a;

    a = (union arg){ .stats = { .domid = domid, .pad = 1 } };
    expect("stats, pad not 0", hvmop(HVMOP_get_subpage_stats, &a, NULL),
           EINVAL);
    a = (union arg){ .stats = { .domid = domid, .flags = 1 } };
    expect("stats, flags not 0", hvmop(HVMOP_get_subpage_stats, &a, NULL),
           EINVAL);
    expect("stats, argument not readable",
           hvmop(HVMOP_get_subpage_stats, &a, BAD_POINTER), EFAULT);
}

/* A batch of two entries whose lists live in hypercall buffers. */
static int batch(union arg *a, const uint64_t *gfns, const uint32_t *maps,
                 void *bad_gfns, void *bad_maps)
{
    uint64_t *g = xencall_alloc_buffer(xcall, 2 * sizeof(*g));
    uint32_t *m = xencall_alloc_buffer(xcall, 2 * sizeof(*m));
    int err = ENOMEM;

    if ( g && m )
    {
        memcpy(g, gfns, 2 * sizeof(*g));
        memcpy(m, maps, 2 * sizeof(*m));
        set_xen_guest_handle_raw(a->batch.gfns, bad_gfns ? bad_gfns : g);
        set_xen_guest_handle_raw(a->batch.maps, bad_maps ? bad_maps : m);
        err = hvmop(HVMOP_set_subpage_batch, a, NULL);
    }
    xencall_free_buffer(xcall, g);
    xencall_free_buffer(xcall, m);

    return err;
}

static void batch_cases(domid_t domid, uint64_t gfn, uint64_t past)
{
    const uint64_t gfns[2] = { gfn, gfn };
    const uint64_t bad_first[2] = { past, gfn };
    const uint32_t maps[2] = { 0, 0 };
    union arg a;

#define BATCH(...) (union arg){ .batch = { .domid = domid, __VA_ARGS__ } }
    a = BATCH(.nr = XEN_SUBPAGE_BATCH_MAX + 1);
    expect("batch, nr above the limit", batch(&a, gfns, maps, NULL, NULL),
           E2BIG);
    a = BATCH(.nr = 2, .done = 3);
    expect("batch, done above nr", batch(&a, gfns, maps, NULL, NULL),
           EINVAL);
    a = BATCH(.nr = 2, .pad = 1);
    expect("batch, pad not 0", batch(&a, gfns, maps, NULL, NULL), EINVAL);
    a = BATCH(.nr = 2, .pad2 = 1);
    expect("batch, pad2 not 0", batch(&a, gfns, maps, NULL, NULL), EINVAL);
    a = BATCH(.nr = 2);
    expect("batch, gfn list not readable",
           batch(&a, gfns, maps, BAD_POINTER, NULL), EFAULT);
    a = BATCH(.nr = 2);
    expect("batch, map list not readable",
           batch(&a, gfns, maps, NULL, BAD_POINTER), EFAULT);
    a = BATCH(.nr = 2);
    expect("batch, first gfn past the end",
           batch(&a, bad_first, maps, NULL, NULL), EINVAL);
    if ( a.batch.done != 0 || a.batch.failed_gfn != past )
    {
        failures++;
        printf("FAIL: batch, first gfn past the end: done %u failed_gfn %#"
               PRIx64 "\n", a.batch.done, a.batch.failed_gfn);
    }
    expect("batch, argument not readable",
           hvmop(HVMOP_set_subpage_batch, &a, BAD_POINTER), EFAULT);
#undef BATCH
}

int main(int argc, char **argv)
{
    struct xen_hvm_subpage_stats before, after;
    uint32_t map_before, map_after;
    domid_t domid;
    uint64_t gfn, past;

    if ( argc != 4 )
    {
        fprintf(stderr, "usage: %s <domid> <protected gfn> "
                "<gfn past the end>\n", argv[0]);
        return 1;
    }
    domid = strtoul(argv[1], NULL, 0);
    gfn = strtoull(argv[2], NULL, 0);
    past = strtoull(argv[3], NULL, 0);

    xcall = xencall_open(NULL, 0);
    if ( !xcall )
    {
        perror("spp-misuse: xencall_open");
        return 2;
    }

    before = get_stats(domid);
    map_before = get_map(domid, gfn);
    single_page_cases(domid, gfn, past);
    stats_cases(domid);
    batch_cases(domid, gfn, past);
    after = get_stats(domid);
    map_after = get_map(domid, gfn);

    if ( map_before != map_after ||
         before.protected_pages != after.protected_pages ||
         before.sppt_pages != after.sppt_pages )
    {
        failures++;
        printf("FAIL: something changed: map %#x -> %#x, protected pages %"
               PRIu64 " -> %" PRIu64 ", SPPT pages %" PRIu64 " -> %" PRIu64
               "\n", map_before, map_after, before.protected_pages,
               after.protected_pages, before.sppt_pages, after.sppt_pages);
    }
    else
        printf("PASS: nothing changed (map %#x, %" PRIu64 " protected pages,"
               " %" PRIu64 " SPPT pages)\n", map_after,
               after.protected_pages, after.sppt_pages);
    xencall_close(xcall);

    return failures ? 2 : 0;
}
