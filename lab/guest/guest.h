/* SPDX-License-Identifier: GPL-2.0-only */
/* spp-guest's own constants, shared by head.S and spp-guest.c. */
#ifndef GUEST_H
#define GUEST_H

/* head.S's GDT: flat 32-bit code and data. */
#define GUEST_CS                0x08
#define GUEST_DS                0x10

#define NR_EXCEPTIONS           32
#define VE_VECTOR               20      /* virtualization exception */
#define TIMER_VECTOR            0x40
#define SPURIOUS_VECTOR         0xff

#define STACK_SIZE              0x4000

#ifndef __ASSEMBLER__

#include <stdint.h>

/* What an exception stub of head.S hands to exception_handler(). */
struct exception_frame {
    uint32_t vector;
    uint32_t error;         /* 0 for exceptions without an error code */
    uint32_t eip;
    uint32_t cs;
    uint32_t eflags;
};

extern const uint32_t exception_stubs[NR_EXCEPTIONS];
extern char timer_entry[], spurious_entry[], ve_entry[];
extern char hypercall_page[];
extern char ap_start[];

void guest_main(void);
void ap_main(void);
void __attribute__((noreturn))
exception_handler(const struct exception_frame *f);
void timer_interrupt(void);
void ve_interrupt(void);

/*
 * From Xen's public interface (version.h, and the series' hvm_op.h from
 * patch 0005), copied because the guest is built
 * freestanding, without Xen's headers.  The struct has the same layout
 * for 32- and 64-bit callers (Xen checks it with CHECK_hvm_subpage).
 */
#define __HYPERVISOR_xen_version 17
#define XENVER_changeset        4       /* char[64] */
#define __HYPERVISOR_hvm_op     34
#define HVMOP_set_subpage       26
#define DOMID_SELF              0x7ff0U
#define __HYPERVISOR_vcpu_op    24
#define VCPUOP_initialise       0
#define VCPUOP_up               1
#define VCPUOP_register_runstate_memory_area 5
#define __HYPERVISOR_sched_op   29
#define SCHEDOP_shutdown        2
#define SHUTDOWN_suspend        2
/* A 32-bit guest's struct vcpu_runstate_info: 4-byte aligned. */
#define RUNSTATE_INFO_SIZE      44
#define RUNSTATE_COPY_OFFSET    64      /* XENVER_changeset's 64 bytes */

/* hvm_vcpu.h's struct vcpu_hvm_context, with its 32-bit registers. */
#define VCPU_HVM_MODE_32B       0
struct vcpu_hvm_context {
    uint32_t mode;
    uint32_t pad;
    union {
        struct {
            uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags;
            uint32_t cr0, cr3, cr4, pad1;
            uint64_t efer __attribute__((aligned(8)));
            uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
            uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
            uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
            uint16_t pad2[3];
        } x86_32;
        uint64_t x86_64[18];    /* the union's larger member */
    } cpu_regs;
};

_Static_assert(sizeof(struct vcpu_hvm_context) == 152, "vcpu_hvm_context");

struct xen_hvm_subpage {
    uint16_t domid;
    uint16_t pad;           /* must be 0 */
    uint32_t access_map;
    uint64_t gfn __attribute__((aligned(8)));
};

_Static_assert(sizeof(struct xen_hvm_subpage) == 16, "xen_hvm_subpage");

#endif /* __ASSEMBLER__ */

#endif /* GUEST_H */
