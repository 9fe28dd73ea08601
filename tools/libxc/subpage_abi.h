/* SPDX-License-Identifier: MIT */
/*
 * The SPP hypercall ABI exactly as xen/include/public/hvm/hvm_op.h of a Xen
 * with the SPP series defines it, for building against the public headers
 * of a Xen without it (a distribution's libxen-dev).  Documented there.
 * tools/tests/xc-subpage checks that the two agree.
 */
#ifndef SUBPAGE_ABI_H
#define SUBPAGE_ABI_H

#ifndef SUBPAGE_ABI
#define SUBPAGE_ABI(name) xen_hvm_ ## name
#endif

#define HVMOP_set_subpage 26
#define HVMOP_get_subpage 27

#define XEN_SUBPAGE_ALL_WRITABLE 0xffffffffU

struct SUBPAGE_ABI(subpage) {
    domid_t  domid;
    uint16_t pad;
    uint32_t access_map;
    uint64_aligned_t gfn;
};

#define HVMOP_set_subpage_batch 28

#define XEN_SUBPAGE_BATCH_MAX   (1U << 16)
#define XEN_SUBPAGE_INVALID_GFN (~(uint64_t)0)

struct SUBPAGE_ABI(subpage_batch) {
    domid_t  domid;
    uint16_t pad;
    uint32_t nr;
    uint32_t done;
    uint32_t pad2;
    uint64_aligned_t failed_gfn;
    XEN_GUEST_HANDLE_64(const_uint64) gfns;
    XEN_GUEST_HANDLE_64(const_uint32) maps;
};

#define HVMOP_get_subpage_stats 29

struct SUBPAGE_ABI(subpage_stats) {
    domid_t  domid;
    uint16_t pad;
    uint32_t flags;
#define XEN_SUBPAGE_SOFTWARE (1U << 0)
    uint64_aligned_t protected_pages;
    uint64_aligned_t sppt_pages;
    uint64_aligned_t write_violations;
    uint64_aligned_t miss_exits;
    uint64_aligned_t misconfig_exits;
    uint64_aligned_t emulated_writes;
};

#define HVMOP_set_subpage_exempt 30
#define HVMOP_get_subpage_exempt 31

struct SUBPAGE_ABI(subpage_exempt) {
    domid_t  domid;
    uint16_t view;
    uint8_t  exempt;
    uint8_t  pad[3];
    uint64_aligned_t gfn;
};

/*
 * The monitor event (XEN_DOMCTL_monitor_op) that sends SPP faults to the
 * monitor ring (xen/include/public/domctl.h of a Xen with the series).
 */
#ifndef XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE
#define XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE 14
#endif

/*
 * MEM_ACCESS_SPP, a flag of a mem_access vm_event (xen/include/public/
 * vm_event.h of a Xen with the series): the write was to a write-denied
 * sub-page; the sub-page is offset >> 7.
 */
#ifndef MEM_ACCESS_SPP
#define MEM_ACCESS_SPP (1 << 6)
#endif

/*
 * MEM_ACCESS_SPP_ENDED, with MEM_ACCESS_SPP: the protection of gfn ended
 * without HVMOP_set_subpage (another type or page, or removal).  No vCPU
 * is paused for it.
 */
#ifndef MEM_ACCESS_SPP_ENDED
#define MEM_ACCESS_SPP_ENDED (1 << 7)
#endif

#endif /* SUBPAGE_ABI_H */
