/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the hypervisor's environment to compile
 * xen/arch/x86/mm/sppt.c in user space (the tools/tests/vpci approach:
 * the Makefile strips the file's includes and puts this header first).
 */
#ifndef SPP_TEST_EMUL_H
#define SPP_TEST_EMUL_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef ERESTART
#define ERESTART 85                     /* Xen's value */
#endif

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1UL << PAGE_SHIFT)
#define PAGE_MASK       (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define PADDR_BITS      52
#define PADDR_MASK      ((1UL << PADDR_BITS) - 1)

/* A distinct type, as in a debug hypervisor build, so mixing-up fails. */
typedef struct { unsigned long mfn; } mfn_t;

#define _mfn(m)         ((mfn_t){ (m) })
#define mfn_x(m)        ((m).mfn)
#define INVALID_MFN     _mfn(~0UL)
#define mfn_eq(a, b)    (mfn_x(a) == mfn_x(b))
#define mfn_to_maddr(m) ((uint64_t)mfn_x(m) << PAGE_SHIFT)
#define maddr_to_mfn(a) _mfn((a) >> PAGE_SHIFT)

#define ASSERT(x)       assert(x)
#define cf_check
#define bool_t          bool
#define __must_check    __attribute__((warn_unused_result))

#define write_atomic(p, x) (*(volatile typeof(*(p)) *)(p) = (x))

#endif /* SPP_TEST_EMUL_H */
