/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * tools/libxc/subpage_abi.h, which lets the library build against a Xen's
 * headers without the SPP series, must be the patched Xen's ABI: the same
 * numbers (a different macro value does not compile) and the same layout.
 * Compiling this file is the test.
 */
#include <stddef.h>
#include <stdint.h>
#include <public/xen.h>
#include <public/hvm/hvm_op.h>

#define SUBPAGE_ABI(name) fallback_ ## name
#include "subpage_abi.h"

#define SAME_FIELD(s, f)                                                   \
    _Static_assert(offsetof(struct xen_hvm_ ## s, f) ==                    \
                   offsetof(struct fallback_ ## s, f) &&                   \
                   sizeof(((struct xen_hvm_ ## s *)0)->f) ==               \
                   sizeof(((struct fallback_ ## s *)0)->f), #s "." #f)
#define SAME_SIZE(s)                                                       \
    _Static_assert(sizeof(struct xen_hvm_ ## s) ==                         \
                   sizeof(struct fallback_ ## s), #s)

SAME_SIZE(subpage);
SAME_FIELD(subpage, domid);
SAME_FIELD(subpage, pad);
SAME_FIELD(subpage, access_map);
SAME_FIELD(subpage, gfn);

SAME_SIZE(subpage_batch);
SAME_FIELD(subpage_batch, domid);
SAME_FIELD(subpage_batch, pad);
SAME_FIELD(subpage_batch, nr);
SAME_FIELD(subpage_batch, done);
SAME_FIELD(subpage_batch, pad2);
SAME_FIELD(subpage_batch, failed_gfn);
SAME_FIELD(subpage_batch, gfns);
SAME_FIELD(subpage_batch, maps);

SAME_SIZE(subpage_stats);
SAME_FIELD(subpage_stats, domid);
SAME_FIELD(subpage_stats, pad);
SAME_FIELD(subpage_stats, flags);
SAME_FIELD(subpage_stats, protected_pages);
SAME_FIELD(subpage_stats, sppt_pages);
SAME_FIELD(subpage_stats, write_violations);
SAME_FIELD(subpage_stats, miss_exits);
SAME_FIELD(subpage_stats, misconfig_exits);
SAME_FIELD(subpage_stats, emulated_writes);

SAME_SIZE(subpage_exempt);
SAME_FIELD(subpage_exempt, domid);
SAME_FIELD(subpage_exempt, view);
SAME_FIELD(subpage_exempt, exempt);
SAME_FIELD(subpage_exempt, pad);
SAME_FIELD(subpage_exempt, gfn);

/* The monitor event, as subpage_abi.h defines it and the patched Xen does. */
enum { fallback_event = XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE };
#undef XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE
#include <public/domctl.h>
_Static_assert(XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE == fallback_event,
               "XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE");

/* MEM_ACCESS_SPP(_ENDED), as subpage_abi.h defines them and Xen does. */
enum {
    fallback_mem_access_spp = MEM_ACCESS_SPP,
    fallback_mem_access_spp_ended = MEM_ACCESS_SPP_ENDED,
};
#undef MEM_ACCESS_SPP
#undef MEM_ACCESS_SPP_ENDED
#include <public/vm_event.h>
_Static_assert(MEM_ACCESS_SPP == fallback_mem_access_spp, "MEM_ACCESS_SPP");
_Static_assert(MEM_ACCESS_SPP_ENDED == fallback_mem_access_spp_ended,
               "MEM_ACCESS_SPP_ENDED");
