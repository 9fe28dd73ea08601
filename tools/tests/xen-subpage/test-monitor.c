/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What "xen-subpage monitor" does with one vm_event request
 * (tools/misc/xen-subpage/fault.c): the policies, the report line, and
 * the answer for each kind of request, policy and vCPU state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fault.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define PAUSED   VM_EVENT_FLAG_VCPU_PAUSED
#define EMULATE  VM_EVENT_FLAG_EMULATE
#define NOWRITE  VM_EVENT_FLAG_EMULATE_NOWRITE
#define TOGGLE   VM_EVENT_FLAG_TOGGLE_SINGLESTEP
#define SPP_W    (MEM_ACCESS_R | MEM_ACCESS_W | MEM_ACCESS_SPP)

/* A request as Xen sends it. */
static vm_event_request_t request(uint32_t reason, uint32_t flags,
                                  uint32_t access)
{
    vm_event_request_t req;

    memset(&req, 0, sizeof(req));
    req.version = VM_EVENT_INTERFACE_VERSION;
    req.reason = reason;
    req.flags = flags;
    req.vcpu_id = 3;
    if ( reason == VM_EVENT_REASON_MEM_ACCESS )
    {
        req.u.mem_access.gfn = 0x201;
        req.u.mem_access.offset = 0x204;
        req.u.mem_access.gla = 0xffff888000201204ULL;
        req.u.mem_access.flags = access;
    }
    req.data.regs.x86.rip = 0xffffffff81001234ULL;

    return req;
}

static vm_event_request_t fault(void)
{
    return request(VM_EVENT_REASON_MEM_ACCESS, PAUSED,
                   SPP_W | MEM_ACCESS_GLA_VALID | MEM_ACCESS_FAULT_WITH_GLA);
}

static void abi_value(void **state)
{
    (void)state;
    /* The patched xen/include/public/vm_event.h has the same. */
    assert_int_equal(MEM_ACCESS_SPP, 1 << 6);
    assert_int_equal(MEM_ACCESS_SPP_ENDED, 1 << 7);
    assert_int_equal(MEM_ACCESS_SPP & (MEM_ACCESS_RWX | MEM_ACCESS_GLA_VALID |
                                       MEM_ACCESS_FAULT_WITH_GLA |
                                       MEM_ACCESS_FAULT_IN_GPT), 0);
}

static void policies(void **state)
{
    static const struct {
        const char *s;
        int rc;
        enum spp_policy policy;
    } t[] = {
        { "deny", 0, SPP_POLICY_DENY },
        { "emulate", 0, SPP_POLICY_EMULATE },
        { "allow-once", 0, SPP_POLICY_ALLOW_ONCE },
        { "", -1, 0 },
        { "Deny", -1, 0 },
        { "allow_once", -1, 0 },
        { "allow", -1, 0 },
        { "deny ", -1, 0 },
        { "emulated", -1, 0 },
    };
    unsigned int i;

    (void)state;
    for ( i = 0; i < ARRAY_LEN(t); i++ )
    {
        enum spp_policy p = 99;
        int rc = spp_policy_parse(t[i].s, &p);

        if ( rc != t[i].rc || (!rc && p != t[i].policy) ||
             (rc && p != 99) )
            fail_msg("\"%s\": rc %d policy %d", t[i].s, rc, p);
        if ( !rc )
            assert_string_equal(spp_policy_name(p), t[i].s);
    }
}

static void what_is_a_fault(void **state)
{
    vm_event_request_t req = fault();

    (void)state;
    assert_true(spp_is_fault(&req));

    /* A mem_access event of the p2m's own: not ours. */
    req = request(VM_EVENT_REASON_MEM_ACCESS, PAUSED, MEM_ACCESS_W);
    assert_false(spp_is_fault(&req));

    /* The flag's bit, in the union of another kind of event. */
    req = fault();
    req.reason = VM_EVENT_REASON_SINGLESTEP;
    assert_false(spp_is_fault(&req));
}

