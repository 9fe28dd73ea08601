/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the hypervisor around xen/arch/x86/mm/p2m-spp.c to compile
 * it, as is, in user space (the Makefile strips its includes and puts this
 * header first).  The SPPT code under it is the real sppt.c, its pages come
 * from pool.c, and the public ABI is the patched tree's own hvm_op.h.
 *
 * The p2m locks are Xen's own: the tree's xen/arch/x86/mm/mm-locks.h is
 * compiled in as is (p2m_lock() raises defer_flush, p2m_unlock() drops it
 * and flushes, lock levels are checked), over one CPU's spinlocks and
 * percpu rwlocks below; p2m_tlb_flush_sync(), p2m_unlock_and_tlb_flush()
 * and ept_sync_domain() do what 4.17's p2m.c and p2m-ept.c do.
 *
 * What stands in for the rest of Xen is a small model kept in "fake":
 *  - a host p2m with one entry per gfn (type, access, page, superpage,
 *    and the SPP and W bits computed as the patched ept_set_entry() and
 *    ept_p2m_type_to_flags() compute them, PML or not; or, on an AMD
 *    host (npt), the RW bit as the patched p2m_pt_set_entry() computes
 *    it, with no bit 61);
 *  - EPT flushes counted where p2m->tlb_flush() would send its IPI, which
 *    makes every CPU of the domain invalidate the EPTs ept_sync_domain()
 *    marked (host or view: the IPI is the same);
 *  - the VMCS state of the domain's vCPUs (SPPTP);
 *  - guest memory for copy_from_guest_offset(), with a fault boundary;
 *  - hypercall preemption after a given number of checks;
 *  - the monitor ring, which records the requests sent to it.
 * It also checks the rules p2m-spp.c relies on: the domain is paused, and
 * no mm lock held, when vCPUs are switched; nothing that may sleep
 * (monitor_traps()) is called with a lock held or from a context that
 * must not sleep (fake.atomic: under the grant table's lock, or in
 * context_switch()).
 */
#ifndef SPP_TEST_EMUL_P2M_H
#define SPP_TEST_EMUL_P2M_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "sppt.h"
#include "pool.h"

#include <public/xen.h>
#include <public/hvm/hvm_op.h>
#include <public/vm_event.h>

#define unlikely(x)         (x)
#define min_t(t, a, b)      ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define PRIpaddr            "016" PRIx64
#define XENLOG_ERR          "(XEN) "
#define XENLOG_INFO         "(XEN) "
#define paddr_to_pfn(pa)    ((unsigned long)((pa) >> PAGE_SHIFT))
#define gfn_to_gaddr(g)     ((paddr_t)gfn_x(g) << PAGE_SHIFT)
#define max(a, b)           ((a) > (b) ? (a) : (b))
#define min(a, b)           ((a) < (b) ? (a) : (b))
#define ffs(x)              __builtin_ffs(x)
#define PAGE_ORDER_4K       0
#define PAGE_ORDER_2M       9

typedef uint64_t paddr_t;
typedef struct { unsigned long gfn; } gfn_t;
#define _gfn(g)             ((gfn_t){ (g) })
#define gfn_x(g)            ((g).gfn)
#define INVALID_GFN         _gfn(~0UL)
#define gfn_eq(a, b)        (gfn_x(a) == gfn_x(b))

typedef enum {
    p2m_invalid, p2m_ram_rw, p2m_ram_logdirty, p2m_ram_ro, p2m_mmio_dm,
    p2m_mmio_direct, p2m_grant_map_rw, p2m_ram_paging_out, p2m_ram_paged,
    p2m_ram_shared, p2m_map_foreign, p2m_ioreq_server,
} p2m_type_t;
typedef enum {
    p2m_access_n, p2m_access_r, p2m_access_w, p2m_access_rw, p2m_access_x,
    p2m_access_rx, p2m_access_wx, p2m_access_rwx, p2m_access_rx2rw,
    p2m_access_n2rwx,
} p2m_access_t;
typedef int p2m_query_t;

/* ---- pages: pool.c frames, with a struct page_info each ---- */

struct page_info {
    uint32_t tlbflush_timestamp;
};

#define FAKE_POOL_PAGES 16384
#define FAKE_BASE_MFN   0x200000UL

