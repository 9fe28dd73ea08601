/* SPDX-License-Identifier: GPL-2.0-only */
/* The model of the hypervisor around p2m-spp.c: see emul-p2m.h. */
#include <assert.h>
#include <string.h>

#include "emul-p2m.h"

struct fake fake;
struct vcpu *fake_current = &fake.v;
int fake_percpu_mm_lock_level;

/* ---- one CPU's locks, under Xen's mm-locks.h ---- */

void spin_lock_init(spinlock_t *l)
{
    *l = (spinlock_t){ .recurse_cpu = FAKE_NO_CPU };
}

void spin_lock_recursive(spinlock_t *l)
{
    /* One CPU: a lock held is held by it. */
    assert(l->recurse_cpu == FAKE_NO_CPU || l->recurse_cpu == 0);
    l->recurse_cpu = 0;
    l->recurse_cnt++;
}

void spin_unlock_recursive(spinlock_t *l)
{
    assert(l->recurse_cpu == 0 && l->recurse_cnt);
    if ( !--l->recurse_cnt )
        l->recurse_cpu = FAKE_NO_CPU;
}

void fake_percpu_write_lock(percpu_rwlock_t *l)
{
    /* Taken again, or with a read lock held, it would spin for ever. */
    assert(!l->writer && !l->readers);
    l->writer = true;
}

void fake_percpu_write_unlock(percpu_rwlock_t *l)
{
    assert(l->writer);
    l->writer = false;
}

void fake_percpu_read_lock(percpu_rwlock_t *l)
{
    assert(!l->writer);
    l->readers++;
}

void fake_percpu_read_unlock(percpu_rwlock_t *l)
{
    assert(l->readers);
    l->readers--;
}

static bool p2m_left_clean(const struct p2m_domain *p2m)
{
    return !p2m->domain || (!p2m->defer_flush && !p2m->need_flush &&
                            !p2m->invept_due && !p2m->lock.lock.writer &&
                            !p2m->lock.lock.readers);
}

const char *fake_locks_left(void)
{
    if ( fake_percpu_mm_lock_level )
        return "an mm lock is held";
    if ( fake.d.arch.altp2m_list_lock.lock.recurse_cnt ||
         fake.d.arch.paging.lock.lock.recurse_cnt )
        return "the altp2m list or paging lock is held";
    if ( !p2m_left_clean(&fake.p2m) )
        return "host p2m: locked, defer_flush raised or a flush not sent";
    if ( !p2m_left_clean(&fake.view) || !p2m_left_clean(&fake.view1) )
        return "a view: locked, defer_flush raised or a flush not sent";

    return NULL;
}

void fake_assert_may_sleep(const char *what)
{
    const char *left = fake_locks_left();

    if ( !left && !fake.atomic )
        return;
    fprintf(stderr, "%s called where it must not wait: %s\n", what,
            left ?: "a context that must not sleep");
    abort();
}

/* ---- pages ---- */

struct page_info *fake_mfn_to_page(mfn_t mfn)
{
    assert(mfn_x(mfn) >= FAKE_BASE_MFN &&
           mfn_x(mfn) < FAKE_BASE_MFN + FAKE_POOL_PAGES);
    return &fake.page[mfn_x(mfn) - FAKE_BASE_MFN];
}

mfn_t fake_page_to_mfn(const struct page_info *pg)
{
    return _mfn(FAKE_BASE_MFN + (pg - fake.page));
}

uint64_t *map_domain_page(mfn_t mfn)
{
    return pool_ops.map_page(&fake.pool, mfn);
}

void unmap_domain_page(const void *va)
{
    (void)va;
}

static struct page_info *paging_alloc_page(struct domain *d)
{
    mfn_t mfn = pool_ops.alloc_page(&fake.pool);
    struct page_info *pg;

    /* As hap_alloc_p2m_page(): under the paging lock, after the p2m's. */
    paging_lock(d);
    if ( ++fake.allocs == fake.alloc_fail_at && !mfn_eq(mfn, INVALID_MFN) )
    {
        pool_ops.free_page(&fake.pool, mfn);
        pg = NULL;
    }
    else if ( mfn_eq(mfn, INVALID_MFN) )
        pg = NULL;
    else if ( fake.pool_limit && fake.pool.in_use > fake.pool_limit )
    {
        pool_ops.free_page(&fake.pool, mfn);
        pg = NULL;
    }
    else
    {
        pg = mfn_to_page(mfn);
        pg->tlbflush_timestamp = 0xdead; /* whatever a pool page holds */
    }
    paging_unlock(d);