static void subpages(void **state)
{
    static const struct { uint64_t offset; unsigned int subpage; } t[] = {
        { 0, 0 }, { 0x7f, 0 }, { 0x80, 1 }, { 0x204, 4 }, { 0xf80, 31 },
        { 0xfff, 31 },
    };
    vm_event_request_t req = fault();
    unsigned int i;

    (void)state;
    for ( i = 0; i < ARRAY_LEN(t); i++ )
    {
        req.u.mem_access.offset = t[i].offset;
        assert_int_equal(spp_fault_subpage(&req), t[i].subpage);
    }
}

static void report_lines(void **state)
{
    vm_event_request_t req = fault();
    char buf[256];

    (void)state;
    spp_format_fault(&req, SPP_POLICY_DENY, false, buf, sizeof(buf));
    assert_string_equal(buf, "vcpu 3 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0xffffffff81001234 deny\n");

    req.vcpu_id = 0;
    req.u.mem_access.gfn = 0;
    req.u.mem_access.offset = 0;
    req.data.regs.x86.rip = 0;
    spp_format_fault(&req, SPP_POLICY_ALLOW_ONCE, false, buf, sizeof(buf));
    assert_string_equal(buf, "vcpu 0 gfn 0x0 offset 0x0 subpage 0 rip 0x0 "
                        "allow-once\n");

    req = fault();
    req.u.mem_access.gfn = 0xffffffffffULL;
    req.u.mem_access.offset = 0xfff;
    spp_format_fault(&req, SPP_POLICY_EMULATE, true, buf, sizeof(buf));
    assert_string_equal(buf, "{\"vcpu\": 3, \"gfn\": 1099511627775, "
                        "\"offset\": 4095, \"subpage\": 31, "
                        "\"rip\": \"0xffffffff81001234\", "
                        "\"policy\": \"emulate\"}\n");
}

/* A write Xen dropped without pausing its vCPU: no policy answered it. */
static void report_dropped(void **state)
{
    vm_event_request_t req = fault();
    char buf[256];

    (void)state;
    assert_string_equal(spp_fault_fate(&req, SPP_POLICY_EMULATE), "emulate");
    req.flags = 0;
    assert_string_equal(spp_fault_fate(&req, SPP_POLICY_EMULATE), "dropped");
    spp_format_fault(&req, SPP_POLICY_ALLOW_ONCE, false, buf, sizeof(buf));
    assert_string_equal(buf, "vcpu 3 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0xffffffff81001234 dropped\n");
    spp_format_fault(&req, SPP_POLICY_DENY, true, buf, sizeof(buf));
    assert_string_equal(buf, "{\"vcpu\": 3, \"gfn\": 513, \"offset\": 516, "
                        "\"subpage\": 4, \"rip\": \"0xffffffff81001234\", "
                        "\"policy\": \"dropped\"}\n");
}

/* A protection that ended: reported on its own line, not a fault. */
static void ended_protection(void **state)
{
    vm_event_request_t req = request(VM_EVENT_REASON_MEM_ACCESS, 0,
                                     MEM_ACCESS_SPP | MEM_ACCESS_SPP_ENDED);
    struct spp_answer a;
    char buf[128];

    (void)state;
    req.u.mem_access.gfn = 0x201;
    assert_true(spp_is_ended(&req));
    assert_false(spp_is_fault(&req));
    spp_format_ended(&req, false, buf, sizeof(buf));
    assert_string_equal(buf, "gfn 0x201 protection ended\n");
    spp_format_ended(&req, true, buf, sizeof(buf));
    assert_string_equal(buf, "{\"gfn\": 513, \"ended\": true}\n");
    /* No vCPU waits for it: nothing to decide. */
    a = spp_decide(&req, SPP_POLICY_DENY, false, false);
    assert_int_equal(a.action, SPP_ACT_RESUME);
    assert_int_equal(a.flags, 0);

    req = fault();
    assert_false(spp_is_ended(&req));
}

static void report_truncated(void **state)
{
    vm_event_request_t req = fault();
    char buf[16];
    int n;

    (void)state;
    memset(buf, 'x', sizeof(buf));
    n = spp_format_fault(&req, SPP_POLICY_DENY, false, buf, sizeof(buf));
    assert_int_equal(n, strlen("vcpu 3 gfn 0x201 offset 0x204 subpage 4 "
                               "rip 0xffffffff81001234 deny\n"));
    assert_string_equal(buf, "vcpu 3 gfn 0x20");
}

