/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Tests of tools/libxc/xc_subpage.c (built as libxensubpage is) against a
 * recording libxencall: the exact hypercall and argument bytes, errno
 * propagation, batch chunking and reporting, and no buffer left behind.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xenctrl.h>

#include "subpage_abi.h"
#include "xenctrl_subpage.h"
#include "fake-xencall.h"

static xc_interface *const xch = (xc_interface *)&fx;  /* never looked at */

static int reset(void **state)
{
    (void)state;
    fake_xencall_reset();
    return 0;
}

/* Every buffer given back, whatever happened. */
static int no_leak(void **state)
{
    (void)state;
    return fx.buffers ? -1 : 0;
}

static const struct xen_hvm_subpage *subpage_arg(unsigned int i)
{
    return (const void *)fx.call[i].arg;
}

static const struct xen_hvm_subpage_batch *batch_arg(unsigned int i)
{
    return (const void *)fx.call[i].arg;
}

static void set_sends_exact_bytes(void **state)
{
    struct xen_hvm_subpage want = {
        .domid = 7, .access_map = 0x8000000f, .gfn = 0x123456789aULL,
    };

    (void)state;
    assert_int_equal(xc_set_subpage(xch, 7, 0x123456789aULL, 0x8000000f), 0);
    assert_int_equal(fx.nr_calls, 1);
    assert_int_equal(fx.call[0].hypercall, __HYPERVISOR_hvm_op);
    assert_int_equal(fx.call[0].op, HVMOP_set_subpage);
    assert_int_equal(fx.call[0].arg_size, sizeof(want));
    /* Padding included: 0, not the garbage the buffer held. */
    assert_memory_equal(fx.call[0].arg, &want, sizeof(want));
}

static void clear_is_all_ones(void **state)
{
    (void)state;
    assert_int_equal(xc_clear_subpage(xch, 3, 42), 0);
    assert_int_equal(fx.call[0].op, HVMOP_set_subpage);
    assert_int_equal(subpage_arg(0)->access_map, XEN_SUBPAGE_ALL_WRITABLE);
    assert_int_equal(subpage_arg(0)->gfn, 42);
    assert_int_equal(subpage_arg(0)->pad, 0);
}

static void get_returns_map_or_errno(void **state)
{
    uint32_t map = 0x77;

    (void)state;
    fx.reply[0].access_map = 0xf0f0f0f0;
    assert_int_equal(xc_get_subpage(xch, 9, 0x1000, &map), 0);
    assert_int_equal(map, 0xf0f0f0f0);
    assert_int_equal(fx.call[0].op, HVMOP_get_subpage);
    assert_int_equal(subpage_arg(0)->domid, 9);
    assert_int_equal(subpage_arg(0)->gfn, 0x1000);

    map = 0x77;
    fx.reply[1].rc = -EINVAL;
    assert_int_equal(xc_get_subpage(xch, 9, 0x1001, &map), -1);
    assert_int_equal(errno, EINVAL);        /* not what free() left */
    assert_int_equal(map, 0x77);
}

static void errors_propagate(void **state)
{
    static const int errs[] = { EPERM, ESRCH, EOPNOTSUPP, ENOMEM, EFAULT };
    unsigned int i;

    (void)state;
    for ( i = 0; i < sizeof(errs) / sizeof(errs[0]); i++ )
    {
        fx.reply[i].rc = -errs[i];
        assert_int_equal(xc_set_subpage(xch, 1, i, 0), -1);
        assert_int_equal(errno, errs[i]);
    }
}

