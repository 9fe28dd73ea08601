/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "xen-subpage monitor" does with one request from a domain's
 * vm_event monitor ring: whether it is an SPP write fault, the line that
 * reports it, and the answer a policy gives.  No I/O and no Xen calls
 * here, so that all of it can be tested on made-up requests.
 */
#ifndef XEN_SUBPAGE_FAULT_H
#define XEN_SUBPAGE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xen/vm_event.h>
#include <xen/hvm/hvm_op.h>
#ifndef HVMOP_set_subpage
#include "subpage_abi.h"        /* the public headers of a Xen without SPP */
#endif
#ifndef MEM_ACCESS_SPP_ENDED
#error "MEM_ACCESS_SPP_ENDED is defined neither by <xen/vm_event.h> nor here"
#endif

/* The 128-byte sub-pages of a 4K page, each a bit of its write map. */
#define SPP_SUBPAGES    32

/* What to do with the write of an SPP fault. */
enum spp_policy {
    SPP_POLICY_DENY,            /* complete the instruction, drop its write */
    SPP_POLICY_EMULATE,         /* perform the write despite SPP */
    SPP_POLICY_ALLOW_ONCE,      /* lift the page's map for this one write */
};

/* "deny", "emulate" or "allow-once": 0, or -1 for anything else. */
int spp_policy_parse(const char *s, enum spp_policy *policy);
const char *spp_policy_name(enum spp_policy policy);

/* A write to a write-denied sub-page, as Xen reports it. */
bool spp_is_fault(const vm_event_request_t *req);
/*
 * A protection that ended without HVMOP_set_subpage (the page changed
 * type or was removed, e.g. given back by the guest): nothing to answer.
 */
bool spp_is_ended(const vm_event_request_t *req);
/*
 * Its report, one line with its newline ("gfn 0x201 protection ended"),
 * or one JSON object.  Returns what snprintf() returns.
 */
int spp_format_ended(const vm_event_request_t *req, bool json, char *buf,
                     size_t len);

/* The sub-page (0 to 31) of a fault. */
unsigned int spp_fault_subpage(const vm_event_request_t *req);

/*
 * What became of the write of fault req: the name of policy, or "dropped"
 * for a write Xen reports without pausing its vCPU (one it made for the
 * guest and dropped already, e.g. a hypercall's output), which no policy
 * can change.
 */
const char *spp_fault_fate(const vm_event_request_t *req,
                           enum spp_policy policy);

/*
 * The report of fault req answered by policy, one line with its newline:
 *   vcpu 0 gfn 0x201 offset 0x204 subpage 4 rip 0xffffffff81001234 deny
 * or as one JSON object; spp_fault_fate() names the policy.  Returns what
 * snprintf() returns.
 */
int spp_format_fault(const vm_event_request_t *req, enum spp_policy policy,
                     bool json, char *buf, size_t len);
/*
 * The same, led by what the faulting byte is ("guard"):
 *   modprobe_path+0x0: vcpu 0 gfn 0x2b5c offset 0x8a0 subpage 17 rip ... deny
 * or with "symbol" first in the JSON object.
 */
int spp_format_described_fault(const vm_event_request_t *req,
                               enum spp_policy policy, bool json,
                               const char *what, char *buf, size_t len);

enum spp_action {
    SPP_ACT_RESUME,             /* nothing of ours: just let the vCPU go */
    SPP_ACT_FOREIGN,            /* a mem_access event not from SPP: emulate */
    SPP_ACT_DENY,               /* fault: emulate without the write */
    SPP_ACT_EMULATE,            /* fault: emulate with the write */
    SPP_ACT_LIFT,               /* fault: lift the map, step the write */
    SPP_ACT_RESTORE,            /* our single step: restore the maps */
};

struct spp_answer {
    enum spp_action action;
    uint32_t flags;             /* VM_EVENT_FLAG_* of the response */
};

/*
 * The answer to req under policy.  stepping: the vCPU single-steps a
 * write that allow-once let through, and the maps it lifted are still
 * lifted.  closing: the monitor is going away, so that it cannot wait for
 * a single step; allow-once then emulates the write instead.
 */
struct spp_answer spp_decide(const vm_event_request_t *req,
                             enum spp_policy policy, bool stepping,
                             bool closing);

/*
 * The response to req with flags (from spp_decide()).  A request of
 * another vm_event interface version gets only its own version, its vCPU
 * and the pause flag back: nothing else of it can be trusted.
 */
void spp_fill_response(const vm_event_request_t *req, uint32_t flags,
                       vm_event_response_t *rsp);

#endif /* XEN_SUBPAGE_FAULT_H */