/* The answer to every kind of request under every policy and state. */
static void answers(void **state)
{
    enum {
        FAULT, FAULT_ASYNC, MEM_ACCESS, MEM_ACCESS_ASYNC, STEP, STEP_ASYNC,
        OTHER,
    };
    static const struct {
        int kind;
        enum spp_policy policy;
        bool stepping, closing;
        enum spp_action action;
        uint32_t flags;
    } t[] = {
        { FAULT, SPP_POLICY_DENY, false, false,
          SPP_ACT_DENY, EMULATE | NOWRITE },
        { FAULT, SPP_POLICY_DENY, false, true,
          SPP_ACT_DENY, EMULATE | NOWRITE },
        { FAULT, SPP_POLICY_EMULATE, false, false, SPP_ACT_EMULATE, EMULATE },
        { FAULT, SPP_POLICY_EMULATE, true, true, SPP_ACT_EMULATE, EMULATE },
        { FAULT, SPP_POLICY_ALLOW_ONCE, false, false, SPP_ACT_LIFT, TOGGLE },
        /* A write across two protected pages: keep stepping. */
        { FAULT, SPP_POLICY_ALLOW_ONCE, true, false, SPP_ACT_LIFT, 0 },
        /* No single step to wait for: the write is emulated instead. */
        { FAULT, SPP_POLICY_ALLOW_ONCE, false, true,
          SPP_ACT_EMULATE, EMULATE },
        { FAULT, SPP_POLICY_ALLOW_ONCE, true, true,
          SPP_ACT_EMULATE, EMULATE },
        /* Xen did not pause the vCPU: nothing an answer can do. */
        { FAULT_ASYNC, SPP_POLICY_DENY, false, false, SPP_ACT_RESUME, 0 },
        { FAULT_ASYNC, SPP_POLICY_ALLOW_ONCE, false, false,
          SPP_ACT_RESUME, 0 },
        /*
         * Someone else's restriction: resumed, the access would only fault
         * again, for ever; it goes ahead, as with no listener.
         */
        { MEM_ACCESS, SPP_POLICY_DENY, false, false, SPP_ACT_FOREIGN,
          EMULATE },
        { MEM_ACCESS, SPP_POLICY_ALLOW_ONCE, true, false, SPP_ACT_FOREIGN,
          EMULATE },
        { MEM_ACCESS, SPP_POLICY_EMULATE, false, true, SPP_ACT_FOREIGN,
          EMULATE },
        { MEM_ACCESS_ASYNC, SPP_POLICY_DENY, false, false, SPP_ACT_RESUME, 0 },
        { STEP, SPP_POLICY_ALLOW_ONCE, true, false, SPP_ACT_RESTORE, TOGGLE },
        { STEP, SPP_POLICY_ALLOW_ONCE, true, true, SPP_ACT_RESTORE, TOGGLE },
        /* Someone else's single step: left alone. */
        { STEP, SPP_POLICY_ALLOW_ONCE, false, false, SPP_ACT_RESUME, 0 },
        { STEP, SPP_POLICY_DENY, false, false, SPP_ACT_RESUME, 0 },
        { STEP_ASYNC, SPP_POLICY_ALLOW_ONCE, true, false, SPP_ACT_RESUME, 0 },
        { OTHER, SPP_POLICY_DENY, false, false, SPP_ACT_RESUME, 0 },
        { OTHER, SPP_POLICY_ALLOW_ONCE, true, true, SPP_ACT_RESUME, 0 },
    };
    unsigned int i;

    (void)state;
    for ( i = 0; i < ARRAY_LEN(t); i++ )
    {
        vm_event_request_t req;
        struct spp_answer a;

        switch ( t[i].kind )
        {
        case FAULT:
            req = fault();
            break;
        case FAULT_ASYNC:
            req = fault();
            req.flags = 0;
            break;
        case MEM_ACCESS:
            req = request(VM_EVENT_REASON_MEM_ACCESS, PAUSED, MEM_ACCESS_RW);
            break;
        case MEM_ACCESS_ASYNC:
            req = request(VM_EVENT_REASON_MEM_ACCESS, 0, MEM_ACCESS_RW);
            break;
        case STEP:
            req = request(VM_EVENT_REASON_SINGLESTEP, PAUSED, 0);
            break;
        case STEP_ASYNC:
            req = request(VM_EVENT_REASON_SINGLESTEP, 0, 0);
            break;
        default:
            req = request(VM_EVENT_REASON_CPUID, PAUSED, 0);
            break;
        }
        a = spp_decide(&req, t[i].policy, t[i].stepping, t[i].closing);
        if ( a.action != t[i].action || a.flags != t[i].flags )
            fail_msg("case %u: action %d flags %#x, want %d %#x", i,
                     a.action, a.flags, t[i].action, t[i].flags);
    }
}