static void bad_domid_makes_no_call(void **state)
{
    uint32_t map;
    uint32_t done = 99;
    uint64_t failed = 0;
    uint64_t gfn = 1;
    xc_subpage_stats_t st;

    (void)state;
    assert_int_equal(xc_set_subpage(xch, 0x10000, 1, 0), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(xc_get_subpage(xch, 0x10000, 1, &map), -1);
    assert_int_equal(xc_get_subpage_stats(xch, ~0U, &st), -1);
    assert_int_equal(xc_set_subpage_batch(xch, 0x10000, &gfn, &map, 1,
                                          &done, &failed), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(done, 0);
    assert_true(failed == XEN_SUBPAGE_INVALID_GFN);
    assert_int_equal(fx.nr_calls, 0);
}

static void no_memory_for_buffers(void **state)
{
    uint64_t gfns[2] = { 1, 2 };
    uint32_t maps[2] = { 0, 0 }, done = 5;
    unsigned int n;

    (void)state;
    fx.fail_alloc = 1;
    assert_int_equal(xc_set_subpage(xch, 1, 1, 0), -1);
    assert_int_equal(errno, ENOMEM);
    /* Each of the three buffers of a batch in turn. */
    for ( n = 1; n <= 3; n++ )
    {
        fx.allocs = 0;
        fx.fail_alloc = n;
        assert_int_equal(xc_set_subpage_batch(xch, 1, gfns, maps, 2, &done,
                                              NULL), -1);
        assert_int_equal(errno, ENOMEM);
        assert_int_equal(done, 0);
        assert_int_equal(fx.buffers, 0);
    }
    assert_int_equal(fx.nr_calls, 0);
}

static void batch_sends_arrays(void **state)
{
    uint64_t gfns[3] = { 0x10, 0x20, 0xffffffffff };
    uint32_t maps[3] = { 1, 0, 0x80000000 }, done = 0;
    uint64_t failed = 0;

    (void)state;
    assert_int_equal(xc_set_subpage_batch(xch, 4, gfns, maps, 3, &done,
                                          &failed), 0);
    assert_int_equal(done, 3);
    assert_true(failed == XEN_SUBPAGE_INVALID_GFN);
    assert_int_equal(fx.nr_calls, 1);
    assert_int_equal(fx.call[0].op, HVMOP_set_subpage_batch);
    assert_int_equal(batch_arg(0)->domid, 4);
    assert_int_equal(batch_arg(0)->nr, 3);
    assert_int_equal(batch_arg(0)->done, 0);
    assert_int_equal(batch_arg(0)->pad, 0);
    assert_int_equal(batch_arg(0)->pad2, 0);
    assert_memory_equal(fx.call[0].gfns, gfns, sizeof(gfns));
    assert_memory_equal(fx.call[0].maps, maps, sizeof(maps));
}

static void batch_is_chunked_and_stops_at_failure(void **state)
{
    uint32_t n = 2 * XEN_SUBPAGE_BATCH_MAX + 5, done = 0, i;
    uint64_t *gfns = calloc(n, sizeof(*gfns)), failed = 0;
    uint32_t *maps = calloc(n, sizeof(*maps));

    (void)state;
    assert_non_null(gfns);
    assert_non_null(maps);
    for ( i = 0; i < n; i++ )
        gfns[i] = i * 3, maps[i] = i;

    /* All three chunks go through. */
    assert_int_equal(xc_set_subpage_batch(xch, 2, gfns, maps, n, &done,
                                          &failed), 0);
    assert_int_equal(done, n);
    assert_int_equal(fx.nr_calls, 3);
    assert_int_equal(batch_arg(0)->nr, XEN_SUBPAGE_BATCH_MAX);
    assert_int_equal(batch_arg(1)->nr, XEN_SUBPAGE_BATCH_MAX);
    assert_int_equal(batch_arg(2)->nr, 5);
    assert_int_equal(fx.call[1].gfns[0], gfns[XEN_SUBPAGE_BATCH_MAX]);
    assert_int_equal(fx.call[2].maps[4], maps[n - 1]);

    /* The second chunk fails at its 10th entry: no third call. */
    fake_xencall_reset();
    fx.reply[1].rc = -EINVAL;
    fx.reply[1].done = 10;
    fx.reply[1].failed_gfn = gfns[XEN_SUBPAGE_BATCH_MAX + 10];
    assert_int_equal(xc_set_subpage_batch(xch, 2, gfns, maps, n, &done,
                                          &failed), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(done, XEN_SUBPAGE_BATCH_MAX + 10);
    assert_true(failed == gfns[XEN_SUBPAGE_BATCH_MAX + 10]);
    assert_int_equal(fx.nr_calls, 2);

    /* Empty: nothing to do, nothing called. */
    fake_xencall_reset();
    assert_int_equal(xc_set_subpage_batch(xch, 2, gfns, maps, 0, &done,
                                          &failed), 0);
    assert_int_equal(done, 0);
    assert_int_equal(fx.nr_calls, 0);
    free(gfns);
    free(maps);
}

static void stats_are_copied(void **state)
{
    xc_subpage_stats_t st;
    const struct fake_reply r = { .stats = { 1, 2, 3, 4, 5, 6 } };

    (void)state;
    fx.reply[0] = r;
    assert_int_equal(xc_get_subpage_stats(xch, 6, &st), 0);
    assert_int_equal(fx.call[0].op, HVMOP_get_subpage_stats);
    assert_int_equal(((const struct xen_hvm_subpage_stats *)
                      fx.call[0].arg)->domid, 6);
    assert_int_equal(((const struct xen_hvm_subpage_stats *)
                      fx.call[0].arg)->pad, 0);
    assert_int_equal(((const struct xen_hvm_subpage_stats *)
                      fx.call[0].arg)->flags, 0);
    assert_int_equal(st.protected_pages, 1);
    assert_int_equal(st.sppt_pages, 2);
    assert_int_equal(st.write_violations, 3);
    assert_int_equal(st.miss_exits, 4);
    assert_int_equal(st.misconfig_exits, 5);
    assert_int_equal(st.emulated_writes, 6);
    assert_int_equal(st.flags, 0);
}

/* Only the path Xen names is passed on, as libxenctrl's own flag. */
static void stats_name_the_software_path(void **state)
{
    xc_subpage_stats_t st;

    (void)state;
    fx.reply[0].stats_flags = XEN_SUBPAGE_SOFTWARE | (1U << 31);
    assert_int_equal(xc_get_subpage_stats(xch, 6, &st), 0);
    assert_int_equal(st.flags, XC_SUBPAGE_SOFTWARE);
}

static const struct xen_hvm_subpage_exempt *exempt_arg(unsigned int n)
{
    return (const void *)fx.call[n].arg;
}

static void exempt_passes_view_and_gfn(void **state)
{
    bool exempt = false;

    (void)state;
    assert_int_equal(xc_set_subpage_exempt(xch, 7, 3, 0x1234, true), 0);
    assert_int_equal(fx.call[0].op, HVMOP_set_subpage_exempt);
    assert_int_equal(exempt_arg(0)->domid, 7);
    assert_int_equal(exempt_arg(0)->view, 3);
    assert_int_equal(exempt_arg(0)->exempt, 1);
    assert_int_equal(exempt_arg(0)->pad[0] | exempt_arg(0)->pad[1] |
                     exempt_arg(0)->pad[2], 0);
    assert_true(exempt_arg(0)->gfn == 0x1234);

    assert_int_equal(xc_set_subpage_exempt(xch, 7, 3, 0x1234, false), 0);
    assert_int_equal(exempt_arg(1)->exempt, 0);

    fx.reply[2].exempt = 1;
    assert_int_equal(xc_get_subpage_exempt(xch, 7, 2, 0x99, &exempt), 0);
    assert_int_equal(fx.call[2].op, HVMOP_get_subpage_exempt);
    assert_int_equal(exempt_arg(2)->view, 2);
    assert_true(exempt);

    /* A failed get leaves the answer alone; a bad domid makes no call. */
    fx.reply[3].rc = -EINVAL;
    fx.reply[3].exempt = 0;
    assert_int_equal(xc_get_subpage_exempt(xch, 7, 9, 0x99, &exempt), -1);
    assert_int_equal(errno, EINVAL);
    assert_true(exempt);
    assert_int_equal(xc_set_subpage_exempt(xch, 0x10000, 1, 1, true), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(fx.nr_calls, 4);
    assert_int_equal(fx.buffers, 0);
}

static void availability(void **state)
{
    (void)state;
    fx.reply[0].rc = -ESRCH;            /* SPP there, no such domain */
    assert_int_equal(xc_subpage_available(xch), 1);
    assert_int_equal(((const struct xen_hvm_subpage_stats *)
                      fx.call[0].arg)->domid, DOMID_INVALID);
    fx.reply[1].rc = -EOPNOTSUPP;
    assert_int_equal(xc_subpage_available(xch), 0);
    fx.reply[2].rc = -ENOSYS;           /* a Xen without the series */
    assert_int_equal(xc_subpage_available(xch), 0);
    fx.reply[3].rc = -EPERM;
    assert_int_equal(xc_subpage_available(xch), -1);
    assert_int_equal(errno, EPERM);
}

static void vector_conversions(void **state)
{
    uint32_t map = 0x1234;
    unsigned int i;

    (void)state;
    assert_true(xc_subpage_map_to_vector(0) == 0);
    assert_true(xc_subpage_map_to_vector(~0U) ==
                XC_SUBPAGE_VECTOR_ALL_WRITABLE);
    for ( i = 0; i < 32; i++ )
    {
        assert_true(xc_subpage_map_to_vector(1U << i) == 1ULL << (2 * i));
        assert_int_equal(xc_subpage_vector_to_map(1ULL << (2 * i), &map), 0);
        assert_int_equal(map, 1U << i);
        map = 0x1234;
        assert_int_equal(xc_subpage_vector_to_map(1ULL << (2 * i + 1),
                                                  &map), -1);
        assert_int_equal(errno, EINVAL);
        assert_int_equal(map, 0x1234);
    }
    assert_int_equal(xc_subpage_vector_to_map(XC_SUBPAGE_VECTOR_ALL_WRITABLE,
                                              &map), 0);
    assert_int_equal(map, XC_SUBPAGE_ALL_WRITABLE);
    for ( i = 0; i < 1000; i++ )
    {
        uint32_t m = i * 2654435761U;

        assert_int_equal(xc_subpage_vector_to_map(xc_subpage_map_to_vector(m),
                                                  &map), 0);
        assert_int_equal(map, m);
    }
}

/* The monitor event that asks for SPP faults, on and off. */
static void monitor_subpage_write_op(void **state)
{
    (void)state;
    assert_int_equal(xc_monitor_subpage_write(xch, 7, true), 0);
    assert_int_equal(fx.domctls, 1);
    assert_int_equal(fx.domctl_cmd, XEN_DOMCTL_monitor_op);
    assert_int_equal(fx.domctl_domain, 7);
    assert_int_equal(fx.monitor_op, XEN_DOMCTL_MONITOR_OP_ENABLE);
    assert_int_equal(fx.monitor_event, 14);

    assert_int_equal(xc_monitor_subpage_write(xch, 7, false), 0);
    assert_int_equal(fx.monitor_op, XEN_DOMCTL_MONITOR_OP_DISABLE);

    /* A hypervisor without the event: its error comes back. */
    fx.domctl_errno = EOPNOTSUPP;
    assert_int_equal(xc_monitor_subpage_write(xch, 7, true), -1);
    assert_int_equal(errno, EOPNOTSUPP);

    /* No such domid: no call. */
    assert_int_equal(xc_monitor_subpage_write(xch, 0x10000, true), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(fx.domctls, 3);
    assert_int_equal(fx.nr_calls, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, reset, no_leak)
    const struct CMUnitTest tests[] = {
        T(set_sends_exact_bytes),
        T(clear_is_all_ones),
        T(get_returns_map_or_errno),
        T(errors_propagate),
        T(bad_domid_makes_no_call),
        T(no_memory_for_buffers),
        T(batch_sends_arrays),
        T(batch_is_chunked_and_stops_at_failure),
        T(stats_are_copied),
        T(stats_name_the_software_path),
        T(exempt_passes_view_and_gfn),
        T(availability),
        T(vector_conversions),
        T(monitor_subpage_write_op),
    };
#undef T

    return cmocka_run_group_tests_name("xc_subpage", tests, NULL, NULL);
}
