/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Xen's software path adds to each guest write to a protected page,
 * through the hypervisor's p2m-spp.c over the model of emul-p2m.h: the
 * instructions of judging the write at its EPT violation and of checking
 * the emulated write's sub-pages, for a write to a writable sub-page
 * (emulated) and to a write-denied one (a violation), counted by
 * callgrind ("make bench"; one dump each).  The VM exit and the x86
 * emulator come on top: the lab measures the whole (scenario_cost).
 */
#include <valgrind/callgrind.h>

#include "emul-p2m.h"

#define NR_GFNS     1000UL
#define FIRST_GFN   0x10000UL
#define ROUNDS      10
#define MAP         0x7fffffffU     /* sub-page 31 guarded */

static void die(const char *what, unsigned long n)
{
    fprintf(stderr, "bench-spp-write: %s: %lu\n", what, n);
    exit(1);
}

/* One write of 4 bytes at off of each gfn, ROUNDS times. */
static unsigned long judge_all(unsigned int off, enum spp_violation want)
{
    unsigned long i, r, n = 0;

    for ( r = 0; r < ROUNDS; r++ )
        for ( i = 0; i < NR_GFNS; i++, n++ )
        {
            paddr_t gpa = ((FIRST_GFN + i) << PAGE_SHIFT) + off;

            if ( p2m_spp_write_violation(&fake.v, gpa, false) != want )
                die("verdict", i);
            if ( want == SPP_VIOLATION_SPAN &&
                 p2m_spp_emulated_write(&fake.v, _gfn(FIRST_GFN + i), off,
                                        4) )
                die("emulated write denied", i);
        }

    return n;
}

int main(void)
{
    unsigned long i, n;

    fake_init();
    fake.cpu_has_spp = false;
    fake_map(FIRST_GFN, NR_GFNS, p2m_ram_rw, false);
    for ( i = 0; i < NR_GFNS; i++ )
        if ( p2m_set_subpage(&fake.d, _gfn(FIRST_GFN + i), MAP) )
            die("set", i);

    CALLGRIND_ZERO_STATS;
    n = judge_all(0x40, SPP_VIOLATION_SPAN);
    CALLGRIND_DUMP_STATS_AT("allowed");
    if ( judge_all(0xfc0, SPP_VIOLATION_DENIED) != n )
        die("writes", n);
    CALLGRIND_DUMP_STATS_AT("denied");
    printf("  software path, %lu writes on %lu protected gfns\n", n,
           NR_GFNS);

    return 0;
}
