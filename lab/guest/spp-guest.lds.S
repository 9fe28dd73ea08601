/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spp-guest: one loadable segment at SPP_GUEST_LOAD_ADDR, which ends with
 * the command page and the test pages at their fixed addresses.  They take
 * no room in the file: the domain builder zero-fills them with the rest of
 * the segment and places what it adds (hvm_start_info...) after them.
 */
#include "spp-guest.h"

OUTPUT_FORMAT("elf32-i386")
OUTPUT_ARCH(i386)
ENTRY(_start)

PHDRS
{
    load PT_LOAD FLAGS(7);      /* RWX */
    note PT_NOTE FLAGS(4);      /* R */
}

SECTIONS
{
    . = SPP_GUEST_LOAD_ADDR;

    .text : { *(.text.head) *(.text .text.*) } :load
    .rodata : { *(.rodata .rodata.*) } :load
    .note.Xen : { *(.note.Xen) } :load :note
    .data : { *(.data .data.*) } :load
    .bss : { *(.bss.page) *(.bss .bss.*) *(COMMON) } :load

    ASSERT(. <= SPP_GUEST_CMD_ADDR, "image overlaps the command page")

    . = SPP_GUEST_CMD_ADDR;
    .spp_pages (NOLOAD) : { . += SPP_GUEST_END_ADDR - SPP_GUEST_CMD_ADDR; }
        :load

    /DISCARD/ : { *(.note.gnu.* .comment .eh_frame* .note.GNU-stack) }
}
