/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_SUBPAGE_GUARD_H
#define XEN_SUBPAGE_GUARD_H

#include <stdio.h>

#include "monitor.h"

struct guard_opts {
    struct monitor_opts mon;    /* the domain, policy, count, JSON */
    const char *symbol_file;    /* System.map format; "-": stdin */
    char **targets;             /* "<symbol>[:<length>]" */
    unsigned int nr_targets;
    uint32_t vcpu;              /* whose CR3 the page tables are found by */
};

/*
 * Protect exactly the sub-pages of a 64-bit guest's kernel data that the
 * targets cover (their virtual addresses translated by the guest's page
 * tables, from a vCPU's CR3), report each denied write with the symbol it
 * hit (monitor_domain(), answered by the policy), and put the pages' maps
 * back as they were once it stops.  0, or -1 once it said why on err.
 */
int guard_domain(xc_interface *xch, const struct guard_opts *o, FILE *out,
                 FILE *err);

#endif /* XEN_SUBPAGE_GUARD_H */
