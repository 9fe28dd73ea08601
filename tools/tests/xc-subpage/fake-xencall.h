/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A libxencall that records what xc_subpage.c hands to the hypervisor and
 * answers as a scripted hypervisor would, so that the exact bytes of every
 * hypercall can be checked without Xen; and libxenctrl's xc_domctl(),
 * which the library uses for the one domctl it makes.
 */
#ifndef FAKE_XENCALL_H
#define FAKE_XENCALL_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_CALLS 8
#define FAKE_ARG_MAX   64

struct fake_call {
    unsigned int hypercall;         /* __HYPERVISOR_* */
    uint64_t op;                    /* HVMOP_* */
    unsigned char arg[FAKE_ARG_MAX];/* the argument as the call saw it */
    size_t arg_size;                /* bytes of the buffer it lies in */
    /* For a batch: the arrays behind the handles, checked to be buffers. */
    uint64_t *gfns;
    uint32_t *maps;
    uint32_t nr;
};

struct fake_reply {
    int rc;                         /* 0 or -errno */
    uint32_t done;                  /* batch: entries done */
    uint64_t failed_gfn;            /* batch */
    uint32_t access_map;            /* get */
    uint64_t stats[6];              /* stats' counters, in ABI order */
    uint32_t stats_flags;           /* stats */
    uint8_t exempt;                 /* get exempt */
};

struct fake_xencall {
    struct fake_call call[FAKE_MAX_CALLS];
    unsigned int nr_calls;
    struct fake_reply reply[FAKE_MAX_CALLS];    /* by call number */
    unsigned int buffers;           /* allocated and not freed */
    unsigned int fail_alloc;        /* the n-th allocation (1-based) fails */
    unsigned int allocs;
    int open_errno;                 /* xencall_open() fails with it */
    /* libxenctrl's xc_domctl(): what it was given, and its answer. */
    unsigned int domctls;
    uint32_t domctl_cmd, domctl_domain, monitor_op, monitor_event;
    int domctl_errno;               /* 0, or it fails with this */
    unsigned int opens, closes;
};

extern struct fake_xencall fx;

void fake_xencall_reset(void);

#endif /* FAKE_XENCALL_H */
