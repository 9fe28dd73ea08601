/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * flush-race: does a protection hold from the moment HVMOP_set_subpage
 * returns?  (The lab's test of Xen's EPT flushes, emulated-lab.md item 6.)
 *
 *   flush-race <domid> <gfn> <sub-page> <batch gfn>
 *
 * A vCPU of the guest, alone on its CPU, writes a counter into sub-page
 * of gfn in a loop that never exits to Xen (spp-guest-ctl spin).  First a
 * batch sets and clears 64 other pages from batch gfn on, as an engine's
 * would; then the sub-page is write-denied with one HVMOP_set_subpage.  The
 * counter read right after the call returns must be the last value that
 * lands: a write landing later means some CPU still used a translation
 * from before the call.  (A listener must deny the faults meanwhile: with
 * none, Xen lifts the protection at the first one.)
 *
 * Prints what it saw; exit 0 when nothing landed after the call, 1 when
 * something did or the guest was not writing, 2 on a failed call.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "spp-guest.h"
#include "xenctrl_subpage.h"

#define BATCH_NR    64
#define SETTLE_MS   200

static int fail(const char *what)
{
    fprintf(stderr, "flush-race: %s: %s\n", what, strerror(errno));
    return 2;
}

static void sleep_ms(unsigned int ms)
{
    const struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Set, then clear, BATCH_NR pages from first on, in one batch each. */
static int set_and_clear(xc_interface *xch, uint32_t domid, uint64_t first)
{
    uint64_t gfns[BATCH_NR];
    uint32_t maps[BATCH_NR];
    unsigned int i;

    for ( i = 0; i < BATCH_NR; i++ )
    {
        gfns[i] = first + i;
        maps[i] = 0x1;
    }
    if ( xc_set_subpage_batch(xch, domid, gfns, maps, BATCH_NR, NULL,
                              NULL) )
        return -1;
    for ( i = 0; i < BATCH_NR; i++ )
        maps[i] = ~0U;

    return xc_set_subpage_batch(xch, domid, gfns, maps, BATCH_NR, NULL,
                                NULL);
}

static unsigned long parse(const char *s)
{
    return strtoul(s, NULL, 0);
}

int main(int argc, char **argv)
{
    xc_interface *xch;
    xenforeignmemory_handle *fmem;
    uint32_t domid, v0, v1, at_return, later;
    unsigned int sub;
    xen_pfn_t gfn;
    uint64_t batch_gfn;
    volatile uint32_t *counter;
    void *page;
    int err = 0;
    bool writing, held;

    if ( argc != 5 || (sub = parse(argv[3])) >= SPP_GUEST_NR_SUBPAGES )
    {
        fprintf(stderr, "usage: flush-race <domid> <gfn> <sub-page>"
                        " <batch gfn>\n");
        return 2;
    }
    domid = parse(argv[1]);
    gfn = parse(argv[2]);
    batch_gfn = parse(argv[4]);

    xch = xc_interface_open(NULL, NULL, 0);
    fmem = xenforeignmemory_open(NULL, 0);
    if ( !xch || !fmem )
        return fail("opening libxc");
    page = xenforeignmemory_map(fmem, domid, PROT_READ, 1, &gfn, &err);
    if ( !page || err )
        return fail("mapping the page");
    /* Where spp-guest's writers write: the middle of the sub-page. */
    counter = page + sub * SPP_GUEST_SUBPAGE_SIZE +
              SPP_GUEST_SUBPAGE_SIZE / 2;

    if ( set_and_clear(xch, domid, batch_gfn) )
        return fail("the batch");

    v0 = *counter;
    sleep_ms(SETTLE_MS);
    v1 = *counter;

    if ( xc_set_subpage(xch, domid, gfn, ~(1U << sub)) )
        return fail("HVMOP_set_subpage");
    at_return = *counter;
    sleep_ms(SETTLE_MS);
    later = *counter;

    writing = v1 != v0;
    held = later == at_return;
    printf("counter %u -> %u in %u ms before the call; %u when it returned,"
           " %u %u ms later: %u writes landed after it returned\n",
           v0, v1, SETTLE_MS, at_return, later, SETTLE_MS,
           later - at_return);

    xenforeignmemory_unmap(fmem, page, 1);
    xenforeignmemory_close(fmem);
    xc_interface_close(xch);

    return writing && held ? 0 : 1;
}
