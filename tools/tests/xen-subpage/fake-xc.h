/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef FAKE_XC_H
#define FAKE_XC_H

#include <stdint.h>

#define FAKE_XC_CALLS 16

struct fake_xc {
    struct { const char *name; uint32_t domid; uint64_t gfn; }
        call[FAKE_XC_CALLS];
    unsigned int nr_calls;
    unsigned int fail_call;     /* this call (1-based) fails */
    int fail_errno;
    int open_errno;
    unsigned int opens, closes;
    int available;
    uint32_t map;               /* of the last set */
    uint32_t get_map;           /* get answers this ^ (gfn & 0xff) */
    uint32_t vcpu;
    uint64_t *gfns;             /* of the last batch */
    uint32_t *maps;
    uint32_t nr;
    uint32_t batch_done;        /* entries done when a batch fails */
};

extern struct fake_xc fxc;

void fake_xc_reset(void);

#endif /* FAKE_XC_H */
