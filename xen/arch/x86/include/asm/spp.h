/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EPT-based Sub-Page write Permissions (SPP): the interface of
 * arch/x86/mm/p2m-spp.c to the rest of the hypervisor.
 */
#ifndef __ASM_X86_SPP_H__
#define __ASM_X86_SPP_H__

#include <xen/mm.h>
#include <xen/types.h>

struct domain;
struct p2m_domain;
struct vcpu;

/* Does this host use SPP (hardware, EPT, "ept=spp")? */
bool p2m_spp_available(void);
/* Can d use it (an HVM domain with HAP)? */
bool p2m_spp_supported(const struct domain *d);

/*
 * Set the write permissions of the 32 sub-pages of gfn: bit i of map lets
 * sub-page i (bytes 128*i .. 128*i+127) be written.  All ones removes the
 * protection.  gfn must be plain RAM (p2m_ram_rw).
 */
int p2m_set_subpage(struct domain *d, gfn_t gfn, uint32_t map);
/* The current map of gfn (all ones when it is not protected). */
int p2m_get_subpage(struct domain *d, gfn_t gfn, uint32_t *map);

/*
 * For the EPT code, with the p2m locked: should the 4K RAM leaf of gfn
 * carry the SPP bit (and so be read-only)?
 */
bool p2m_spp_protected(struct p2m_domain *p2m, unsigned long gfn);

/* SPP-induced VM exit (reason 66) of v at gpa; miss: qualification bit 11. */
void p2m_spp_handle_exit(struct vcpu *v, paddr_t gpa, bool miss);

/* Domain destruction: free the SPP tables (preemptible), then the rest. */
void p2m_spp_teardown(struct domain *d, bool *preempted);
void p2m_spp_free(struct p2m_domain *p2m);

#endif /* __ASM_X86_SPP_H__ */
