/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * xenctrl_subpage.h: EPT-based Sub-Page write Permissions (SPP).
 *
 * Write permission per 128-byte sub-page of a 4K page of an HVM guest
 * (Intel SPP), for introspection engines.  A page's 32 sub-pages are
 * described by a 32-bit map: bit i set lets sub-page i (bytes 128*i to
 * 128*i + 127) be written.  A write to a sub-page whose bit is clear is an
 * EPT write violation, which reaches a mem_access (vm_event) listener.
 * XC_SUBPAGE_ALL_WRITABLE removes the protection.
 *
 * Part of libxenctrl in a Xen with the SPP series; also built on its own
 * (libxensubpage) against a distribution's libxenctrl, where pkg-config's
 * "xensubpage" makes <xenctrl.h> include this header, so that a program
 * written against a patched libxenctrl compiles unchanged.
 *
 * Every call returns 0 on success, or -1 with errno set: the hypervisor's
 * error (see HVMOP_set_subpage in xen/include/public/hvm/hvm_op.h), or
 * EINVAL for arguments that cannot be passed on (a domid above 0xffff, a
 * vector with reserved bits).
 */
#ifndef XENCTRL_SUBPAGE_H
#define XENCTRL_SUBPAGE_H

#include <stdbool.h>
#include <stdint.h>

#define XC_SUBPAGE_ALL_WRITABLE       0xffffffffU
/* The processor's form of a map (an SPPT L1 entry): bit 2i for sub-page i. */
#define XC_SUBPAGE_VECTOR_ALL_WRITABLE 0x5555555555555555ULL

/*
 * Whether this host lets domains protect sub-pages (an Intel CPU with EPT;
 * with its SPP, or in software where it has none or Xen was booted with
 * "ept=spp=0", which xc_get_subpage_stats() tells per domain): 1 or 0, or
 * -1 with errno when it cannot be told.  A hypervisor without the SPP
 * series answers 0.
 */
int xc_subpage_available(xc_interface *xch);

/* Set the map of guest page gfn of domid (plain RAM only). */
int xc_set_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t access_map);
/* The map of gfn: XC_SUBPAGE_ALL_WRITABLE when it is not protected. */
int xc_get_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t *access_map);
/* Remove the protection of gfn (xc_set_subpage() with all ones). */
int xc_clear_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn);

/*
 * Set maps[i] on gfns[i] for i from 0 to nr - 1, in order, with far fewer
 * hypercalls and EPT flushes than nr single calls.  Stops at the first
 * failure: then *done (when not NULL) counts the entries set before it,
 * *failed_gfn (when not NULL) is the gfn that failed, or ~0 when no entry
 * was at fault (e.g. EFAULT), and that entry and the later ones are
 * unchanged.  On success *done is nr.
 */
int xc_set_subpage_batch(xc_interface *xch, uint32_t domid,
                         const uint64_t *gfns, const uint32_t *maps,
                         uint32_t nr, uint32_t *done, uint64_t *failed_gfn);

typedef struct xc_subpage_stats {
    uint64_t protected_pages;   /* pages with a map */
    uint64_t sppt_pages;        /* SPP table pages held */
    uint64_t write_violations;  /* EPT write violations on protected pages */
    uint64_t miss_exits;        /* SPP-induced VM exits: SPPT miss */
    uint64_t misconfig_exits;   /*   and misconfiguration */
    uint64_t emulated_writes;   /* writes Xen emulated, sub-page by sub-page */
    uint32_t flags;             /* XC_SUBPAGE_SOFTWARE: no processor's SPP */
} xc_subpage_stats_t;

/* Xen, not the processor, checks the domain's writes to protected pages. */
#define XC_SUBPAGE_SOFTWARE (1U << 0)

int xc_get_subpage_stats(xc_interface *xch, uint32_t domid,
                         xc_subpage_stats_t *stats);

/*
 * Let altp2m view (an index, as from xc_altp2m_create_view()) write gfn
 * with the view's own permissions whatever gfn's map (exempt), or have it
 * checked again (!exempt): the processor has one map per page for every
 * view, so this is how an in-guest agent's view writes what the others
 * may not.  A view is exempt for nothing when created; EINVAL when it does
 * not exist.
 */
int xc_set_subpage_exempt(xc_interface *xch, uint32_t domid, uint16_t view,
                          uint64_t gfn, bool exempt);
int xc_get_subpage_exempt(xc_interface *xch, uint32_t domid, uint16_t view,
                          uint64_t gfn, bool *exempt);

/*
 * Ask for (enable) or stop the SPP faults of domid on its monitor ring
 * (xc_monitor_enable()): mem_access events flagged MEM_ACCESS_SPP, which
 * the engine must answer (retry after changing the map, or emulate with
 * or without the write).  Without this a ring counts as no listener for
 * SPP, and Xen applies its no-listener rule.  Disabling the ring stops
 * them too.
 */
int xc_monitor_subpage_write(xc_interface *xch, uint32_t domid, bool enable);

/* Between a map and the processor's 64-bit form (the one hvmi uses). */
uint64_t xc_subpage_map_to_vector(uint32_t access_map);
/* -1 with errno EINVAL when vector has a reserved (odd) bit set. */
int xc_subpage_vector_to_map(uint64_t vector, uint32_t *access_map);

#endif /* XENCTRL_SUBPAGE_H */
