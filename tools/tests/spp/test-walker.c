/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test-walker.c: cmocka unit tests of the SPP reference walker, run on
 * SPP tables built by hand in a small fake physical memory.
 *
 * The tables are built here without the hypervisor's SPP code, so that
 * the walker is checked against the architectural rules alone before it
 * is trusted as an oracle for that code.
 */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "walker.h"

#define ENTRIES_PER_PAGE    512
#define FAKE_PAGES          64

/*
 * Made-up, non-contiguous page addresses with high bits set, near the top
 * of a 46-bit space, so that dropping address bits is noticed.
 */
#define FAKE_BASE           UINT64_C(0x3ffe00000000)
#define FAKE_STRIDE         UINT64_C(0x5000)
#define UNBACKED_MADDR      UINT64_C(0x0000123456789000)

#define TEST_MAXPHYADDR     46
#define TEST_ADDR_MASK      UINT64_C(0x00003ffffffff000) /* bits 45:12 */

#define EPT_R               (UINT64_C(1) << 0)
#define EPT_W               (UINT64_C(1) << 1)
#define EPT_X               (UINT64_C(1) << 2)
#define EPT_MT_WB           (UINT64_C(6) << 3)
#define EPT_SPP             (UINT64_C(1) << 61)
#define EPT_FRAME           UINT64_C(0x0000000123456000)

/* A typical read-only, SPP-protected 4K leaf; extra bits must not matter. */
#define LEAF_RO_SPP         (EPT_FRAME | EPT_MT_WB | EPT_X | EPT_R | EPT_SPP)

#define SPPT_VALID          UINT64_C(1)
#define L1E_ALL_WRITABLE    UINT64_C(0x5555555555555555)
#define L1E_NONE_WRITABLE   UINT64_C(0)

#define LEVEL_4K            1
#define LEVEL_2M            2
#define LEVEL_1G            3

#define SUBPAGES            32
#define SUBPAGE_SIZE        128

/* Indexes chosen all different, non-zero and near the 48-bit top. */
#define IDX_L4              UINT64_C(0x1f1)
#define IDX_L3              UINT64_C(0x1e2)
#define IDX_L2              UINT64_C(0x1d3)
#define IDX_L1              UINT64_C(0x1c4)
#define TEST_GPA            ((IDX_L4 << 39) | (IDX_L3 << 30) | \
                             (IDX_L2 << 21) | (IDX_L1 << 12))

struct fake_mem {
    unsigned int nr_pages;
    uint64_t maddr[FAKE_PAGES];
    uint64_t page[FAKE_PAGES][ENTRIES_PER_PAGE];
};

struct env {
    struct fake_mem mem;
    struct walker_cpu cpu;
    uint64_t root;
};

/* ---- fake physical memory ---- */

static uint64_t *fake_lookup(struct fake_mem *mem, uint64_t maddr)
{
    unsigned int i;

    for ( i = 0; i < mem->nr_pages; i++ )
        if ( mem->maddr[i] == maddr )
            return mem->page[i];

    return NULL;
}

static const uint64_t *fake_read_page(void *ctx, uint64_t maddr)
{
    /* The walker must only ever ask for whole, aligned pages. */
    assert_int_equal(maddr & 0xfff, 0);

    return fake_lookup(ctx, maddr);
}

static uint64_t fake_alloc_page_at(struct fake_mem *mem, uint64_t maddr)
{
    assert_true(mem->nr_pages < FAKE_PAGES);
    assert_null(fake_lookup(mem, maddr));

    mem->maddr[mem->nr_pages++] = maddr;

    return maddr;
}

static uint64_t fake_alloc_page(struct fake_mem *mem)
{
    return fake_alloc_page_at(mem, FAKE_BASE +
                                   mem->nr_pages * FAKE_STRIDE);
}

static uint64_t *fake_page(struct fake_mem *mem, uint64_t maddr)
{
    uint64_t *page = fake_lookup(mem, maddr);

    assert_non_null(page);

    return page;
}

/* ---- hand-built SPP tables ---- */

/* GPA bits 47:39, 38:30, 29:21, 20:12 for levels 4, 3, 2, 1. */
static unsigned int index_at(uint64_t gpa, unsigned int level)
{
    static const unsigned int shift[] = { 0, 12, 21, 30, 39 };

    return (gpa >> shift[level]) & 0x1ff;
}