    return pg;
}

static void paging_free_page(struct domain *d, struct page_info *pg)
{
    /* A table may go only once no processor can still walk into it. */
    assert(!fake.p2m.invept_due && !fake.view.invept_due &&
           !fake.view1.invept_due);
    paging_lock(d);
    pool_ops.free_page(&fake.pool, page_to_mfn(pg));
    paging_unlock(d);
}

/* ---- p2m ---- */

static bool is_view(const struct p2m_domain *p2m)
{
    return p2m == &fake.view || p2m == &fake.view1;
}

static struct fake_entry *entries(const struct p2m_domain *p2m)
{
    if ( p2m == &fake.view1 )
        return fake.view1_e;
    return is_view(p2m) ? fake.view_e : fake.e;
}

/* Either p2m's: with the host's lock held, as every caller in Xen has. */
static mfn_t get_entry(struct p2m_domain *p2m, gfn_t gfn, p2m_type_t *t,
                       p2m_access_t *a, p2m_query_t q,
                       unsigned int *page_order, bool *sve)
{
    const struct fake_entry *e = entries(p2m);

    (void)q, (void)sve;
    /* The host's lock, read or write, as every caller in Xen has. */
    assert(p2m_locked_by_me(&fake.p2m) || fake.p2m.lock.lock.readers);
    if ( gfn_x(gfn) >= FAKE_GFNS || e[gfn_x(gfn)].t == p2m_invalid )
    {
        *t = p2m_invalid;
        *a = p2m_access_n;
        return INVALID_MFN;
    }
    if ( page_order )
        *page_order = e[gfn_x(gfn)].super ? PAGE_ORDER_2M : PAGE_ORDER_4K;
    *t = e[gfn_x(gfn)].t;
    *a = e[gfn_x(gfn)].a;

    return e[gfn_x(gfn)].mfn;
}

/*
 * The IPI of ept_tlb_flush(), counted: to the domain's dirty CPUs, each of
 * which invalidates at its next VM entry the EPTs marked for it, whichever
 * p2m's flush sent it.
 */
static void tlb_flush(struct p2m_domain *p2m)
{
    (void)p2m;
    fake.flushes++;
    fake.p2m.invept_due = fake.view.invept_due = fake.view1.invept_due =
        false;
}

/* What 4.17's p2m-ept.c and p2m.c do. */
void ept_sync_domain(struct p2m_domain *p2m)
{
    p2m->invept_due = true;             /* ept_sync_domain_prepare() */
    if ( p2m->defer_flush )
    {
        p2m->need_flush = true;
        return;
    }
    tlb_flush(p2m);
}

void p2m_tlb_flush_sync(struct p2m_domain *p2m)
{
    if ( p2m->need_flush )
    {
        p2m->need_flush = false;
        p2m->tlb_flush(p2m);
    }
}

void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m)
{
    if ( p2m->need_flush )
    {
        p2m->need_flush = false;
        mm_write_unlock(&p2m->lock);
        p2m->tlb_flush(p2m);
    }
    else
        mm_write_unlock(&p2m->lock);
}

/* ept_p2m_type_to_flags()'s W bit of a leaf of type t. */
static bool type_writable(p2m_type_t t, unsigned int page_order)
{
    return t == p2m_ram_rw || t == p2m_grant_map_rw ||
           t == p2m_map_foreign || t == p2m_mmio_direct ||
           (t == p2m_ram_logdirty && fake.pml && !page_order);
}

/* ept_p2m_type_to_flags()'s W bit after mem_access's restriction. */
static bool access_writable(p2m_access_t a)
{
    return a == p2m_access_w || a == p2m_access_rw || a == p2m_access_wx ||
           a == p2m_access_rwx;
}

/*
 * What the patched ept_set_entry() does to the leaves of a 4K or 2M
 * mapping: split a superpage, ask p2m_spp_new_leaf(), write, flush, and
 * end the protection if it said so.  On an AMD host, what the patched
 * p2m_pt_set_entry() does: the same, with no bit 61 and no access.
 */
