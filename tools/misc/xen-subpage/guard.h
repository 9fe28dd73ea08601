/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_SUBPAGE_GUARD_H
#define XEN_SUBPAGE_GUARD_H

#include <stdio.h>

#include "guest-va.h"
#include "monitor.h"

struct guard_opts {
    const char *command;        /* "guard" or "profile", for messages */
    struct monitor_opts mon;    /* the domain, policy, count, JSON */
    const char *symbol_file;    /* System.map format; "-": stdin */
    char **targets;             /* "<symbol>[:<length>]" */
    unsigned int nr_targets;
    uint32_t vcpu;              /* whose CR3 the page tables are found by */
};

/* What the targets of a guard_opts are, and the guest pages they cover. */
struct guard_found {
    struct gva_symtab symtab;
    struct gva_target *targets;     /* o->nr_targets of them */
    struct gva_guard g;             /* the pages, each with the map that
                                       denies exactly what is covered */
};

/*
 * Read the symbol file, and find the targets' pages in the guest's page
 * tables (from a vCPU's CR3), as guard_domain() does before it protects
 * them.  0, or -1 once it said why on err; f is then empty.  Free with
 * guard_found_free().
 */
int guard_find(xc_interface *xch, const struct guard_opts *o, FILE *err,
               struct guard_found *f);
void guard_found_free(struct guard_found *f);

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
