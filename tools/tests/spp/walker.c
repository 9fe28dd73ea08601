/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * walker.c: reference model of the CPU's decision on a guest write under
 * Intel EPT-based sub-page write permissions (SPP).
 *
 * Deliberately simple and written straight from the architectural rules:
 * it is the oracle the hypervisor's SPP table code is tested against, so
 * clarity matters more than speed.
 *
 * Decisions not spelled out by the rules, taken here:
 *  - A table address with no memory behind it (read_page() returns NULL),
 *    including the L4 table named by SPPTP, gives SPP_MISCONFIG.  On real
 *    hardware reads of unbacked memory return all ones, which would be a
 *    present entry with reserved bits set (or an L1E with odd bits set),
 *    i.e. a misconfiguration as well.
 *  - A maxphyaddr below 13 leaves no room for a table address, so such a
 *    CPU cannot have a valid SPPT: any write that reaches the SPPT gives
 *    SPP_MISCONFIG.  Widths up to 64 are accepted.
 *  - A leaf_level other than 1 (including nonsense values) is treated as
 *    "not a 4K leaf": SPP never applies to it.
 *  - The EPT leaf itself is trusted: EPT misconfigurations of the leaf
 *    (e.g. W=1 with R=0) are out of scope and W=1 simply allows the write.
 */

#include <stddef.h>

#include "walker.h"

#define PAGE_SHIFT          12
#define PAGE_OFFSET_MASK    ((UINT64_C(1) << PAGE_SHIFT) - 1)

#define EPT_READ            (UINT64_C(1) << 0)
#define EPT_WRITE           (UINT64_C(1) << 1)
#define EPT_SPP             (UINT64_C(1) << 61)

#define EPT_LEAF_4K         1

#define SPPT_ROOT_LEVEL     4
#define SPPT_INDEX_BITS     9
#define SPPT_INDEX_MASK     ((UINT64_C(1) << SPPT_INDEX_BITS) - 1)

/* Non-leaf SPPT entries: bit 0 valid, bits 11:1 reserved. */
#define SPPT_ENTRY_VALID    (UINT64_C(1) << 0)
#define SPPT_ENTRY_LOW_RSVD (PAGE_OFFSET_MASK & ~SPPT_ENTRY_VALID)

/* L1E: bit 2i = write allowed for sub-page i, every odd bit reserved. */
#define SPPT_L1E_RSVD       UINT64_C(0xaaaaaaaaaaaaaaaa)
#define SUBPAGE_SHIFT       7
#define SUBPAGE_INDEX_MASK  UINT64_C(0x1f)

#define MIN_MAXPHYADDR      (PAGE_SHIFT + 1)

/* Bits N-1:0, without relying on an undefined 64-bit shift for N = 64. */
static uint64_t low_bits(unsigned int n)
{
    if ( n >= 64 )
        return ~UINT64_C(0);

    return (UINT64_C(1) << n) - 1;
}

/* Bits N-1:12: where SPPTP and SPPT entries keep a table address. */
static uint64_t table_addr_mask(unsigned int maxphyaddr)
{
    return low_bits(maxphyaddr) & ~PAGE_OFFSET_MASK;
}

static bool is_writable(uint64_t ept_leaf)
{
    return ept_leaf & EPT_WRITE;
}

/*
 * Every condition under which a write to a non-writable page consults the
 * SPPT instead of faulting straight away.
 */
static bool spp_applies(const struct walker_cpu *cpu, uint64_t ept_leaf,
                        unsigned int leaf_level)
{
    return cpu->spp_enabled &&
           leaf_level == EPT_LEAF_4K &&
           (ept_leaf & EPT_SPP) &&
           (ept_leaf & EPT_READ) &&
           !(ept_leaf & EPT_WRITE);
}

static bool maxphyaddr_is_usable(unsigned int maxphyaddr)
{
    return maxphyaddr >= MIN_MAXPHYADDR;
}

/* SPPTP holds nothing but a 4K-aligned address below 2^N. */
static bool spptp_is_valid(uint64_t spptp, unsigned int maxphyaddr)
{
    return !(spptp & ~table_addr_mask(maxphyaddr));
}

