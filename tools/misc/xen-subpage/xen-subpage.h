/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_SUBPAGE_H
#define XEN_SUBPAGE_H

#include <stdint.h>
#include <stdio.h>

/* The tool, with its output and messages going to out and err. */
int xen_subpage_main(int argc, char **argv, FILE *out, FILE *err);

#define RESOLVE_NO_DOMAIN (-1)      /* no domain has that name */
#define RESOLVE_FAILED    (-2)      /* the names cannot be read */

/*
 * A domid (decimal or 0x hex; whether such a domain exists is for the
 * caller to ask Xen) or a domain's name: 0, RESOLVE_NO_DOMAIN, or
 * RESOLVE_FAILED with *why saying what failed (Xen could not list the
 * domains, or xenstore could not be opened).
 */
int resolve_domain(const char *s, uint32_t *domid, const char **why);

#endif /* XEN_SUBPAGE_H */