static void responses(void **state)
{
    vm_event_request_t req = fault();
    vm_event_response_t rsp;

    (void)state;
    req.altp2m_idx = 2;
    memset(&rsp, 0xff, sizeof(rsp));
    spp_fill_response(&req, EMULATE | NOWRITE, &rsp);
    assert_int_equal(rsp.version, VM_EVENT_INTERFACE_VERSION);
    assert_int_equal(rsp.vcpu_id, 3);
    assert_int_equal(rsp.reason, VM_EVENT_REASON_MEM_ACCESS);
    assert_int_equal(rsp.flags, PAUSED | EMULATE | NOWRITE);
    assert_memory_equal(&rsp.u.mem_access, &req.u.mem_access,
                        sizeof(rsp.u.mem_access));
    /* Nothing else: no view switch, no registers set. */
    assert_int_equal(rsp.altp2m_idx, 0);
    assert_int_equal(rsp.data.regs.x86.rip, 0);

    /* Only a vCPU Xen paused is answered as paused. */
    req.flags = 0;
    spp_fill_response(&req, 0, &rsp);
    assert_int_equal(rsp.flags, 0);

    req = request(VM_EVENT_REASON_SINGLESTEP, PAUSED, 0);
    req.u.singlestep.gfn = 0x1234;
    spp_fill_response(&req, TOGGLE, &rsp);
    assert_int_equal(rsp.reason, VM_EVENT_REASON_SINGLESTEP);
    assert_int_equal(rsp.flags, PAUSED | TOGGLE);
    assert_int_equal(rsp.u.singlestep.gfn, 0);
}

/*
 * A request of another interface version: Xen drops a response whose
 * version is not its own (the request's), and the vCPU would stay paused.
 * It gets its version back, and nothing but the pause flag.
 */
static void response_other_version(void **state)
{
    vm_event_request_t req = fault();
    vm_event_response_t rsp;

    (void)state;
    req.version = VM_EVENT_INTERFACE_VERSION + 1;
    memset(&rsp, 0xff, sizeof(rsp));
    spp_fill_response(&req, EMULATE | NOWRITE, &rsp);
    assert_int_equal(rsp.version, VM_EVENT_INTERFACE_VERSION + 1);
    assert_int_equal(rsp.vcpu_id, 3);
    assert_int_equal(rsp.flags, PAUSED);
    assert_int_equal(rsp.reason, 0);
    assert_int_equal(rsp.u.mem_access.gfn, 0);
    assert_int_equal(rsp.u.mem_access.flags, 0);

    req.version = VM_EVENT_INTERFACE_VERSION - 1;
    req.flags = 0;
    spp_fill_response(&req, TOGGLE, &rsp);
    assert_int_equal(rsp.version, VM_EVENT_INTERFACE_VERSION - 1);
    assert_int_equal(rsp.flags, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abi_value),
        cmocka_unit_test(policies),
        cmocka_unit_test(what_is_a_fault),
        cmocka_unit_test(subpages),
        cmocka_unit_test(report_lines),
        cmocka_unit_test(report_truncated),
        cmocka_unit_test(report_dropped),
        cmocka_unit_test(ended_protection),
        cmocka_unit_test(answers),
        cmocka_unit_test(responses),
        cmocka_unit_test(response_other_version),
    };

    return cmocka_run_group_tests_name("xen-subpage monitor", tests, NULL,
                                       NULL);
}
