/* SPDX-License-Identifier: LGPL-2.1-only */
/******************************************************************************
 *
 * xc_subpage.c
 *
 * Interface to the EPT-based Sub-Page write Permissions (SPP) HVMOPs.
 *
 * Part of libxenctrl in a Xen with the SPP series.  Also built on its own
 * (XC_SUBPAGE_STANDALONE) against a distribution's libxenctrl, whose
 * libxencall handle is private to it: this library then opens its own.
 */

#ifdef XC_SUBPAGE_STANDALONE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <xenctrl.h>
#include <xencall.h>
#else
#include "xc_private.h"
#endif
#include <xen/hvm/hvm_op.h>
#ifndef HVMOP_set_subpage
#include "subpage_abi.h"
#endif
#include "xenctrl_subpage.h"

#ifdef XC_SUBPAGE_STANDALONE

static xencall_handle *xcall;
static int xcall_errno;
static pthread_once_t xcall_once = PTHREAD_ONCE_INIT;

static void open_xcall(void)
{
    xcall = xencall_open(NULL, 0);
    xcall_errno = errno;
}

static void __attribute__((destructor)) close_xcall(void)
{
    if ( xcall )
        xencall_close(xcall);
}

static xencall_handle *subpage_xcall(xc_interface *xch)
{
    (void)xch;
    pthread_once(&xcall_once, open_xcall);
    if ( !xcall )
        errno = xcall_errno;

    return xcall;
}

#else

static xencall_handle *subpage_xcall(xc_interface *xch)
{
    return xch->xcall;
}

#endif

static void free_buffer(xencall_handle *h, void *p)
{
    int saved = errno;

    xencall_free_buffer(h, p);
    errno = saved;
}

/*
 * HVMOP op with its argument copied to hypercall-safe memory and back (the
 * OUT fields, which a failing batch sets too).
 */
static int subpage_op(xc_interface *xch, unsigned int op, void *arg,
                      size_t size)
{
    xencall_handle *h = subpage_xcall(xch);
    void *buf;
    int rc;

    if ( !h || !(buf = xencall_alloc_buffer(h, size)) )
        return -1;

    memcpy(buf, arg, size);
    rc = xencall2(h, __HYPERVISOR_hvm_op, op, (uintptr_t)buf);
    memcpy(arg, buf, size);
    free_buffer(h, buf);

    return rc;
}

static int check_domid(uint32_t domid)
{
    if ( domid > UINT16_MAX )
    {
        errno = EINVAL;
        return -1;
    }

    return 0;
}

int xc_subpage_available(xc_interface *xch)
{
    /* Xen checks for SPP before it looks the domain up. */
    struct xen_hvm_subpage_stats arg = { .domid = DOMID_INVALID };

    if ( !subpage_op(xch, HVMOP_get_subpage_stats, &arg, sizeof(arg)) )
        return 1;
    if ( errno == ESRCH )
        return 1;
    if ( errno == EOPNOTSUPP || errno == ENOSYS )
        return 0;

    return -1;
}

int xc_set_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t access_map)
{
    struct xen_hvm_subpage arg = {
        .domid = domid,
        .access_map = access_map,
        .gfn = gfn,
    };

    if ( check_domid(domid) )
        return -1;

    return subpage_op(xch, HVMOP_set_subpage, &arg, sizeof(arg));
}

int xc_get_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t *access_map)
{
    struct xen_hvm_subpage arg = { .domid = domid, .gfn = gfn };
    int rc;

    if ( check_domid(domid) )
        return -1;

    rc = subpage_op(xch, HVMOP_get_subpage, &arg, sizeof(arg));
    if ( !rc )
        *access_map = arg.access_map;

    return rc;
}

int xc_clear_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn)
{
    return xc_set_subpage(xch, domid, gfn, XC_SUBPAGE_ALL_WRITABLE);
}

/* Up to XEN_SUBPAGE_BATCH_MAX entries in one hypercall. */
static int set_batch_chunk(xc_interface *xch, uint32_t domid,
                           const uint64_t *gfns, const uint32_t *maps,
                           uint32_t nr, uint32_t *done, uint64_t *failed_gfn)
{
    xencall_handle *h = subpage_xcall(xch);
    struct xen_hvm_subpage_batch *arg = NULL;
    uint64_t *gbuf = NULL;
    uint32_t *mbuf = NULL;
    int rc = -1;

    *done = 0;
    *failed_gfn = XEN_SUBPAGE_INVALID_GFN;
    if ( !h ||
         !(arg = xencall_alloc_buffer(h, sizeof(*arg))) ||
         !(gbuf = xencall_alloc_buffer(h, nr * sizeof(*gbuf))) ||
         !(mbuf = xencall_alloc_buffer(h, nr * sizeof(*mbuf))) )
        goto out;

    memcpy(gbuf, gfns, nr * sizeof(*gbuf));
    memcpy(mbuf, maps, nr * sizeof(*mbuf));
    memset(arg, 0, sizeof(*arg));
    arg->domid = domid;
    arg->nr = nr;
    /* Plain pointers to hypercall-safe memory, not xc hypercall buffers. */
    set_xen_guest_handle_raw(arg->gfns, gbuf);
    set_xen_guest_handle_raw(arg->maps, mbuf);

    /* Xen continues a long batch itself: this is one call for us. */
    rc = xencall2(h, __HYPERVISOR_hvm_op, HVMOP_set_subpage_batch,
                  (uintptr_t)arg);
    *done = arg->done;
    *failed_gfn = arg->failed_gfn;

 out:
    if ( mbuf )
        free_buffer(h, mbuf);
    if ( gbuf )
        free_buffer(h, gbuf);
    if ( arg )
        free_buffer(h, arg);

    return rc;
}