struct page_info *fake_mfn_to_page(mfn_t mfn);
mfn_t fake_page_to_mfn(const struct page_info *pg);
#define mfn_to_page(m)      fake_mfn_to_page(m)
#define page_to_mfn(pg)     fake_page_to_mfn(pg)
#define mfn_valid(m)        (!mfn_eq(m, INVALID_MFN))
uint64_t *map_domain_page(mfn_t mfn);
void unmap_domain_page(const void *va);

/* ---- domain, vCPU, p2m ---- */

struct domain;
struct p2m_spp;

/* ---- one CPU's locks, for Xen's mm-locks.h ---- */

#define CONFIG_HVM
#define always_inline       inline __attribute__((always_inline))
#define BUG()               assert(!"BUG")
#define BUG_ON(x)           assert(!(x))
#define panic(fmt, ...)     assert(!fmt)
#define printk(fmt, ...)    fprintf(stderr, fmt, ##__VA_ARGS__)
#define block_lock_speculation() ((void)0)
#define get_processor_id()  0
#define is_control_domain(d) false
#define DECLARE_PER_CPU(type, name) extern type fake_percpu_##name
#define this_cpu(name)      fake_percpu_##name
#define DECLARE_PERCPU_RWLOCK_GLOBAL(name) extern int fake_percpu_##name

#define FAKE_NO_CPU         0xfffU      /* as SPINLOCK_NO_CPU */

typedef struct {
    unsigned int recurse_cpu;
    unsigned int recurse_cnt;
} spinlock_t;

typedef struct {
    bool writer;
    unsigned int readers;
} percpu_rwlock_t;

void spin_lock_init(spinlock_t *l);
void spin_lock_recursive(spinlock_t *l);
void spin_unlock_recursive(spinlock_t *l);
#define percpu_rwlock_resource_init(l, owner) \
    (*(l) = (percpu_rwlock_t){ false, 0 })
void fake_percpu_write_lock(percpu_rwlock_t *l);
void fake_percpu_write_unlock(percpu_rwlock_t *l);
void fake_percpu_read_lock(percpu_rwlock_t *l);
void fake_percpu_read_unlock(percpu_rwlock_t *l);
#define percpu_write_lock(percpu, l)    fake_percpu_write_lock(l)
#define percpu_write_unlock(percpu, l)  fake_percpu_write_unlock(l)
#define percpu_read_lock(percpu, l)     fake_percpu_read_lock(l)
#define percpu_read_unlock(percpu, l)   fake_percpu_read_unlock(l)

typedef struct mm_lock {
    spinlock_t         lock;
    int                unlock_level;
    int                locker;
    const char        *locker_function;
} mm_lock_t;

typedef struct mm_rwlock {
    percpu_rwlock_t    lock;
    int                unlock_level;
    int                recurse_count;
    int                locker;
    const char        *locker_function;
} mm_rwlock_t;

struct p2m_domain {
    struct domain *domain;
    mm_rwlock_t lock;
    bool access_required;               /* a listener must be there */
    struct p2m_spp *spp;
    unsigned long max_mapped_pfn;
    unsigned int defer_flush;
    bool need_flush;
    bool invept_due;                    /* marked, no IPI sent since */
    void (*tlb_flush)(struct p2m_domain *p2m);
    mfn_t (*get_entry)(struct p2m_domain *p2m, gfn_t gfn, p2m_type_t *t,
                       p2m_access_t *a, p2m_query_t q,
                       unsigned int *page_order, bool *sve);
};

#define MAX_ALTP2M          10

struct domain {
    bool is_dying;
    bool nested;                        /* nestedhvm_enabled() */
    bool hvm, hap;
    bool iommu_hap_pt_share;            /* the IOMMU walks the EPT */
    struct vm_event_domain *vm_event_monitor;
    struct {
        struct p2m_domain *p2m;
        struct {
            struct page_info *(*alloc_page)(struct domain *d);
            void (*free_page)(struct domain *d, struct page_info *pg);
            mm_lock_t lock;
        } paging;
        bool altp2m_active;
        mm_lock_t altp2m_list_lock;
        struct {
            bool subpage_write_enabled; /* SPP faults asked for */
        } monitor;
        uint64_t altp2m_eptp[MAX_ALTP2M];   /* INVALID_MFN: no view */
        struct p2m_domain *altp2m_p2m[MAX_ALTP2M];
    } arch;
};