/* The entry for gpa in the table at 'level'; levels above must exist. */
static uint64_t *entry_at(struct env *env, uint64_t gpa, unsigned int level)
{
    uint64_t table = env->root;
    unsigned int l;

    for ( l = 4; l > level; l-- )
    {
        uint64_t entry = fake_page(&env->mem, table)[index_at(gpa, l)];

        assert_true(entry & SPPT_VALID);
        table = entry & TEST_ADDR_MASK;
    }

    return &fake_page(&env->mem, table)[index_at(gpa, level)];
}

/* Gives gpa's 4K page the L1E l1e, creating missing tables on the way. */
static void map_gpa(struct env *env, uint64_t gpa, uint64_t l1e)
{
    unsigned int level;

    for ( level = 4; level > 1; level-- )
    {
        uint64_t *entry = entry_at(env, gpa, level);

        if ( !(*entry & SPPT_VALID) )
            *entry = fake_alloc_page(&env->mem) | SPPT_VALID;
    }

    *entry_at(env, gpa, 1) = l1e;
}

/* ---- checking ---- */

static void check_write(struct env *env, uint64_t leaf, unsigned int level,
                        uint64_t gpa, enum spp_verdict expected)
{
    enum spp_verdict got = walker_write(&env->cpu, leaf, level, gpa);

    if ( got != expected )
    {
        print_error("gpa %#" PRIx64 " leaf %#" PRIx64 " level %u: "
                    "expected %s, got %s\n", gpa, leaf, level,
                    walker_verdict_name(expected), walker_verdict_name(got));
        fail();
    }
}

/* The common case: a write through a read-only SPP 4K leaf. */
static void check_spp_write(struct env *env, uint64_t gpa,
                            enum spp_verdict expected)
{
    check_write(env, LEAF_RO_SPP, LEVEL_4K, gpa, expected);
}

static enum spp_verdict verdict_for_bit(bool writable)
{
    return writable ? SPP_WRITE_ALLOWED : SPP_EPT_VIOLATION;
}

/* First and last byte of sub-page i of the page at page_gpa. */
static void check_subpage(struct env *env, uint64_t page_gpa, unsigned int i,
                          bool writable)
{
    uint64_t first = page_gpa + i * SUBPAGE_SIZE;

    check_spp_write(env, first, verdict_for_bit(writable));
    check_spp_write(env, first + SUBPAGE_SIZE - 1, verdict_for_bit(writable));
}

static void check_all_subpages(struct env *env, uint64_t l1e,
                               bool (*writable)(unsigned int i))
{
    unsigned int i;

    *entry_at(env, TEST_GPA, 1) = l1e;

    for ( i = 0; i < SUBPAGES; i++ )
        check_subpage(env, TEST_GPA, i, writable(i));
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    struct env *env = test_calloc(1, sizeof(*env));

    if ( env == NULL )
        return -1;

    env->root = fake_alloc_page(&env->mem);
    env->cpu.spp_enabled = true;
    env->cpu.maxphyaddr = TEST_MAXPHYADDR;
    env->cpu.spptp = env->root;
    env->cpu.read_page = fake_read_page;
    env->cpu.ctx = &env->mem;

    *state = env;

    return 0;
}

static int teardown(void **state)
{
    test_free(*state);

    return 0;
}

/* ---- when SPP applies at all ---- */

static void test_writable_leaf_ignores_spp(void **state)
{
    struct env *env = *state;

    /* Nothing mapped and a broken SPPTP: SPP must not be looked at. */
    env->cpu.spptp = UNBACKED_MADDR | 0x1;

    check_write(env, LEAF_RO_SPP | EPT_W, LEVEL_4K, TEST_GPA,
                SPP_WRITE_ALLOWED);
    check_write(env, EPT_R | EPT_W, LEVEL_4K, TEST_GPA, SPP_WRITE_ALLOWED);
    check_write(env, LEAF_RO_SPP | EPT_W, LEVEL_2M, TEST_GPA,
                SPP_WRITE_ALLOWED);
    check_write(env, LEAF_RO_SPP | EPT_W, LEVEL_1G, TEST_GPA,
                SPP_WRITE_ALLOWED);

    env->cpu.spp_enabled = false;
    check_write(env, LEAF_RO_SPP | EPT_W, LEVEL_4K, TEST_GPA,
                SPP_WRITE_ALLOWED);
}

