/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * p2m-ctl: the p2m changes the lab makes under protected pages, with
 * Debian's libraries, as a device model or a migration would make them.
 *
 *   p2m-ctl <domid> ro|rw <gfn>       type the page ram_ro or ram_rw
 *                                     (XEN_DMOP_set_mem_type)
 *   p2m-ctl <domid> log-dirty on|off  global log-dirty mode
 *   p2m-ctl <domid> access-required on|off
 *                                     whether a vm_event listener must be
 *                                     there (xc_domain_set_access_required)
 *   p2m-ctl <domid> view-create       turn altp2m on, make a view (the
 *                                     host's access), print its index
 *   p2m-ctl <domid> view-switch <n>   run every vCPU on view n (0: host)
 *   p2m-ctl <domid> view-destroy <n>  back to the host p2m, view n gone
 *   p2m-ctl <domid> altp2m-off        every view gone, altp2m off
 *   p2m-ctl <domid> suppress-ve <n> <gfn> [on|off]
 *                                     whether an EPT violation on gfn in
 *                                     view n is a VM exit (on) or a #VE;
 *                                     without on|off, print which
 *   p2m-ctl <domid> dirty <gfn> <n>   read and clear the dirty bitmap;
 *                                     print the dirty gfns of the n from
 *                                     gfn (hex), or "none"
 *   p2m-ctl <domid> access <gfn> r|rx|rw|rwx
 *                                     the page's mem_access access
 *                                     (xc_set_mem_access)
 *   p2m-ctl <domid> peek <gfn>        how many of the first 128 bytes of
 *                                     gfn (its sub-page 0) are not zero
 *   p2m-ctl <domid> ring-hold [spp]   hold the monitor ring, as a listener
 *                                     that never asked for SPP faults (or,
 *                                     with spp, that did) and answers
 *                                     nothing, until SIGINT or SIGTERM
 *                                     ("holding" on stderr once it does)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
/* xc_map_foreign_range(): enough for one page. */
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <xenctrl.h>
#include <xendevicemodel.h>

#include "xenctrl_subpage.h"

#define BITS_PER_ULONG (sizeof(unsigned long) * CHAR_BIT)

static int usage(void)
{
    fprintf(stderr, "usage: p2m-ctl <domid> ro|rw <gfn>\n"
                    "       p2m-ctl <domid> log-dirty on|off\n"
                    "       p2m-ctl <domid> access-required on|off\n"
                    "       p2m-ctl <domid> view-create|altp2m-off\n"
                    "       p2m-ctl <domid> view-switch|view-destroy <n>\n"
                    "       p2m-ctl <domid> suppress-ve <n> <gfn> [on|off]\n"
                    "       p2m-ctl <domid> dirty <gfn> <n>\n"
                    "       p2m-ctl <domid> access <gfn> r|rx|rw|rwx\n"
                    "       p2m-ctl <domid> peek <gfn>\n"
                    "       p2m-ctl <domid> ring-hold [spp]\n");
    return 2;
}

static int fail(const char *what)
{
    fprintf(stderr, "p2m-ctl: %s: %s\n", what, strerror(errno));
    return 1;
}

static int parse(const char *s, unsigned long *v)
{
    char *end;

    errno = 0;
    *v = strtoul(s, &end, 0);
    return errno || !*s || *end ? -1 : 0;
}

static int view_create(xc_interface *xch, uint32_t domid)
{
    uint16_t view;

    if ( xc_altp2m_set_domain_state(xch, domid, true) )
        return fail("xc_altp2m_set_domain_state");
    if ( xc_altp2m_create_view(xch, domid, XENMEM_access_default, &view) )
        return fail("xc_altp2m_create_view");
    printf("%u\n", view);

    return 0;
}

static int view_destroy(xc_interface *xch, uint32_t domid, uint16_t view)
{
    if ( xc_altp2m_switch_to_view(xch, domid, 0) )
        return fail("xc_altp2m_switch_to_view");
    if ( xc_altp2m_destroy_view(xch, domid, view) )
        return fail("xc_altp2m_destroy_view");

    return 0;
}

static bool is_on_off(const char *s)
{
    return !strcmp(s, "on") || !strcmp(s, "off");
}

static int set_type(uint32_t domid, hvmmem_type_t type, uint64_t gfn)
{
    xendevicemodel_handle *dmod = xendevicemodel_open(NULL, 0);
    int rc;

    if ( !dmod )
        return fail("xendevicemodel_open");
    rc = xendevicemodel_set_mem_type(dmod, domid, type, gfn, 1);
    if ( rc )
        fail("xendevicemodel_set_mem_type");
    xendevicemodel_close(dmod);

    return rc ? 1 : 0;
}

static int log_dirty(xc_interface *xch, uint32_t domid, bool on)
{
    if ( xc_shadow_control(xch, domid,
                           on ? XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY
                              : XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) )
        return fail(on ? "enable log-dirty" : "disable log-dirty");
    return 0;
}

static int print_dirty(xc_interface *xch, uint32_t domid, unsigned long gfn,
                       unsigned long n)
{
    DECLARE_HYPERCALL_BUFFER(unsigned long, bitmap);
    xen_pfn_t max_gfn;
    unsigned long pages, size, g;
    unsigned int found = 0;
    int rc = 1;

    if ( xc_domain_maximum_gpfn(xch, domid, &max_gfn) )
        return fail("xc_domain_maximum_gpfn");
    pages = max_gfn + 1;
    if ( gfn + n > pages )
    {
        fprintf(stderr, "p2m-ctl: gfns past %#lx\n", pages - 1);
        return 1;
    }
    size = (pages + BITS_PER_ULONG - 1) / BITS_PER_ULONG *
           sizeof(unsigned long);
    bitmap = xc_hypercall_buffer_alloc_pages(xch, bitmap,
                                             (size + XC_PAGE_SIZE - 1) /
                                             XC_PAGE_SIZE);
    if ( !bitmap )
        return fail("bitmap");

    if ( xc_logdirty_control(xch, domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
                             HYPERCALL_BUFFER(bitmap), pages, 0,
                             NULL) != (long long)pages )
        fail("read the dirty bitmap");
    else
    {
        for ( g = gfn; g < gfn + n; g++ )
            if ( bitmap[g / BITS_PER_ULONG] & (1UL << (g % BITS_PER_ULONG)) )
                printf("%s%#lx", found++ ? " " : "", g);
        printf("%s\n", found ? "" : "none");
        rc = 0;
    }

    xc_hypercall_buffer_free_pages(xch, bitmap,
                                   (size + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE);
    return rc;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int set_access(xc_interface *xch, uint32_t domid, uint64_t gfn,
                      const char *name)
{
    static const struct { const char *name; xenmem_access_t access; } a[] = {
        { "r", XENMEM_access_r }, { "rx", XENMEM_access_rx },
        { "rw", XENMEM_access_rw }, { "rwx", XENMEM_access_rwx },
    };
    unsigned int i;

    for ( i = 0; i < sizeof(a) / sizeof(a[0]); i++ )
        if ( !strcmp(name, a[i].name) )
            return xc_set_mem_access(xch, domid, a[i].access, gfn, 1)
                   ? fail("xc_set_mem_access") : 0;

    return usage();
}

static int print_suppress_ve(xc_interface *xch, uint32_t domid,
                             unsigned long view, unsigned long gfn)
{
    bool sve;

    if ( xc_altp2m_get_suppress_ve(xch, domid, view, gfn, &sve) )
        return fail("xc_altp2m_get_suppress_ve");
    printf("%s\n", sve ? "on" : "off");

    return 0;
}

/* How many of the first 128 bytes of gfn are not zero. */
static int peek(xc_interface *xch, uint32_t domid, unsigned long gfn)
{
    const uint8_t *p = xc_map_foreign_range(xch, domid, XC_PAGE_SIZE,
                                            PROT_READ, gfn);
    unsigned int i, n = 0;

    if ( !p )
        return fail("mapping the page");
    for ( i = 0; i < 128; i++ )
        n += !!p[i];
    munmap((void *)p, XC_PAGE_SIZE);
    printf("%u\n", n);

    return 0;
}

/* The ring enabled, never read, and disabled when told to stop. */
static int ring_hold(xc_interface *xch, uint32_t domid, bool spp)
{
    struct sigaction sa = { .sa_handler = on_signal };
    uint32_t port;
    void *ring;

    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    ring = xc_monitor_enable(xch, domid, &port);
    if ( !ring )
        return fail("xc_monitor_enable");
    if ( spp && xc_monitor_subpage_write(xch, domid, true) )
        return fail("xc_monitor_subpage_write");
    fprintf(stderr, "holding\n");
    while ( !stop )
        pause();
    if ( xc_monitor_disable(xch, domid) )
        return fail("xc_monitor_disable");

    return 0;
}

int main(int argc, char **argv)
{
    unsigned long domid, gfn, n;
    xc_interface *xch;
    int rc;

    if ( argc < 3 || parse(argv[1], &domid) || domid >= DOMID_FIRST_RESERVED )
        return usage();

    if ( !strcmp(argv[2], "ro") || !strcmp(argv[2], "rw") )
    {
        if ( argc != 4 || parse(argv[3], &gfn) )
            return usage();
        return set_type(domid, argv[2][1] == 'o' ? HVMMEM_ram_ro
                                                 : HVMMEM_ram_rw, gfn);
    }

    xch = xc_interface_open(NULL, NULL, 0);
    if ( !xch )
        return fail("xc_interface_open");
    if ( !strcmp(argv[2], "log-dirty") && argc == 4 && is_on_off(argv[3]) )
        rc = log_dirty(xch, domid, !strcmp(argv[3], "on"));
    else if ( !strcmp(argv[2], "access-required") && argc == 4 &&
              is_on_off(argv[3]) )
        rc = xc_domain_set_access_required(xch, domid,
                                           !strcmp(argv[3], "on"))
             ? fail("xc_domain_set_access_required") : 0;
    else if ( !strcmp(argv[2], "view-create") && argc == 3 )
        rc = view_create(xch, domid);
    else if ( !strcmp(argv[2], "view-switch") && argc == 4 &&
              !parse(argv[3], &n) && n < UINT16_MAX )
        rc = xc_altp2m_switch_to_view(xch, domid, n)
             ? fail("xc_altp2m_switch_to_view") : 0;
    else if ( !strcmp(argv[2], "view-destroy") && argc == 4 &&
              !parse(argv[3], &n) && n < UINT16_MAX )
        rc = view_destroy(xch, domid, n);
    else if ( !strcmp(argv[2], "suppress-ve") && argc == 6 &&
              !parse(argv[3], &n) && n < UINT16_MAX &&
              !parse(argv[4], &gfn) && is_on_off(argv[5]) )
        rc = xc_altp2m_set_suppress_ve(xch, domid, n, gfn,
                                       !strcmp(argv[5], "on"))
             ? fail("xc_altp2m_set_suppress_ve") : 0;
    else if ( !strcmp(argv[2], "suppress-ve") && argc == 5 &&
              !parse(argv[3], &n) && n < UINT16_MAX &&
              !parse(argv[4], &gfn) )
        rc = print_suppress_ve(xch, domid, n, gfn);
    else if ( !strcmp(argv[2], "altp2m-off") && argc == 3 )
        rc = xc_altp2m_set_domain_state(xch, domid, false)
             ? fail("xc_altp2m_set_domain_state") : 0;
    else if ( !strcmp(argv[2], "dirty") && argc == 5 &&
              !parse(argv[3], &gfn) && !parse(argv[4], &n) )
        rc = print_dirty(xch, domid, gfn, n);
    else if ( !strcmp(argv[2], "access") && argc == 5 &&
              !parse(argv[3], &gfn) )
        rc = set_access(xch, domid, gfn, argv[4]);
    else if ( !strcmp(argv[2], "peek") && argc == 4 && !parse(argv[3], &gfn) )
        rc = peek(xch, domid, gfn);
    else if ( !strcmp(argv[2], "ring-hold") &&
              (argc == 3 || (argc == 4 && !strcmp(argv[3], "spp"))) )
        rc = ring_hold(xch, domid, argc == 4);
    else
        rc = usage();
    xc_interface_close(xch);

    return rc;
}
