/* SPDX-License-Identifier: GPL-2.0-only */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"

static const char *const policy_names[] = {
    [SPP_POLICY_DENY]       = "deny",
    [SPP_POLICY_EMULATE]    = "emulate",
    [SPP_POLICY_ALLOW_ONCE] = "allow-once",
};

#define NR_POLICIES (sizeof(policy_names) / sizeof(policy_names[0]))

int spp_policy_parse(const char *s, enum spp_policy *policy)
{
    unsigned int i;

    for ( i = 0; i < NR_POLICIES; i++ )
        if ( !strcmp(s, policy_names[i]) )
        {
            *policy = i;
            return 0;
        }

    return -1;
}

const char *spp_policy_name(enum spp_policy policy)
{
    return (unsigned int)policy < NR_POLICIES ? policy_names[policy] : "?";
}

bool spp_is_fault(const vm_event_request_t *req)
{
    return req->reason == VM_EVENT_REASON_MEM_ACCESS &&
           (req->u.mem_access.flags & MEM_ACCESS_SPP) && !spp_is_ended(req);
}

bool spp_is_ended(const vm_event_request_t *req)
{
    return req->reason == VM_EVENT_REASON_MEM_ACCESS &&
           (req->u.mem_access.flags & MEM_ACCESS_SPP_ENDED);
}

int spp_format_ended(const vm_event_request_t *req, bool json, char *buf,
                     size_t len)
{
    return json ? snprintf(buf, len, "{\"gfn\": %" PRIu64
                           ", \"ended\": true}\n", req->u.mem_access.gfn)
                : snprintf(buf, len, "gfn 0x%" PRIx64 " protection ended\n",
                           req->u.mem_access.gfn);
}

unsigned int spp_fault_subpage(const vm_event_request_t *req)
{
    return (req->u.mem_access.offset & (XC_PAGE_SIZE - 1)) >> 7;
}

const char *spp_fault_fate(const vm_event_request_t *req,
                           enum spp_policy policy)
{
    return req->flags & VM_EVENT_FLAG_VCPU_PAUSED
           ? spp_policy_name(policy) : "dropped";
}

int spp_format_fault(const vm_event_request_t *req, enum spp_policy policy,
                     bool json, char *buf, size_t len)
{
    const struct vm_event_mem_access *ma = &req->u.mem_access;

    /*
     * In JSON rip is a string: a kernel address does not survive the
     * doubles that JavaScript and jq hold numbers in.
     */
    if ( json )
        return snprintf(buf, len,
                        "{\"vcpu\": %u, \"gfn\": %" PRIu64
                        ", \"offset\": %" PRIu64 ", \"subpage\": %u"
                        ", \"rip\": \"0x%" PRIx64 "\", \"policy\": \"%s\"}\n",
                        req->vcpu_id, ma->gfn, ma->offset,
                        spp_fault_subpage(req), req->data.regs.x86.rip,
                        spp_fault_fate(req, policy));

    return snprintf(buf, len,
                    "vcpu %u gfn 0x%" PRIx64 " offset 0x%" PRIx64
                    " subpage %u rip 0x%" PRIx64 " %s\n",
                    req->vcpu_id, ma->gfn, ma->offset,
                    spp_fault_subpage(req), req->data.regs.x86.rip,
                    spp_fault_fate(req, policy));
}

int spp_format_described_fault(const vm_event_request_t *req,
                               enum spp_policy policy, bool json,
                               const char *what, char *buf, size_t len)
{
    char fault[256];

    spp_format_fault(req, policy, json, fault, sizeof(fault));
    if ( json )
        return snprintf(buf, len, "{\"symbol\": \"%s\", %s", what, fault + 1);

    return snprintf(buf, len, "%s: %s", what, fault);
}

static struct spp_answer answer(enum spp_action action, uint32_t flags)
{
    return (struct spp_answer){ .action = action, .flags = flags };
}

/* A fault of a paused vCPU, under policy. */
static struct spp_answer answer_fault(enum spp_policy policy, bool stepping,
                                      bool closing)
{
    switch ( policy )
    {
    case SPP_POLICY_EMULATE:
        return answer(SPP_ACT_EMULATE, VM_EVENT_FLAG_EMULATE);

    case SPP_POLICY_ALLOW_ONCE:
        if ( closing )
            return answer(SPP_ACT_EMULATE, VM_EVENT_FLAG_EMULATE);
        /*
         * The flag toggles: a vCPU already stepping (its write spans two
         * protected pages) must keep stepping.
         */
        return answer(SPP_ACT_LIFT,
                      stepping ? 0 : VM_EVENT_FLAG_TOGGLE_SINGLESTEP);

    case SPP_POLICY_DENY:
    default:
        return answer(SPP_ACT_DENY,
                      VM_EVENT_FLAG_EMULATE | VM_EVENT_FLAG_EMULATE_NOWRITE);
    }
}

struct spp_answer spp_decide(const vm_event_request_t *req,
                             enum spp_policy policy, bool stepping,
                             bool closing)
{
    /* Xen acts on a response only for a vCPU it paused for the request. */
    if ( !(req->flags & VM_EVENT_FLAG_VCPU_PAUSED) )
        return answer(SPP_ACT_RESUME, 0);

    if ( req->reason == VM_EVENT_REASON_SINGLESTEP )
        return stepping
               ? answer(SPP_ACT_RESTORE, VM_EVENT_FLAG_TOGGLE_SINGLESTEP)
               : answer(SPP_ACT_RESUME, 0);

    /*
     * An access restriction of someone else's (another engine's, left
     * behind): a plain resume would only retry the access, and fault again
     * for ever.  Emulated, it goes ahead, as with no listener.
     */
    if ( req->reason == VM_EVENT_REASON_MEM_ACCESS && !spp_is_fault(req) )
        return answer(SPP_ACT_FOREIGN, VM_EVENT_FLAG_EMULATE);

    if ( !spp_is_fault(req) )
        return answer(SPP_ACT_RESUME, 0);

    return answer_fault(policy, stepping, closing);
}

void spp_fill_response(const vm_event_request_t *req, uint32_t flags,
                       vm_event_response_t *rsp)
{
    memset(rsp, 0, sizeof(*rsp));
    /*
     * Xen drops a response whose version is not its own, which is the
     * request's: with ours, a vCPU paused for a request of another version
     * would stay paused for good.  The fields up to vcpu_id have kept
     * their places in every version; the rest of such a request cannot be
     * read, so no flag but the pause goes back.
     */
    rsp->version = req->version;
    rsp->vcpu_id = req->vcpu_id;
    rsp->flags = req->flags & VM_EVENT_FLAG_VCPU_PAUSED;
    if ( req->version != VM_EVENT_INTERFACE_VERSION )
        return;

    rsp->reason = req->reason;
    rsp->flags |= flags;
    /* Xen checks an emulation request against the access it reported. */
    if ( req->reason == VM_EVENT_REASON_MEM_ACCESS )
        rsp->u.mem_access = req->u.mem_access;
}
