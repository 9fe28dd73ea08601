/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libxenctrl calls xen-subpage makes, recorded and answered from a
 * script, and domain names from a table: the tool without Xen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "parse.h"
#include "xen-subpage.h"
#include "fake-xc.h"

struct fake_xc fxc;

void fake_xc_reset(void)
{
    free(fxc.gfns);
    free(fxc.maps);
    memset(&fxc, 0, sizeof(fxc));
    fxc.available = 1;
}

int resolve_domain(const char *s, uint32_t *domid)
{
    uint64_t id;

    if ( !parse_number(s, DOMID_FIRST_RESERVED - 1, &id) )
    {
        *domid = id;
        return 0;
    }
    if ( !strcmp(s, "guest") )
    {
        *domid = 5;
        return 0;
    }

    return -1;
}

xc_interface *xc_interface_open(xentoollog_logger *logger,
                                xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void)logger, (void)dombuild_logger, (void)open_flags;
    if ( fxc.open_errno )
    {
        errno = fxc.open_errno;
        return NULL;
    }
    fxc.opens++;

    return (xc_interface *)&fxc;
}

int xc_interface_close(xc_interface *xch)
{
    (void)xch;
    fxc.closes++;
    return 0;
}

/* Record a call; fail it when the script says so. */
static int call(const char *name, uint32_t domid, uint64_t gfn)
{
    unsigned int n = fxc.nr_calls++;

    if ( n < FAKE_XC_CALLS )
    {
        fxc.call[n].name = name;
        fxc.call[n].domid = domid;
        fxc.call[n].gfn = gfn;
    }
    if ( fxc.fail_call && fxc.nr_calls == fxc.fail_call )
    {
        errno = fxc.fail_errno;
        return -1;
    }

    return 0;
}

int xc_subpage_available(xc_interface *xch)
{
    (void)xch;
    call("available", 0, 0);
    return fxc.available;
}

int xc_set_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t access_map)
{
    (void)xch;
    fxc.map = access_map;
    return call("set", domid, gfn);
}

int xc_get_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t *access_map)
{
    (void)xch;
    if ( call("get", domid, gfn) )
        return -1;
    *access_map = fxc.get_map ^ (uint32_t)(gfn & 0xff);

    return 0;
}

int xc_clear_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn)
{
    (void)xch;
    return call("clear", domid, gfn);
}

int xc_set_subpage_batch(xc_interface *xch, uint32_t domid,
                         const uint64_t *gfns, const uint32_t *maps,
                         uint32_t nr, uint32_t *done, uint64_t *failed_gfn)
{
    (void)xch;
    free(fxc.gfns);
    free(fxc.maps);
    fxc.nr = nr;
    fxc.gfns = malloc(nr * sizeof(*gfns) + 1);
    fxc.maps = malloc(nr * sizeof(*maps) + 1);
    if ( nr )
    {
        memcpy(fxc.gfns, gfns, nr * sizeof(*gfns));
        memcpy(fxc.maps, maps, nr * sizeof(*maps));
    }
    if ( call("batch", domid, nr ? gfns[0] : 0) )
    {
        *done = fxc.batch_done;
        *failed_gfn = gfns[fxc.batch_done];
        return -1;
    }
    *done = nr;
    *failed_gfn = ~0ULL;

    return 0;
}

int xc_get_subpage_stats(xc_interface *xch, uint32_t domid,
                         xc_subpage_stats_t *stats)
{
    static const xc_subpage_stats_t s = { 10, 4, 3, 2, 1 };

    (void)xch;
    if ( call("stats", domid, 0) )
        return -1;
    *stats = s;

    return 0;
}

int xc_altp2m_set_vcpu_enable_notify(xc_interface *handle, uint32_t domid,
                                     uint32_t vcpuid, xen_pfn_t gfn)
{
    (void)handle;
    fxc.vcpu = vcpuid;
    return call("ve-enable", domid, gfn);
}

int xc_altp2m_set_vcpu_disable_notify(xc_interface *handle, uint32_t domid,
                                      uint32_t vcpuid)
{
    (void)handle;
    fxc.vcpu = vcpuid;
    return call("ve-disable", domid, 0);
}