static void test_spp_disabled_is_violation(void **state)
{
    struct env *env = *state;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);

    env->cpu.spp_enabled = false;
    check_spp_write(env, TEST_GPA, SPP_EPT_VIOLATION);
}

static void test_large_leaves_are_violation(void **state)
{
    struct env *env = *state;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);

    check_write(env, LEAF_RO_SPP, LEVEL_2M, TEST_GPA, SPP_EPT_VIOLATION);
    check_write(env, LEAF_RO_SPP, LEVEL_1G, TEST_GPA, SPP_EPT_VIOLATION);
    /* Nonsense levels are not 4K leaves either. */
    check_write(env, LEAF_RO_SPP, 0, TEST_GPA, SPP_EPT_VIOLATION);
    check_write(env, LEAF_RO_SPP, 4, TEST_GPA, SPP_EPT_VIOLATION);
}

static void test_spp_bit_clear_is_violation(void **state)
{
    struct env *env = *state;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);

    check_write(env, LEAF_RO_SPP & ~EPT_SPP, LEVEL_4K, TEST_GPA,
                SPP_EPT_VIOLATION);
}

static void test_not_readable_is_violation(void **state)
{
    struct env *env = *state;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);

    check_write(env, LEAF_RO_SPP & ~EPT_R, LEVEL_4K, TEST_GPA,
                SPP_EPT_VIOLATION);
    check_write(env, EPT_SPP, LEVEL_4K, TEST_GPA, SPP_EPT_VIOLATION);
}

/* ---- missing entries ---- */

static void check_missing_entry(struct env *env, unsigned int level)
{
    uint64_t *entry;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);
    entry = entry_at(env, TEST_GPA, level);

    *entry &= ~SPPT_VALID;
    check_spp_write(env, TEST_GPA, SPP_MISS);

    /* Not present means a miss whatever the other bits say. */
    *entry = ~SPPT_VALID;
    check_spp_write(env, TEST_GPA, SPP_MISS);

    *entry = 0;
    check_spp_write(env, TEST_GPA, SPP_MISS);
}

static void test_missing_l4e(void **state)
{
    check_missing_entry(*state, 4);
}

static void test_missing_l3e(void **state)
{
    check_missing_entry(*state, 3);
}

static void test_missing_l2e(void **state)
{
    check_missing_entry(*state, 2);
}

static void test_empty_table_is_miss(void **state)
{
    check_spp_write(*state, TEST_GPA, SPP_MISS);
}

/* ---- reserved bits in non-leaf entries ---- */

static void check_reserved_bits(struct env *env, unsigned int level)
{
    uint64_t *entry, good;
    unsigned int bit;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);
    entry = entry_at(env, TEST_GPA, level);
    good = *entry;

    for ( bit = 1; bit < 64; bit++ )
    {
        bool reserved = bit < 12 || bit >= TEST_MAXPHYADDR;

        if ( !reserved )
            continue;

        *entry = good | (UINT64_C(1) << bit);
        check_spp_write(env, TEST_GPA, SPP_MISCONFIG);
    }

    *entry = good;
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);
}

static void test_reserved_bits_l4e(void **state)
{
    check_reserved_bits(*state, 4);
}

static void test_reserved_bits_l3e(void **state)
{
    check_reserved_bits(*state, 3);
}

static void test_reserved_bits_l2e(void **state)
{
    check_reserved_bits(*state, 2);
}

/* Bits 51:46 are address with N = 52 and reserved with N = 46. */
static void test_address_width_follows_maxphyaddr(void **state)
{
    struct env *env = *state;
    uint64_t high_table = fake_alloc_page_at(&env->mem,
                                             (UINT64_C(1) << 50) | 0x7000);
    uint64_t *l3e;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);
    l3e = entry_at(env, TEST_GPA, 3);

    /* Move the L2 table up to an address that needs bit 50. */
    memcpy(fake_page(&env->mem, high_table),
           fake_page(&env->mem, *l3e & TEST_ADDR_MASK), 4096);
    *l3e = high_table | SPPT_VALID;

    env->cpu.maxphyaddr = 52;
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);

    env->cpu.maxphyaddr = 46;
    check_spp_write(env, TEST_GPA, SPP_MISCONFIG);
}

/* ---- tables that are not there ---- */

