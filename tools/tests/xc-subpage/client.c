/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A program written against a libxenctrl with the SPP series: <xenctrl.h>
 * only.  It must build unchanged against libxensubpage (pkg-config
 * xensubpage) and a distribution's libxenctrl; run without Xen it reports
 * that it cannot open the hypervisor interface.
 */
#include <stdio.h>
#include <xenctrl.h>

int main(void)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    uint64_t gfns[1] = { 0x1000 }, failed;
    uint32_t maps[1] = { 0xff }, map, done;
    xc_subpage_stats_t st;

    if ( !xch )
    {
        perror("xc_interface_open");
        return 2;
    }
    printf("SPP available: %d\n", xc_subpage_available(xch));
    xc_set_subpage(xch, 1, 0x1000, 0x0f);
    xc_get_subpage(xch, 1, 0x1000, &map);
    xc_clear_subpage(xch, 1, 0x1000);
    xc_set_subpage_batch(xch, 1, gfns, maps, 1, &done, &failed);
    xc_get_subpage_stats(xch, 1, &st);
    xc_subpage_vector_to_map(xc_subpage_map_to_vector(map), &map);
    xc_interface_close(xch);

    return 0;
}