int p2m_set_entry(struct p2m_domain *p2m, gfn_t gfn, mfn_t mfn,
                  unsigned int page_order, p2m_type_t t, p2m_access_t a)
{
    unsigned long g, first = gfn_x(gfn), n = 1UL << page_order;
    struct fake_entry *e = &entries(p2m)[first];
    bool present = e->t != p2m_invalid;
    int rc = fake.set_entry_error;
    enum spp_leaf spp;
    bool w;

    assert(p2m_locked_by_me(&fake.p2m) && p2m_locked_by_me(p2m));
    assert(!is_view(p2m) || page_order == PAGE_ORDER_4K);
    assert(page_order == PAGE_ORDER_4K || page_order == PAGE_ORDER_2M);
    assert(!(first & (n - 1)));
    if ( rc )
    {
        fake.set_entry_error = 0;
        return rc;                      /* e.g. no memory to split */
    }

    /* As ept_split_super_page() failing: nothing is written. */
    if ( e->super && !page_order && fake.split_nomem )
        return -ENOMEM;
    if ( e->super && !page_order )
    {
        for ( g = first & ~511UL; g < (first & ~511UL) + 512; g++ )
            fake.e[g].super = false;
        fake.splits++;
    }

    spp = p2m_spp_new_leaf(p2m, first, page_order,
                           present ? e->mfn : INVALID_MFN, mfn, t);
    w = type_writable(t, page_order) && access_writable(a);
    for ( g = first; g < first + n; g++ )
    {
        e = &entries(p2m)[g];
        e->t = t;
        e->a = a;
        e->mfn = mfn_eq(mfn, INVALID_MFN) ? mfn
                                          : _mfn(mfn_x(mfn) + g - first);
        e->super = page_order;
        /* Bit 61 only where type and access would give W (mem_access wins). */
        e->spp = spp == SPP_LEAF_CHECKED && w && !fake.npt;
        e->w = w && spp != SPP_LEAF_CHECKED && spp != SPP_LEAF_PARKED;
    }
    if ( present )
        ept_sync_domain(p2m);
    if ( spp == SPP_LEAF_ENDS )
    {
        assert(!is_view(p2m));
        p2m_spp_end(p2m, first, page_order);
    }

    return 0;
}

bool ept_leaf_has_spp(struct p2m_domain *p2m, unsigned long gfn)
{
    assert(!fake.npt);
    return gfn < FAKE_GFNS && entries(p2m)[gfn].spp;
}

/* ---- domain and vCPUs ---- */

void domain_pause(struct domain *d)
{
    (void)d;
    /* Pausing waits for the vCPUs: never with a lock they may spin on. */
    fake_assert_may_sleep("domain_pause()");
    fake.paused++;
    fake.pauses++;
}

void domain_unpause(struct domain *d)
{
    (void)d;
    assert(fake.paused);
    fake.paused--;
}

void domain_crash(struct domain *d)
{
    (void)d;
    fake.crashed = true;
}

bool hypercall_preempt_check(void)
{
    return fake.preempt_after && !(++fake.preempt_checks % fake.preempt_after);
}

void vmx_domain_enable_spp(struct domain *d, mfn_t root)
{
    (void)d;
    assert(fake.paused && fake.cpu_has_spp);
    fake.spptp = mfn_to_maddr(root);
    fake.vcpu_switches++;
}

void vmx_domain_disable_spp(struct domain *d)
{
    (void)d;
    assert(fake.paused && fake.cpu_has_spp);
    fake.spptp = 0;
    fake.vcpu_switches++;
}

int fake_copy_from_guest(void *dst, const void *src, unsigned long off,
                         unsigned long n, size_t size)
{
    const char *from = (const char *)src + off * size;

    if ( from < (const char *)fake.bad_hi &&
         from + n * size > (const char *)fake.bad_lo )
        return n * size;
    memcpy(dst, from, n * size);

    return 0;
}

int monitor_traps(struct vcpu *v, bool sync, vm_event_request_t *req)
{
    (void)v;
    /* vm_event_claim_slot() sleeps while the ring is full. */
    fake_assert_may_sleep("monitor_traps()");
    fake.events++;
    fake.event_sync = sync;
    fake.event = *req;

    return 1;
}

int vm_event_claim_slot_nosleep(struct domain *d, struct vm_event_domain *ved)
{
    (void)d, (void)ved;
    if ( !fake.ring )
        return -EOPNOTSUPP;
    if ( fake.ring_full )
    {
        fake.lost++;
        return -EBUSY;
    }

    return 0;
}

void vm_event_put_request(struct domain *d, struct vm_event_domain *ved,
                          vm_event_request_t *req)
{
    (void)d, (void)ved;
    assert(fake.ring && !fake.ring_full);
    fake.events++;
    fake.event_sync = false;
    fake.event = *req;
}

void tasklet_init(struct tasklet *t, void (*func)(void *), void *data)
{
    *t = (struct tasklet){ .func = func, .data = data };
    fake.tasklet = t;
}