struct arch_vm_event {
    uint32_t emulate_flags;             /* the engine asked to emulate */
    bool spp_emulate;                   /* in answer to an SPP fault */
};

struct vcpu {
    struct domain *domain;
    unsigned int vcpu_id;
    unsigned int processor;
    struct {
        struct arch_vm_event *vm_event;
    } arch;
    unsigned int p2midx;                /* its view, while altp2m is on */
};

/*
 * The monitor ring: is a listener there, what was sent, and how.  An event
 * sent with monitor_traps() may wait for room; one sent with a slot from
 * vm_event_claim_slot_nosleep() never does, and is lost (-EBUSY) when the
 * ring is full.
 */
#define vm_event_check_ring(ved) ((void)(ved), fake.ring)
int monitor_traps(struct vcpu *v, bool sync, vm_event_request_t *req);
int vm_event_claim_slot_nosleep(struct domain *d, struct vm_event_domain *ved);
void vm_event_put_request(struct domain *d, struct vm_event_domain *ved,
                          vm_event_request_t *req);
#define vm_event_fill_regs(req) ((void)(req))

/* A tasklet runs when the test says (fake_run_tasklet()), never inline. */
struct tasklet {
    void (*func)(void *data);
    void *data;
    bool scheduled;
};
void tasklet_init(struct tasklet *t, void (*func)(void *), void *data);
void tasklet_schedule(struct tasklet *t);
void tasklet_kill(struct tasklet *t);
#define altp2m_vcpu_idx(v)  ((v)->p2midx)
#define XENLOG_G_WARNING    "(XEN) "

#define p2m_get_hostp2m(d)  ((d)->arch.p2m)
#define altp2m_active(d)    ((d)->arch.altp2m_active)
#define p2m_is_altp2m(p)    ((p) != (p)->domain->arch.p2m)
#define p2m_get_altp2m(v)   ((v)->domain->arch.altp2m_p2m[(v)->p2midx])
#define p2m_is_hostp2m(p)   ((p) == (p)->domain->arch.p2m)
#define is_hvm_domain(d)    ((d)->hvm)
#define hap_enabled(d)      ((d)->hap)
#define iommu_use_hap_pt(d) ((d)->iommu_hap_pt_share)

extern struct vcpu *fake_current;
#define current             fake_current
#define nestedhvm_enabled(d) ((d)->nested)

void p2m_tlb_flush_sync(struct p2m_domain *p2m);
void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m);
/* Xen's own p2m_lock(), p2m_unlock(), altp2m_list_lock(), paging_lock(). */
#include "mm-locks.h"
int p2m_set_entry(struct p2m_domain *p2m, gfn_t gfn, mfn_t mfn,
                  unsigned int page_order, p2m_type_t t, p2m_access_t a);
void ept_sync_domain(struct p2m_domain *p2m);
bool ept_leaf_has_spp(struct p2m_domain *p2m, unsigned long gfn);

void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
void domain_crash(struct domain *d);
bool hypercall_preempt_check(void);
#define general_preempt_check() false

void vmx_domain_enable_spp(struct domain *d, mfn_t root);
void vmx_domain_disable_spp(struct domain *d);
#define cpu_has_vmx_spp     (fake.cpu_has_spp)
#define cpu_has_vmx_ept     (fake.cpu_has_ept)
/* AMD's nested page tables (p2m-pt.c) where fake.npt, else EPT. */
#define cpu_has_vmx         (!fake.npt)
#define cpu_has_svm_npt     (fake.npt)

#define xzalloc(type)       ((type *)calloc(1, sizeof(type)))
#define xfree(p)            free(p)
#define XFREE(p)            do { free(p); (p) = NULL; } while ( 0 )
#define ASSERT_UNREACHABLE() assert(!"unreachable")
#define array_index_nospec(i, n) (i)

/* Xen's rangesets: the real xen/common/rangeset.c (emul-rangeset.h). */
#include "rangeset.h"
bool rangeset_contains_singleton(struct rangeset *r, unsigned long s);

