/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef XEN_SUBPAGE_H
#define XEN_SUBPAGE_H

#include <stdint.h>
#include <stdio.h>

/* The tool, with its output and messages going to out and err. */
int xen_subpage_main(int argc, char **argv, FILE *out, FILE *err);

/* A domid (decimal or 0x hex) or a domain's name: 0, or -1. */
int resolve_domain(const char *s, uint32_t *domid);

#endif /* XEN_SUBPAGE_H */
