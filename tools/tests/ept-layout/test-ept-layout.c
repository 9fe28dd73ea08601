/*
 * User-space test of the EPT entry layout (ept_entry_t, from the hypervisor's
 * vmx.h): whatever software stores in an entry, for every p2m type and
 * access value, must never set bit 61 (the hardware's SPP bit of a leaf) or
 * bit 63 (suppress #VE), and must read back unchanged without disturbing the
 * hardware fields.
 *
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

typedef uint64_t u64;

#include <ept-entry.h>   /* cut from xen/arch/x86/include/asm/hvm/vmx/vmx.h */
#include <p2m-enums.h>   /* p2m_type_t and p2m_access_t */

#define BIT(n)        (1ULL << (n))
#define SPP_BIT       BIT(61)
#define SVE_BIT       BIT(63)
#define HW_LOW_MASK   (BIT(52) - 1)  /* r..mfn: bits 51:0 */

/* Not a constant: storing it truncates to the field's width, silently. */
static u64 all_ones = ~0ULL;

/* A leaf with every hardware field below bit 52 set, and nothing else. */
static ept_entry_t full_leaf(void)
{
    ept_entry_t e = { .epte = 0 };

    e.r = e.w = e.x = 1;
    e.emt = 7;
    e.ipat = e.sp = e.a = e.d = e.snp = 1;
    e.recalc = 1;
    e.mfn = all_ones;

    return e;
}

static void check_type_access(ept_entry_t e, unsigned int t, unsigned int a)
{
    e.sa_p2mt = t;
    e.access = a;

    if ( e.epte & SPP_BIT )
        fail_msg("type %u access %u sets the SPP bit: %#llx", t, a,
                 (unsigned long long)e.epte);
    if ( e.epte & SVE_BIT )
        fail_msg("type %u access %u sets suppress-#VE: %#llx", t, a,
                 (unsigned long long)e.epte);
    assert_int_equal(e.sa_p2mt, t);
    assert_int_equal(e.access, a);
}

static void every_type_and_access_round_trips(void **state)
{
    unsigned int t, a;

    (void)state;
    for ( t = 0; t <= p2m_ioreq_server; t++ )
        for ( a = 0; a <= p2m_access_n2rwx; a++ )
        {
            ept_entry_t empty = { .epte = 0 }, full = full_leaf();

            check_type_access(empty, t, a);
            check_type_access(full, t, a);
        }
}

static void software_fields_leave_hardware_fields_alone(void **state)
{
    ept_entry_t e = full_leaf();
    const u64 before = e.epte;

    (void)state;
    e.sa_p2mt = p2m_ioreq_server;
    e.access = p2m_access_n2rwx;

    assert_int_equal(e.epte & HW_LOW_MASK, before & HW_LOW_MASK);
    e.sa_p2mt = 0;
    e.access = 0;
    assert_int_equal(e.epte, before);
}

/* Not only today's values: the widest value each field can hold. */
static void widest_software_values_stay_below_bit_61(void **state)
{
    ept_entry_t e = { .epte = 0 };

    (void)state;
    e.sa_p2mt = all_ones;
    e.access = all_ones;
    e.recalc = 1;

    assert_int_equal(e.epte & (SPP_BIT | SVE_BIT), 0);
    assert_true(e.sa_p2mt >= p2m_ioreq_server);
    assert_true(e.access >= p2m_access_n2rwx);
}

static void suppress_ve_is_bit_63(void **state)
{
    ept_entry_t e = { .epte = 0 };

    (void)state;
    e.suppress_ve = 1;
    assert_int_equal(e.epte, SVE_BIT);
    assert_int_equal(sizeof(e), sizeof(u64));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_and_access_round_trips),
        cmocka_unit_test(software_fields_leave_hardware_fields_alone),
        cmocka_unit_test(widest_software_values_stay_below_bit_61),
        cmocka_unit_test(suppress_ve_is_bit_63),
    };

    return cmocka_run_group_tests_name("ept-layout", tests, NULL, NULL);
}