static void check_absent_next_table(struct env *env, unsigned int level)
{
    uint64_t *entry = entry_at(env, TEST_GPA, level);
    uint64_t good = *entry;

    *entry = UNBACKED_MADDR | SPPT_VALID;
    check_spp_write(env, TEST_GPA, SPP_MISCONFIG);

    *entry = good;
}

static void test_absent_next_table_is_misconfig(void **state)
{
    struct env *env = *state;
    unsigned int level;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);

    /* An L2E pointing nowhere is an absent L1 table. */
    for ( level = 4; level > 1; level-- )
        check_absent_next_table(env, level);

    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);

    env->cpu.spptp = UNBACKED_MADDR;
    check_spp_write(env, TEST_GPA, SPP_MISCONFIG);
}

/* ---- L1Es ---- */

static void test_l1e_odd_bit_is_misconfig(void **state)
{
    struct env *env = *state;
    unsigned int bit;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);

    for ( bit = 1; bit < 64; bit += 2 )
    {
        uint64_t odd = UINT64_C(1) << bit;
        unsigned int own_subpage = bit / 2;

        *entry_at(env, TEST_GPA, 1) = L1E_ALL_WRITABLE | odd;
        check_spp_write(env, TEST_GPA, SPP_MISCONFIG);
        check_spp_write(env, TEST_GPA + own_subpage * SUBPAGE_SIZE,
                        SPP_MISCONFIG);

        /* Also when the sub-page itself would not be writable. */
        *entry_at(env, TEST_GPA, 1) = odd;
        check_spp_write(env, TEST_GPA + own_subpage * SUBPAGE_SIZE,
                        SPP_MISCONFIG);
    }
}

static bool none(unsigned int i)
{
    (void)i;
    return false;
}

static bool all(unsigned int i)
{
    (void)i;
    return true;
}

static bool even(unsigned int i)
{
    return i % 2 == 0;
}

static bool odd(unsigned int i)
{
    return i % 2 == 1;
}

static bool lower_half(unsigned int i)
{
    return i < SUBPAGES / 2;
}

static bool upper_half(unsigned int i)
{
    return i >= SUBPAGES / 2;
}

static void test_subpages_fixed_patterns(void **state)
{
    struct env *env = *state;

    map_gpa(env, TEST_GPA, L1E_NONE_WRITABLE);

    check_all_subpages(env, L1E_NONE_WRITABLE, none);
    check_all_subpages(env, L1E_ALL_WRITABLE, all);
    check_all_subpages(env, UINT64_C(0x1111111111111111), even);
    check_all_subpages(env, UINT64_C(0x4444444444444444), odd);
    check_all_subpages(env, UINT64_C(0x0000000055555555), lower_half);
    check_all_subpages(env, UINT64_C(0x5555555500000000), upper_half);
}

static void test_subpages_single_bits(void **state)
{
    struct env *env = *state;
    unsigned int writable, i;

    map_gpa(env, TEST_GPA, L1E_NONE_WRITABLE);

    for ( writable = 0; writable < SUBPAGES; writable++ )
    {
        *entry_at(env, TEST_GPA, 1) = UINT64_C(1) << (2 * writable);

        for ( i = 0; i < SUBPAGES; i++ )
            check_subpage(env, TEST_GPA, i, i == writable);
    }
}

/* ---- GPA decoding ---- */

static uint64_t with_index(uint64_t gpa, unsigned int level, uint64_t idx)
{
    unsigned int shift = 12 + 9 * (level - 1);

    return (gpa & ~(UINT64_C(0x1ff) << shift)) | (idx << shift);
}

static void test_gpa_index_extraction(void **state)
{
    struct env *env = *state;
    unsigned int level;

    /*
     * Only the right index at each level leads anywhere, and the indexes
     * are all different, so mixing up levels cannot find the mapping.
     */
    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);
    check_spp_write(env, TEST_GPA + 4095, SPP_WRITE_ALLOWED);

    /* A different index at one level must land on an empty entry. */
    for ( level = 4; level > 1; level-- )
    {
        check_spp_write(env, with_index(TEST_GPA, level, 0), SPP_MISS);
        check_spp_write(env, with_index(TEST_GPA, level, 0x1ff), SPP_MISS);
    }
    check_spp_write(env, with_index(TEST_GPA, 1, 0), SPP_EPT_VIOLATION);
    check_spp_write(env, with_index(TEST_GPA, 1, 0x1ff), SPP_EPT_VIOLATION);

    /* A sibling page sharing the upper tables keeps its own L1E. */
    map_gpa(env, with_index(TEST_GPA, 1, 0x1c5), L1E_NONE_WRITABLE);
    check_spp_write(env, with_index(TEST_GPA, 1, 0x1c5), SPP_EPT_VIOLATION);
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);
}

