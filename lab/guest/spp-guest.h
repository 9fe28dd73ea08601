/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between spp-guest (the lab's PVH test guest) and
 * spp-guest-ctl (its dom0 control program): where the command page and
 * the test pages are, and what the command page holds.
 *
 * dom0 maps the command page, fills op and its arguments, then increments
 * seq.  The guest, woken by its timer, sees seq != done, performs the op,
 * writes the results and sets done = seq.  One command at a time.
 *
 * Also included by head.S and the linker script (__ASSEMBLER__ defined):
 * only the addresses are visible there.
 */
#ifndef SPP_GUEST_H
#define SPP_GUEST_H

#define SPP_GUEST_PAGE_SIZE     0x1000
#define SPP_GUEST_SUBPAGE_SIZE  128
#define SPP_GUEST_NR_SUBPAGES   32

/* The image is linked and loaded at 1 MiB, below the pages that follow. */
#define SPP_GUEST_LOAD_ADDR     0x100000

/*
 * The command page and the test pages are part of the image (zero-filled
 * by the domain builder), so that the builder puts the hvm_start_info and
 * anything else it adds after them, not on them.
 */
#define SPP_GUEST_CMD_GFN       0x200
#define SPP_GUEST_NR_TEST_PAGES 64
#define SPP_GUEST_TEST_GFN      (SPP_GUEST_CMD_GFN + 1)

/*
 * Each vCPU takes commands from its own struct spp_guest_cmd, vCPU n's at
 * SPP_GUEST_CMD_ADDR + n * SPP_GUEST_CMD_STRIDE.  vCPU 0 starts the
 * others that the domain has, up to SPP_GUEST_MAX_VCPUS.
 */
#define SPP_GUEST_MAX_VCPUS     2
#define SPP_GUEST_CMD_STRIDE    0x800

/* The #VE information page dom0 gives vCPU 0 (xen-subpage ve enable). */
#define SPP_GUEST_VE_GFN        (SPP_GUEST_TEST_GFN + SPP_GUEST_NR_TEST_PAGES)

#define SPP_GUEST_CMD_ADDR      (SPP_GUEST_CMD_GFN * SPP_GUEST_PAGE_SIZE)
#define SPP_GUEST_TEST_ADDR     (SPP_GUEST_TEST_GFN * SPP_GUEST_PAGE_SIZE)
#define SPP_GUEST_VE_ADDR       (SPP_GUEST_VE_GFN * SPP_GUEST_PAGE_SIZE)
#define SPP_GUEST_END_ADDR      (SPP_GUEST_VE_ADDR + SPP_GUEST_PAGE_SIZE)

#ifndef __ASSEMBLER__

#include <stdint.h>

/* magic: what the guest is doing. */
#define SPP_GUEST_MAGIC_READY   0x53505052U /* "RPPS": taking commands */
#define SPP_GUEST_MAGIC_FAULT   0x53505046U /* "FPPS": took an exception */

/* op */
#define SPP_GUEST_OP_WRITE      1
#define SPP_GUEST_OP_HYPERCALL  2
#define SPP_GUEST_OP_PING       3
/* Like OP_WRITE, but Xen writes: XENVER_changeset into each sub-page. */
#define SPP_GUEST_OP_COPY       4
/* Like OP_WRITE, by a movsl that Xen emulates (from a hole: all ones). */
#define SPP_GUEST_OP_MOVS       5
/*
 * Like OP_WRITE, each write made on altp2m view "view" (reached by
 * VMFUNC), as an in-guest agent would: a #VE moves the guest to
 * "agent_view" and is counted (ves, and the last one's #VE information).
 */
#define SPP_GUEST_OP_VE_WRITE   6
/*
 * Write the sub-pages of mask on gfn over and over, each time with the
 * next value of a counter, and with no VM exit of its own, until dom0
 * sets stop: "spinning" says when the loop runs, "writes" counts its
 * rounds.  The value a sub-page holds tells dom0 when it was written.
 */
#define SPP_GUEST_OP_SPIN       7
/*
 * Register vCPU's runstate area (VCPUOP_register_runstate_memory_area) at
 * the start of gfn, or none with gfn 0; have a hypercall write its output
 * at RUNSTATE_COPY_OFFSET of the same sub-page 8 times; then sleep for a
 * few ticks (each wake-up a context switch, at which Xen writes the
 * area): rc[0] is the registration's result, "landed" how many bytes of
 * the area are not zero.
 */
#define SPP_GUEST_OP_RUNSTATE   8
/*
 * Suspend (SCHEDOP_shutdown, SHUTDOWN_suspend), as a guest's PV drivers do
 * when the toolstack asks through xenstore (the lab acknowledges that for
 * it).  The command counts as done before the call: the toolstack saves
 * the guest meanwhile and dom0 sees it again as a new domain.
 */
#define SPP_GUEST_OP_SUSPEND    9
/*
 * The cost of writes: SPP_GUEST_BENCH_WRITES writes to the sub-pages of
 * mask on gfn, in turn, timed with the TSC: "cycles" (emulated, so the
 * same whatever else runs on the host), "writes".  No TLB flush between
 * them: only what protecting the page costs is measured.
 */
#define SPP_GUEST_OP_BENCH      10
#define SPP_GUEST_BENCH_WRITES  400

/*
 * Results of SPP_GUEST_OP_HYPERCALL: HVMOP_set_subpage (access_map 0, on
 * the first test page) as issued by the guest itself, for three targets.
 */
#define SPP_GUEST_RC_DOMID_SELF 0   /* DOMID_SELF */
#define SPP_GUEST_RC_DOM0       1   /* domain 0 */
#define SPP_GUEST_RC_OWN_DOMID  2   /* the guest's own domid, from dom0 */

/*
 * Every field has an explicit size and its natural offset, so that the
 * 32-bit guest and the 64-bit tool agree (checked below).
 */
struct spp_guest_cmd {
    uint32_t magic;         /* guest: SPP_GUEST_MAGIC_* */
    uint32_t seq;           /* dom0: incremented to post a command */
    uint32_t op;            /* dom0: SPP_GUEST_OP_* */
    uint32_t domid;         /* dom0: the guest's domid (OP_HYPERCALL) */
    uint64_t gfn;           /* dom0: a test page (OP_WRITE, _COPY, _MOVS) */
    uint32_t mask;          /* dom0: the sub-pages to write (same) */
    uint32_t done;          /* guest: seq of the last command completed */
    uint32_t landed;        /* guest: the sub-pages whose write landed */
    uint32_t writes;        /* guest: how many writes it made */
    int32_t  rc[4];         /* guest: 0 or -errno (see SPP_GUEST_RC_*) */
    uint32_t fault_vector;  /* guest, with MAGIC_FAULT: the exception */
    uint32_t fault_error;
    uint32_t fault_eip;
    uint32_t pad;
    uint32_t view;          /* dom0: OP_VE_WRITE's views */
    uint32_t agent_view;
    uint32_t ves;           /* guest: #VEs taken during OP_VE_WRITE */
    uint32_t ve_view;       /* guest: the last #VE's EPTP index, */
    uint64_t ve_qual;       /* exit qualification */
    uint64_t ve_gpa;        /* and guest-physical address */
    uint32_t spinning;      /* guest: seq of the OP_SPIN running, or 0 */
    uint32_t stop;          /* dom0: nonzero ends OP_SPIN */
    uint64_t cycles;        /* guest: OP_BENCH's TSC cycles */
};

_Static_assert(sizeof(struct spp_guest_cmd) == 120, "spp_guest_cmd size");
_Static_assert(sizeof(struct spp_guest_cmd) <= SPP_GUEST_CMD_STRIDE &&
               SPP_GUEST_MAX_VCPUS * SPP_GUEST_CMD_STRIDE <=
               SPP_GUEST_PAGE_SIZE, "spp_guest_cmd per vCPU");
_Static_assert(__builtin_offsetof(struct spp_guest_cmd, gfn) == 16,
               "spp_guest_cmd gfn offset");
_Static_assert(__builtin_offsetof(struct spp_guest_cmd, rc) == 40,
               "spp_guest_cmd rc offset");

#endif /* __ASSEMBLER__ */

#endif /* SPP_GUEST_H */