#define gprintk(lvl, fmt, ...) \
    snprintf(fake.log, sizeof(fake.log), lvl fmt, ##__VA_ARGS__)

/* Guest handles of the public header: p points into fake guest memory. */
int fake_copy_from_guest(void *dst, const void *src, unsigned long off,
                         unsigned long n, size_t size);
#define copy_from_guest_offset(dst, hnd, off, n) \
    fake_copy_from_guest(dst, (hnd).p, off, n, sizeof(*(dst)))

/* ---- the model ---- */

struct fake_entry {
    p2m_type_t t;
    p2m_access_t a;
    mfn_t mfn;
    bool super;         /* part of a 2M mapping */
    bool spp, w;        /* as the patched EPT code sets them */
};

/* The page fake_map() gives gfn. */
#define FAKE_MFN(gfn)   _mfn(0x100000UL + (gfn))

#define FAKE_GFNS       (1UL << 20)     /* 4 GB of guest space */

struct fake {
    bool cpu_has_spp, cpu_has_ept;
    bool npt;                           /* SVM with NPT: no EPT, no SPP */
    struct domain d;
    struct p2m_domain p2m;
    struct vcpu v;
    struct pool pool;
    struct page_info *page;             /* [FAKE_POOL_PAGES] */
    struct fake_entry *e;               /* [FAKE_GFNS] */
    struct p2m_domain view;             /* alternate view 0, see below */
    struct fake_entry *view_e;          /* [FAKE_GFNS] */
    struct p2m_domain view1;            /* alternate view 1 */
    struct fake_entry *view1_e;         /* [FAKE_GFNS] */
    unsigned long flushes;              /* flush IPIs, host's or a view's */
    unsigned int atomic;                /* in a context that must not sleep */
    unsigned long splits;               /* superpages split */
    int set_entry_error;                /* next p2m_set_entry() fails */
    bool split_nomem;                   /* every superpage split fails */
    unsigned int alloc_fail_at;         /* this paging alloc fails (1..) */
    unsigned int allocs;                /* paging allocs asked for */
    bool pml;                           /* log-dirty 4K leaves writable */
    unsigned int pool_limit;            /* paging pool pages; 0: all */
    unsigned int paused;
    unsigned long pauses;
    paddr_t spptp;                      /* what every vCPU's VMCS holds */
    unsigned long vcpu_switches;
    const void *bad_lo, *bad_hi;        /* guest reads here fault */
    unsigned int preempt_after;         /* 0: never */
    unsigned int preempt_checks;
    bool crashed;
    char log[256];
    bool ring;                          /* a listener on the monitor ring */
    unsigned int events;                /* events sent */
    bool ring_full;                     /* no slot for a nowait event */
    struct tasklet *tasklet;            /* the one tasklet_init() made */
    unsigned int lost;                  /* nowait events lost */
    bool event_sync;                    /* the last one's */
    vm_event_request_t event;
    unsigned int xmalloc_fail_at;       /* this xmalloc fails (1..) */
    unsigned int xmallocs;              /* rangeset.c's xmallocs */
};

extern struct fake fake;
extern int fake_percpu_mm_lock_level;

/*
 * What every path must leave behind: no mm lock held, and in each p2m no
 * raised defer_flush and no flush pending.  NULL when so; else what is not.
 */
const char *fake_locks_left(void);
/* Abort, naming what and why, unless the caller could sleep here. */
void fake_assert_may_sleep(const char *what);

void fake_init(void);
/* Run the domain's SPP tasklet if it is scheduled; whether it ran. */
bool fake_run_tasklet(void);
void fake_fini(void);
/* Map gfns [first, first + n) as type t; 512-aligned runs as superpages. */
void fake_map(unsigned long first, unsigned long n, p2m_type_t t, bool super);
/*
 * Turn altp2m on with one view, 4K entries only, which the vCPU runs on;
 * fake_view_map() gives gfn mfn in it, as the host's leaf (access a).
 */
void fake_view_init(void);
void fake_view_map(unsigned long gfn, mfn_t mfn, p2m_access_t a);
/* A second view, at index 1, and fake_view_map() for either. */
void fake_view1_init(void);
void fake_view_map_in(struct p2m_domain *view, unsigned long gfn, mfn_t mfn,
                      p2m_access_t a);

/* The interface under test: the patched tree's asm/spp.h. */
#include "spp.h"

#endif /* SPP_TEST_EMUL_P2M_H */
