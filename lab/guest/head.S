/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spp-guest's entry, GDT and interrupt stubs.
 *
 * Xen starts a PVH guest at its XEN_ELFNOTE_PHYS32_ENTRY address in 32-bit
 * protected mode with paging off, flat segments and %ebx holding the
 * physical address of the hvm_start_info, which this guest does not need:
 * its memory layout is fixed (spp-guest.h).  Neither the selectors nor the
 * GDT they came from are specified, so load our own GDT before anything
 * reloads a segment register (every interrupt loads %cs from the IDT).
 */
#include "guest.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

        /* The one ELF note a PVH kernel needs (libelf's PVH check). */
        .section .note.Xen, "a", @note
        .align 4
        .long   2f - 1f                 /* namesz */
        .long   4f - 3f                 /* descsz */
        .long   XEN_ELFNOTE_PHYS32_ENTRY
1:      .asciz  "Xen"
2:      .align 4
3:      .long   _start
4:      .align 4

        .section .text.head, "ax", @progbits
        .code32
        .globl  _start
_start:
        cld
        lgdt    gdt_desc
        ljmp    $GUEST_CS, $1f
1:      mov     $GUEST_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %eax, %ss
        mov     $stack + STACK_SIZE, %esp
        call    guest_main
        ud2                             /* guest_main does not return */

/*
 * Another vCPU, started by vCPU 0 (VCPUOP_initialise) in the state Xen
 * gives vCPU 0, with %esp set to its own stack.
 */
        .globl  ap_start
ap_start:
        cld
        lgdt    gdt_desc
        ljmp    $GUEST_CS, $1f
1:      mov     $GUEST_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %fs
        mov     %eax, %gs
        mov     %eax, %ss
        call    ap_main
        ud2                             /* ap_main does not return */

/*
 * Exception stubs, one per vector, listed in exception_stubs[].  The CPU
 * pushes an error code for some vectors only; push 0 for the others, so
 * that exception_handler() sees one frame layout.
 */
        .section .rodata
        .align 4
        .globl  exception_stubs
exception_stubs:

.macro exception vec, has_error
        .text
exception_\vec:
        .if !\has_error
        push    $0
        .endif
        push    $\vec
        jmp     exception_common
        .section .rodata
        .long   exception_\vec
.endm

        exception  0, 0
        exception  1, 0
        exception  2, 0
        exception  3, 0
        exception  4, 0
        exception  5, 0
        exception  6, 0
        exception  7, 0
        exception  8, 1
        exception  9, 0
        exception 10, 1
        exception 11, 1
        exception 12, 1
        exception 13, 1
        exception 14, 1
        exception 15, 0
        exception 16, 0
        exception 17, 1
        exception 18, 0
        exception 19, 0
        exception 20, 0
        exception 21, 1
        exception 22, 0
        exception 23, 0
        exception 24, 0
        exception 25, 0
        exception 26, 0
        exception 27, 0
        exception 28, 0
        exception 29, 1
        exception 30, 1
        exception 31, 0

        .text
exception_common:
        push    %esp                    /* struct exception_frame * */
        call    exception_handler       /* does not return */
        ud2

/*
 * An entry that calls a C handler and returns with IRET, keeping the
 * registers C code may clobber.
 */
.macro c_entry name, handler
        .globl  \name
\name:
        push    %eax
        push    %ecx
        push    %edx
        call    \handler
        pop     %edx
        pop     %ecx
        pop     %eax
        iret
.endm

        /* The LAPIC timer. */
        c_entry timer_entry, timer_interrupt
        /* #VE, a fault with no error code: IRET retries the instruction. */
        c_entry ve_entry, ve_interrupt

/* A spurious LAPIC interrupt takes no EOI. */
        .globl  spurious_entry
spurious_entry:
        iret

        .section .rodata
        .align 8
gdt:
        .quad   0
        .quad   0x00cf9b000000ffff      /* GUEST_CS: flat code, accessed */
        .quad   0x00cf93000000ffff      /* GUEST_DS: flat data, accessed */
gdt_desc:
        .word   gdt_desc - gdt - 1
        .long   gdt

        .section .bss.page, "aw", @nobits
        /* Xen writes its hypercall stubs here (the MSR of CPUID base+2). */
        .align 4096
        .globl  hypercall_page
hypercall_page:
        .skip   4096

        .section .bss, "aw", @nobits
        .align 16
stack:
        .skip   STACK_SIZE

        /* No executable stack wanted. */
        .section .note.GNU-stack, "", @progbits
