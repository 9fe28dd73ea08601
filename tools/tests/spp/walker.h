/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * walker.h: independent reference model of how the CPU decides a guest
 * write under Intel EPT-based sub-page write permissions (SPP).
 *
 * It is written from the architectural rules only, without sharing code
 * with the hypervisor's SPP table code, so that it can serve as a test
 * oracle for it.
 */
#ifndef SPP_WALKER_H
#define SPP_WALKER_H

#include <stdbool.h>
#include <stdint.h>

enum spp_verdict {
    SPP_WRITE_ALLOWED,   /* write proceeds, no exit */
    SPP_EPT_VIOLATION,   /* ordinary EPT violation (exit reason 48 / #VE) */
    SPP_MISS,            /* SPP-induced exit 66, qualification bit 11 = 1 */
    SPP_MISCONFIG,       /* SPP-induced exit 66, qualification bit 11 = 0 */
};

/*
 * Reads the 4K page at host-physical address maddr (4K aligned); NULL if
 * there is no memory there.
 */
typedef const uint64_t *walker_read_page_t(void *ctx, uint64_t maddr);

struct walker_cpu {
    bool spp_enabled;            /* secondary exec control bit 23 set */
    unsigned int maxphyaddr;     /* N: physical address width, e.g. 46 */
    uint64_t spptp;              /* the SPPTP VMCS field */
    walker_read_page_t *read_page;
    void *ctx;
};

/*
 * Decides a guest write to gpa.
 *
 * ept_leaf: the EPT leaf entry mapping gpa (bit 0 R, bit 1 W, bit 61 SPP);
 * leaf_level: 1 for a 4K leaf, 2 for a 2M leaf, 3 for a 1G leaf.
 */
enum spp_verdict walker_write(const struct walker_cpu *cpu, uint64_t ept_leaf,
                              unsigned int leaf_level, uint64_t gpa);

/* A short, distinct, human readable name for a verdict, for diagnostics. */
const char *walker_verdict_name(enum spp_verdict v);

#endif /* SPP_WALKER_H */
