/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FAKE_XC_H
#define FAKE_XC_H

#include <stdbool.h>
#include <stdint.h>

#include "fault.h"              /* the vm_event ABI, MEM_ACCESS_SPP */

#define FAKE_XC_CALLS  32
#define FAKE_XC_EVENTS 16
#define FAKE_XC_FRAMES 16

struct fake_xc {
    struct {
        const char *name;
        uint32_t domid;
        uint64_t gfn;
        uint64_t arg;           /* set: the map; singlestep: on; debug: vcpu */
    } call[FAKE_XC_CALLS];
    unsigned int nr_calls;
    unsigned int fail_call;     /* this call (1-based) fails */
    int fail_errno;
    int open_errno;
    unsigned int opens, closes;
    int available;
    bool software;              /* stats: XC_SUBPAGE_SOFTWARE */
    uint32_t map;               /* of the last set */
    uint32_t get_map;           /* get answers this ^ (gfn & 0xff) */
    uint32_t vcpu;
    uint16_t view;              /* of the last exempt */
    uint64_t *gfns;             /* of the last batch */
    uint32_t *maps;
    uint32_t nr;
    uint32_t batch_done;        /* entries done when a batch fails */
    bool batch_no_gfn;          /* and Xen names no entry (EFAULT) */
    bool no_domain;             /* no domain has the domid asked for:
                                   Xen lists the next (below 8) or none */
    bool dying;                 /* it is dying */
    bool libxl_fails;           /* domain names cannot be looked up */

    /*
     * Xen's side of the monitor ring.  Each time the guest runs (the
     * domain unpaused, or answers sent while it runs) its next event is
     * put on the ring; the answers are kept in rsp.
     */
    int monitor_errno;          /* xc_monitor_enable fails with it */
    vm_event_request_t events[FAKE_XC_EVENTS];
    unsigned int nr_events, sent;
    unsigned int held;          /* this event (not the first) comes late: */
    bool released;              /*   once the monitor was idle */
    vm_event_response_t rsp[FAKE_XC_EVENTS];
    unsigned int nr_rsp;
    int signal_when_done;       /* raised once every event is answered */
    void *ring_page;
    vm_event_front_ring_t front;
    int pipe[2];                /* the event channel: a byte per event */
    int paused;                 /* pause count */
    bool gone;                  /* the domain died once monitored */
    unsigned int idle_before_gone;  /* ... at this idle check */
    unsigned int getinfos;
    unsigned int evtchn_opens, evtchn_closes, binds, unbinds, notifies;

    /*
     * For guard: the registers of the vCPU asked for, and the guest's
     * memory, frames 0 to FAKE_XC_FRAMES - 1 (mapped read-only, counted).
     */
    uint64_t cr3, cr4, efer;
    uint64_t frame[FAKE_XC_FRAMES][512];
    int fmem_errno;             /* xenforeignmemory_open fails with it */
    unsigned int fmem_opens, fmem_closes, frame_maps, frame_unmaps;
};

/* Frames of guest memory, from the highest gfn down, for page tables. */
uint64_t fake_xc_table(void);
/* Map va to frame gfn (4K) in the page tables at frame root. */
void fake_xc_map_va(uint64_t root, uint64_t va, uint64_t gfn);

extern struct fake_xc fxc;

void fake_xc_reset(void);

/*
 * Events for the guest to raise, in order: one of a kind (the vCPU paused
 * for it, the rest zero), an SPP fault, and a single step.
 */
vm_event_request_t *fake_xc_event(uint32_t vcpu, uint32_t reason);
void fake_xc_fault(uint32_t vcpu, uint64_t gfn, uint64_t offset,
                   uint64_t rip);
void fake_xc_singlestep(uint32_t vcpu);
/* A write to a page write-protected by mem_access (profile). */
void fake_xc_write(uint32_t vcpu, uint64_t gfn, uint64_t offset);

#endif /* FAKE_XC_H */