void tasklet_schedule(struct tasklet *t)
{
    t->scheduled = true;
}

void tasklet_kill(struct tasklet *t)
{
    t->scheduled = false;
    if ( fake.tasklet == t )
        fake.tasklet = NULL;
}

bool fake_run_tasklet(void)
{
    struct tasklet *t = fake.tasklet;

    if ( !t || !t->scheduled )
        return false;
    /* In Xen's idle vCPU context: no lock held, nothing to wait for. */
    assert(!fake_locks_left());
    t->scheduled = false;
    t->func(t->data);

    return true;
}

/* ---- set-up ---- */

void fake_init(void)
{
    unsigned int i;

    memset(&fake, 0, sizeof(fake));
    fake.cpu_has_spp = fake.cpu_has_ept = true;
    fake.d.hvm = fake.d.hap = true;
    fake.d.arch.p2m = &fake.p2m;
    fake.d.arch.paging.alloc_page = paging_alloc_page;
    fake.d.arch.paging.free_page = paging_free_page;
    fake.p2m.domain = &fake.d;
    fake.p2m.get_entry = get_entry;
    fake.p2m.tlb_flush = tlb_flush;
    mm_rwlock_init(&fake.p2m.lock);
    mm_lock_init(&fake.d.arch.altp2m_list_lock);
    mm_lock_init(&fake.d.arch.paging.lock);
    fake_percpu_mm_lock_level = 0;
    fake.v.domain = &fake.d;
    pool_init(&fake.pool, FAKE_BASE_MFN, FAKE_POOL_PAGES);
    fake.page = calloc(FAKE_POOL_PAGES, sizeof(*fake.page));
    fake.e = calloc(FAKE_GFNS, sizeof(*fake.e));
    fake.view_e = calloc(FAKE_GFNS, sizeof(*fake.view_e));
    fake.view1_e = calloc(FAKE_GFNS, sizeof(*fake.view1_e));
    assert(fake.page && fake.e && fake.view_e && fake.view1_e);
    for ( i = 0; i < MAX_ALTP2M; i++ )
        fake.d.arch.altp2m_eptp[i] = mfn_x(INVALID_MFN);
}

/* View idx of the domain is view, with EPTP eptp. */
static void view_init(struct p2m_domain *view, unsigned int idx,
                      uint64_t eptp)
{
    view->domain = &fake.d;
    view->get_entry = get_entry;
    view->tlb_flush = tlb_flush;
    mm_rwlock_init(&view->lock);
    fake.d.arch.altp2m_p2m[idx] = view;
    fake.d.arch.altp2m_eptp[idx] = eptp;
}

void fake_view_init(void)
{
    view_init(&fake.view, 0, 0x1234000);
    fake.d.arch.altp2m_active = true;
    fake.v.p2midx = 0;
}

void fake_view1_init(void)
{
    view_init(&fake.view1, 1, 0x1235000);
}

void fake_view_map_in(struct p2m_domain *view, unsigned long gfn, mfn_t mfn,
                      p2m_access_t a)
{
    p2m_lock(&fake.p2m);
    p2m_lock(view);
    assert(p2m_set_entry(view, _gfn(gfn), mfn, PAGE_ORDER_4K, p2m_ram_rw,
                         a) == 0);
    p2m_unlock(view);
    p2m_unlock(&fake.p2m);
}

void fake_view_map(unsigned long gfn, mfn_t mfn, p2m_access_t a)
{
    fake_view_map_in(&fake.view, gfn, mfn, a);
}

/* ---- allocations of rangeset.c ---- */

bool fake_xmalloc_fails(void)
{
    return ++fake.xmallocs == fake.xmalloc_fail_at;
}

void fake_fini(void)
{
    pool_destroy(&fake.pool);
    free(fake.page);
    free(fake.e);
    free(fake.view_e);
    free(fake.view1_e);
}

void fake_map(unsigned long first, unsigned long n, p2m_type_t t, bool super)
{
    unsigned long g;

    for ( g = first; g < first + n; g++ )
    {
        fake.e[g].t = t;
        fake.e[g].a = p2m_access_rwx;
        fake.e[g].mfn = FAKE_MFN(g);
        fake.e[g].super = super;
        fake.e[g].spp = false;
        fake.e[g].w = t == p2m_ram_rw;
        if ( g > fake.p2m.max_mapped_pfn )
            fake.p2m.max_mapped_pfn = g;
    }
}