static void test_gpa_high_bits_ignored(void **state)
{
    struct env *env = *state;
    uint64_t high = UINT64_C(0xffff000000000000);

    map_gpa(env, TEST_GPA, UINT64_C(0x1111111111111111));

    check_spp_write(env, high | TEST_GPA, SPP_WRITE_ALLOWED);
    check_spp_write(env, high | (TEST_GPA + SUBPAGE_SIZE), SPP_EPT_VIOLATION);
    check_spp_write(env, (UINT64_C(1) << 48) | TEST_GPA, SPP_WRITE_ALLOWED);
}

/* ---- SPPTP ---- */

static void test_spptp_reserved_bits_are_misconfig(void **state)
{
    struct env *env = *state;
    unsigned int bit;

    map_gpa(env, TEST_GPA, L1E_ALL_WRITABLE);

    for ( bit = 0; bit < 64; bit++ )
    {
        bool reserved = bit < 12 || bit >= TEST_MAXPHYADDR;

        if ( !reserved )
            continue;

        env->cpu.spptp = env->root | (UINT64_C(1) << bit);
        check_spp_write(env, TEST_GPA, SPP_MISCONFIG);
    }

    env->cpu.spptp = env->root;
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);
}

static void test_tiny_maxphyaddr_is_misconfig(void **state)
{
    struct env *env = *state;

    uint64_t *page0 = fake_page(&env->mem, fake_alloc_page_at(&env->mem, 0));
    unsigned int i;

    /*
     * With N = 12 only a table at address 0 could be named.  A page at 0
     * full of 1s would even walk cleanly (each level points back to it
     * and the final 1 allows sub-page 0), but such a CPU cannot exist.
     */
    for ( i = 0; i < ENTRIES_PER_PAGE; i++ )
        page0[i] = SPPT_VALID;
    env->cpu.spptp = 0;

    env->cpu.maxphyaddr = TEST_MAXPHYADDR;
    check_spp_write(env, TEST_GPA, SPP_WRITE_ALLOWED);

    env->cpu.maxphyaddr = 12;
    check_spp_write(env, TEST_GPA, SPP_MISCONFIG);
}

/* ---- names ---- */

static void test_verdict_names_distinct(void **state)
{
    static const enum spp_verdict verdicts[] = {
        SPP_WRITE_ALLOWED, SPP_EPT_VIOLATION, SPP_MISS, SPP_MISCONFIG,
    };
    unsigned int i, j;

    (void)state;

    for ( i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++ )
    {
        const char *name = walker_verdict_name(verdicts[i]);

        assert_non_null(name);
        assert_true(strlen(name) > 0);

        for ( j = 0; j < i; j++ )
            assert_string_not_equal(name, walker_verdict_name(verdicts[j]));
    }

    assert_non_null(walker_verdict_name((enum spp_verdict)42));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_writable_leaf_ignores_spp),
        T(test_spp_disabled_is_violation),
        T(test_large_leaves_are_violation),
        T(test_spp_bit_clear_is_violation),
        T(test_not_readable_is_violation),
        T(test_missing_l4e),
        T(test_missing_l3e),
        T(test_missing_l2e),
        T(test_empty_table_is_miss),
        T(test_reserved_bits_l4e),
        T(test_reserved_bits_l3e),
        T(test_reserved_bits_l2e),
        T(test_address_width_follows_maxphyaddr),
        T(test_absent_next_table_is_misconfig),
        T(test_l1e_odd_bit_is_misconfig),
        T(test_subpages_fixed_patterns),
        T(test_subpages_single_bits),
        T(test_gpa_index_extraction),
        T(test_gpa_high_bits_ignored),
        T(test_spptp_reserved_bits_are_misconfig),
        T(test_tiny_maxphyaddr_is_misconfig),
        T(test_verdict_names_distinct),
    };

    return cmocka_run_group_tests_name("walker", tests, NULL, NULL);
}