int xc_set_subpage_batch(xc_interface *xch, uint32_t domid,
                         const uint64_t *gfns, const uint32_t *maps,
                         uint32_t nr, uint32_t *done, uint64_t *failed_gfn)
{
    uint32_t total = 0, chunk_done;
    uint64_t failed = XEN_SUBPAGE_INVALID_GFN;
    int rc = check_domid(domid);

    while ( !rc && total < nr )
    {
        uint32_t n = nr - total;

        if ( n > XEN_SUBPAGE_BATCH_MAX )
            n = XEN_SUBPAGE_BATCH_MAX;
        rc = set_batch_chunk(xch, domid, gfns + total, maps + total, n,
                             &chunk_done, &failed);
        total += chunk_done;
    }

    if ( done )
        *done = total;
    if ( failed_gfn )
        *failed_gfn = failed;

    return rc;
}

int xc_get_subpage_stats(xc_interface *xch, uint32_t domid,
                         xc_subpage_stats_t *stats)
{
    struct xen_hvm_subpage_stats arg = { .domid = domid };
    int rc;

    if ( check_domid(domid) )
        return -1;

    rc = subpage_op(xch, HVMOP_get_subpage_stats, &arg, sizeof(arg));
    if ( !rc )
    {
        stats->protected_pages = arg.protected_pages;
        stats->sppt_pages = arg.sppt_pages;
        stats->write_violations = arg.write_violations;
        stats->miss_exits = arg.miss_exits;
        stats->misconfig_exits = arg.misconfig_exits;
        stats->emulated_writes = arg.emulated_writes;
        stats->flags = arg.flags & XEN_SUBPAGE_SOFTWARE ? XC_SUBPAGE_SOFTWARE
                                                        : 0;
    }

    return rc;
}

int xc_set_subpage_exempt(xc_interface *xch, uint32_t domid, uint16_t view,
                          uint64_t gfn, bool exempt)
{
    struct xen_hvm_subpage_exempt arg = {
        .domid = domid,
        .view = view,
        .exempt = exempt,
        .gfn = gfn,
    };

    if ( check_domid(domid) )
        return -1;

    return subpage_op(xch, HVMOP_set_subpage_exempt, &arg, sizeof(arg));
}

int xc_get_subpage_exempt(xc_interface *xch, uint32_t domid, uint16_t view,
                          uint64_t gfn, bool *exempt)
{
    struct xen_hvm_subpage_exempt arg = {
        .domid = domid,
        .view = view,
        .gfn = gfn,
    };
    int rc;

    if ( check_domid(domid) )
        return -1;

    rc = subpage_op(xch, HVMOP_get_subpage_exempt, &arg, sizeof(arg));
    if ( !rc )
        *exempt = arg.exempt;

    return rc;
}

uint64_t xc_subpage_map_to_vector(uint32_t access_map)
{
    uint64_t vector = 0;
    unsigned int i;

    for ( i = 0; i < 32; i++ )
        if ( access_map & (1U << i) )
            vector |= 1ULL << (2 * i);

    return vector;
}

int xc_monitor_subpage_write(xc_interface *xch, uint32_t domid, bool enable)
{
    /* xc_domctl() is libxenctrl's own, in a distribution's too. */
    struct xen_domctl domctl = {
        .cmd = XEN_DOMCTL_monitor_op,
        .domain = domid,
        .u.monitor_op = {
            .op = enable ? XEN_DOMCTL_MONITOR_OP_ENABLE
                         : XEN_DOMCTL_MONITOR_OP_DISABLE,
            .event = XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE,
        },
    };

    if ( check_domid(domid) )
        return -1;

    return xc_domctl(xch, &domctl);
}

int xc_subpage_vector_to_map(uint64_t vector, uint32_t *access_map)
{
    unsigned int i;

    if ( vector & ~XC_SUBPAGE_VECTOR_ALL_WRITABLE )
    {
        errno = EINVAL;
        return -1;
    }

    *access_map = 0;
    for ( i = 0; i < 32; i++ )
        if ( vector & (1ULL << (2 * i)) )
            *access_map |= 1U << i;

    return 0;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * tab-width: 4
 * indent-tabs-mode: nil
 * End:
 */