static bool sppt_entry_is_present(uint64_t entry)
{
    return entry & SPPT_ENTRY_VALID;
}

static bool sppt_entry_has_reserved_bits(uint64_t entry,
                                         unsigned int maxphyaddr)
{
    uint64_t high_rsvd = ~low_bits(maxphyaddr);

    return entry & (SPPT_ENTRY_LOW_RSVD | high_rsvd);
}

/* Index into the table at 'level' (4..1): GPA bits 47:39 ... 20:12. */
static unsigned int sppt_index(uint64_t gpa, unsigned int level)
{
    unsigned int shift = PAGE_SHIFT + (level - 1) * SPPT_INDEX_BITS;

    return (gpa >> shift) & SPPT_INDEX_MASK;
}

/* Sub-page i = GPA bits 11:7. */
static unsigned int subpage_index(uint64_t gpa)
{
    return (gpa >> SUBPAGE_SHIFT) & SUBPAGE_INDEX_MASK;
}

static enum spp_verdict l1e_verdict(uint64_t l1e, uint64_t gpa)
{
    if ( l1e & SPPT_L1E_RSVD )
        return SPP_MISCONFIG;

    if ( (l1e >> (2 * subpage_index(gpa))) & 1 )
        return SPP_WRITE_ALLOWED;

    return SPP_EPT_VIOLATION;
}

/*
 * Walks the SPPT from the L4 table down to the L1E for gpa; the verdict
 * is either what ended the walk early (a miss or a misconfig) or the
 * L1E's decision for the sub-page.
 */
static enum spp_verdict sppt_walk(const struct walker_cpu *cpu, uint64_t gpa)
{
    uint64_t table_addr = cpu->spptp & table_addr_mask(cpu->maxphyaddr);
    unsigned int level;

    for ( level = SPPT_ROOT_LEVEL; ; level-- )
    {
        const uint64_t *table = cpu->read_page(cpu->ctx, table_addr);
        uint64_t entry;

        /* Unbacked memory reads as all ones: reserved bits set. */
        if ( table == NULL )
            return SPP_MISCONFIG;

        entry = table[sppt_index(gpa, level)];

        if ( level == 1 )
            return l1e_verdict(entry, gpa);

        /* Not-present wins over any other (reserved) bits. */
        if ( !sppt_entry_is_present(entry) )
            return SPP_MISS;

        if ( sppt_entry_has_reserved_bits(entry, cpu->maxphyaddr) )
            return SPP_MISCONFIG;

        table_addr = entry & table_addr_mask(cpu->maxphyaddr);
    }
}

static enum spp_verdict spp_check(const struct walker_cpu *cpu, uint64_t gpa)
{
    /*
     * A real CPU would refuse VM entry with such a CPU/SPPTP; the closest
     * thing this model can report is a misconfiguration.
     */
    if ( !maxphyaddr_is_usable(cpu->maxphyaddr) ||
         !spptp_is_valid(cpu->spptp, cpu->maxphyaddr) )
        return SPP_MISCONFIG;

    return sppt_walk(cpu, gpa);
}

enum spp_verdict walker_write(const struct walker_cpu *cpu, uint64_t ept_leaf,
                              unsigned int leaf_level, uint64_t gpa)
{
    /* A writable leaf never involves SPP, whatever bit 61 says. */
    if ( is_writable(ept_leaf) )
        return SPP_WRITE_ALLOWED;

    if ( !spp_applies(cpu, ept_leaf, leaf_level) )
        return SPP_EPT_VIOLATION;

    return spp_check(cpu, gpa);
}

const char *walker_verdict_name(enum spp_verdict v)
{
    switch ( v )
    {
    case SPP_WRITE_ALLOWED:
        return "write-allowed";
    case SPP_EPT_VIOLATION:
        return "ept-violation";
    case SPP_MISS:
        return "spp-miss";
    case SPP_MISCONFIG:
        return "spp-misconfig";
    }

    /* Out-of-range values come from memory corruption or casts. */
    return "unknown";
}
