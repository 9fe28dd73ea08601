/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_SUBPAGE_MONITOR_H
#define XEN_SUBPAGE_MONITOR_H

#include <stdio.h>

#include "fault.h"

struct monitor_opts {
    uint32_t domid;
    const char *domain;         /* as the user wrote it, for messages */
    enum spp_policy policy;
    uint64_t count;             /* stop after the policy answered this
                                   many faults; 0: never */
    bool json;
    /*
     * What the faulting byte is ("guard": "<symbol>+0x<offset>"), or false
     * when it is nothing known; NULL: faults are not described.
     */
    bool (*describe)(void *ctx, uint64_t gfn, unsigned int off, char *buf,
                     size_t len);
    void *describe_ctx;
    /*
     * profile: page-level write monitoring of nr_profile gfns (their
     * mem_access r-x while the ring is there), each write counted in
     * profile[i][its sub-page] and emulated, for duration_ms (0: until a
     * signal).
     */
    const uint64_t *profile_gfns;
    unsigned int nr_profile;
    uint64_t (*profile)[SPP_SUBPAGES];
    uint64_t duration_ms;
};

/*
 * Report the SPP write faults of a domain, one line each on out, and
 * answer them by policy, until count faults, SIGINT, SIGTERM or SIGHUP;
 * messages on err.  Other mem_access events are emulated, and said on err.
 * 0, or -1 once it said why on err.
 */
int monitor_domain(xc_interface *xch, const struct monitor_opts *o,
                   FILE *out, FILE *err);

#endif /* XEN_SUBPAGE_MONITOR_H */
