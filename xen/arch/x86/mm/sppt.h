/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SPP tables (SPPT): the 4-level tables that hold the sub-page write
 * permissions of a domain's pages.  This is the pure part of SPP: entry
 * encoding and table walk, insert and removal over an abstract page
 * allocator, with no VMCS or p2m plumbing, so that tools/tests/spp can
 * compile it in user space.
 *
 * Callers serialise all operations on one table (the p2m lock).
 */
#ifndef __ARCH_X86_MM_SPPT_H__
#define __ARCH_X86_MM_SPPT_H__

#include <xen/mm.h>
#include <xen/types.h>

#define SPPT_LEVELS            4
#define SPPT_ENTRIES           512
#define SPPT_INDEX_BITS        9
#define SPPT_MAX_GFN_BITS      (SPPT_LEVELS * SPPT_INDEX_BITS) /* GPA 47:12 */

/* L4E/L3E/L2E: bit 0 valid, bits 11:1 reserved, bits N-1:12 the table. */
#define SPPT_ENTRY_VALID       1ULL
#define SPPT_ENTRY_RSVD_LOW    0xffeULL

/* L1E: bit 2i lets sub-page i (GPA bits 11:7) be written; odd bits are 0. */
#define SPP_SUBPAGES           32
#define SPP_SUBPAGE_SHIFT      7
#define SPP_MAP_ALL_WRITABLE   0xffffffffU
#define SPP_L1E_ALL_WRITABLE   0x5555555555555555ULL
#define SPP_L1E_RESERVED       0xaaaaaaaaaaaaaaaaULL
/*
 * An L1E of a gfn that is not protected.  The processor reads an L1E only
 * for a leaf with the SPP bit, which such a gfn does not have, so the value
 * is free: one with reserved bits tells it apart from every real map (the
 * all-zero map included), and a walk that reaches it by mistake stops at a
 * misconfiguration rather than at a made-up permission.
 */
#define SPP_L1E_UNUSED         SPP_L1E_RESERVED

struct sppt_ops {
    /* A zeroed page for a table, or INVALID_MFN when the pool is empty. */
    mfn_t (*alloc_page)(void *ctx);
    void (*free_page)(void *ctx, mfn_t mfn);
    uint64_t *(*map_page)(void *ctx, mfn_t mfn);
    void (*unmap_page)(void *ctx, uint64_t *table);
    /*
     * Entries in use in a table page.  Kept outside the table: every bit of
     * an L1E means something to the processor, so an all-zero L1E (nothing
     * writable) cannot be told from an unused one by looking at it.
     */
    unsigned int (*get_used)(void *ctx, mfn_t mfn);
    void (*set_used)(void *ctx, mfn_t mfn, unsigned int used);
};

struct sppt {
    const struct sppt_ops *ops;
    void *ctx;
    mfn_t root;                 /* L4 table; INVALID_MFN while empty */
    unsigned long pages;        /* table pages held, the root included */
    unsigned long protected;    /* gfns with an L1E */
};

uint64_t spp_map_to_l1e(uint32_t map);
int spp_l1e_to_map(uint64_t l1e, uint32_t *map);
unsigned int sppt_index(unsigned long gfn, unsigned int level);

void sppt_init(struct sppt *t, const struct sppt_ops *ops, void *ctx);
int sppt_alloc_root(struct sppt *t);
int sppt_free_root(struct sppt *t);
int sppt_protect(struct sppt *t, unsigned long gfn, uint64_t l1e);
int sppt_update(struct sppt *t, unsigned long gfn, uint64_t l1e);
int sppt_get(const struct sppt *t, unsigned long gfn, uint64_t *l1e);
int sppt_unprotect(struct sppt *t, unsigned long gfn);
unsigned long sppt_next_protected(const struct sppt *t, unsigned long gfn,
                                  unsigned long end);
int sppt_teardown(struct sppt *t, unsigned int *budget);
unsigned int sppt_walk(const struct sppt *t, unsigned long gfn,
                       uint64_t *entry);

#endif /* __ARCH_X86_MM_SPPT_H__ */
