/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EPT-based Sub-Page write Permissions (SPP): the interface of
 * arch/x86/mm/p2m-spp.c to the rest of the hypervisor.
 */
#ifndef __ASM_X86_SPP_H__
#define __ASM_X86_SPP_H__

#include <xen/mm.h>
#include <xen/types.h>
#include <asm/p2m.h>
#include <public/xen.h>
#include <public/vm_event.h>

struct domain;
struct p2m_domain;
struct vcpu;
struct xen_hvm_subpage_batch;
struct xen_hvm_subpage_stats;

/*
 * Can this host protect sub-pages (VMX with EPT, or SVM with NPT)?  With
 * the processor's SPP ("ept=spp"), or in software (p2m_spp_in_software()).
 */
bool p2m_spp_available(void);
bool p2m_spp_in_software(void);
/* Does d protect sub-pages now? */
bool p2m_spp_enabled(struct domain *d);
/* Can d use it (HVM with HAP, and an IOMMU not sharing the EPT)? */
bool p2m_spp_supported(const struct domain *d);

/*
 * Set the write permissions of the 32 sub-pages of gfn: bit i of map lets
 * sub-page i (bytes 128*i .. 128*i+127) be written.  All ones removes the
 * protection.  gfn must be plain RAM (p2m_ram_rw).
 */
int p2m_set_subpage(struct domain *d, gfn_t gfn, uint32_t map);
/*
 * HVMOP_set_subpage_batch, its arguments checked and its OUT fields set;
 * -ERESTART when preempted.
 */
int p2m_set_subpage_batch(struct domain *d,
                          struct xen_hvm_subpage_batch *op);
/* The current map of gfn (all ones when it is not protected). */
int p2m_get_subpage(struct domain *d, gfn_t gfn, uint32_t *map);

/*
 * For the EPT code, with the p2m locked: should the 4K RAM leaf of gfn
 * carry the SPP bit (and so be read-only)?
 */
bool p2m_spp_protected(struct p2m_domain *p2m, unsigned long gfn);

/*
 * For ept_set_entry() and the type recalculation, with the p2m locked:
 * what the new leaf of a protected gfn keeps.  p2m_spp_new_leaf() is asked
 * before 2^order gfns from gfn are mapped to mfn as t (old_mfn before).
 */
enum spp_leaf {
    SPP_LEAF_NONE,      /* nothing protected */
    SPP_LEAF_CHECKED,   /* p2m_ram_rw: bit 61 set, W clear */
    SPP_LEAF_PARKED,    /* log-dirty: bit 61 clear, W clear */
    SPP_LEAF_ENDS,      /* no bit 61, and p2m_spp_end() once written */
};
enum spp_leaf p2m_spp_new_leaf(struct p2m_domain *p2m, unsigned long gfn,
                               unsigned int order, mfn_t old_mfn, mfn_t mfn,
                               p2m_type_t t);
void p2m_spp_end(struct p2m_domain *p2m, unsigned long gfn,
                 unsigned int order);
/* Is the host's leaf being re-set for SPP only (not a change for views)? */
bool p2m_spp_resetting(const struct p2m_domain *p2m);

/*
 * Let altp2m view index view write gfn with its own permissions, whatever
 * the host's map (exempt), or have it checked again (!exempt).  -EINVAL
 * when the view does not exist or gfn is above the domain's highest gfn.
 */
int p2m_set_subpage_exempt(struct domain *d, unsigned int view, gfn_t gfn,
                           bool exempt);
int p2m_get_subpage_exempt(struct domain *d, unsigned int view, gfn_t gfn,
                           bool *exempt);
/* altp2m view index idx is destroyed: it is exempt for nothing any more. */
void p2m_spp_view_destroyed(struct domain *d, unsigned int idx);

/* Fill in the OUT fields of HVMOP_get_subpage_stats. */
void p2m_get_subpage_stats(struct domain *d,
                           struct xen_hvm_subpage_stats *stats);
/* What an EPT write violation at a gpa is to SPP. */
enum spp_violation {
    SPP_VIOLATION_UNPROTECTED,  /* not on a protected gfn */
    SPP_VIOLATION_STALE,        /* to a writable sub-page: retry */
    SPP_VIOLATION_SPAN,         /* from a writable sub-page: emulate */
    SPP_VIOLATION_DENIED,       /* to a write-denied sub-page (counted) */
    SPP_VIOLATION_PAGE_WALK,    /* an A/D update: never SPP-eligible */
};
enum spp_violation p2m_spp_write_violation(struct vcpu *v, paddr_t gpa,
                                           bool page_walk);
/* An engine asked for SPP faults on d's monitor ring. */
bool p2m_spp_monitored(const struct domain *d);
/* The vm_event request reporting an SPP_VIOLATION_DENIED write. */
void p2m_spp_fill_fault_event(vm_event_request_t *req, paddr_t gpa,
                              unsigned long gla, bool gla_valid);

/*
 * A write SPP denied with no vm_event listener: crash the domain if it
 * requires one (access_required), or lift the page's protection.  Returns
 * whether the write must be dropped.
 */
bool p2m_spp_no_listener(struct vcpu *v, gfn_t gfn);

/*
 * A write the x86 emulator or hvm_copy_to_guest() makes for the running
 * vCPU v to off .. off + len - 1 of gfn: the sub-pages SPP denies (bit i:
 * sub-page i), counted and reported; p2m_spp_copy_allowed() copies the
 * rest.
 */
uint32_t p2m_spp_emulated_write(struct vcpu *v, gfn_t gfn, unsigned int off,
                                unsigned int len);
void p2m_spp_copy_allowed(void *dst, const void *src, unsigned int off,
                          unsigned int len, uint32_t denied);

/* SPP-induced VM exit (reason 66) of v at gpa; miss: qualification bit 11. */
void p2m_spp_handle_exit(struct vcpu *v, paddr_t gpa, bool miss);

/* Domain destruction: free the SPP tables (preemptible), then the rest. */
void p2m_spp_teardown(struct domain *d, bool *preempted);
void p2m_spp_free(struct p2m_domain *p2m);

#endif /* __ASM_X86_SPP_H__ */
