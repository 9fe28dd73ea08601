/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * free-pages: the host's free memory in pages (xc_physinfo()), for the
 * lab's teardown check, which "xl info" reports only in MiB.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <xenctrl.h>

int main(void)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    xc_physinfo_t info = { 0 };
    int rc;

    if ( !xch )
    {
        fprintf(stderr, "free-pages: %s\n", strerror(errno));
        return 2;
    }
    rc = xc_physinfo(xch, &info);
    if ( rc )
        fprintf(stderr, "free-pages: xc_physinfo: %s\n", strerror(errno));
    else
        printf("%" PRIu64 "\n", (uint64_t)info.free_pages);
    xc_interface_close(xch);

    return rc ? 2 : 0;
}
