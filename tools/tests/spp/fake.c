/* SPDX-License-Identifier: GPL-2.0-only */
/* The model of the hypervisor around p2m-spp.c: see emul-p2m.h. */
#include <assert.h>
#include <string.h>

#include "emul-p2m.h"

struct fake fake;

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

    (void)d;
    if ( mfn_eq(mfn, INVALID_MFN) )
        return NULL;
    if ( fake.pool_limit && fake.pool.in_use > fake.pool_limit )
    {
        pool_ops.free_page(&fake.pool, mfn);
        return NULL;
    }
    pg = mfn_to_page(mfn);
    pg->tlbflush_timestamp = 0xdead;    /* whatever a pool page holds */

    return pg;
}

static void paging_free_page(struct domain *d, struct page_info *pg)
{
    (void)d;
    /* A table may go only once no processor can still walk into it. */
    assert(!fake.p2m.need_flush);
    pool_ops.free_page(&fake.pool, page_to_mfn(pg));
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
    assert(fake.locked);
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

/* The host's lock, then a view's, never the other way round. */
void p2m_lock(struct p2m_domain *p2m)
{
    if ( is_view(p2m) )
    {
        assert(!fake.view_locked);
        fake.view_locked = true;
        return;
    }
    assert(!fake.locked && !fake.view_locked);
    fake.locked = true;
}

void p2m_unlock(struct p2m_domain *p2m)
{
    bool *held = is_view(p2m) ? &fake.view_locked : &fake.locked;

    assert(*held);
    *held = false;
}

bool p2m_locked_by_me(const struct p2m_domain *p2m)
{
    return is_view(p2m) ? fake.view_locked : fake.locked;
}

void ept_sync_domain(struct p2m_domain *p2m)
{
    if ( p2m->defer_flush )
        p2m->need_flush = true;
    else if ( is_view(p2m) )
        fake.view_flushes++;
    else
        fake.flushes++;
}

void p2m_tlb_flush_sync(struct p2m_domain *p2m)
{
    if ( p2m->need_flush )
    {
        p2m->need_flush = false;
        fake.flushes++;
    }
}

void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m)
{
    p2m_tlb_flush_sync(p2m);
    p2m_unlock(p2m);
}

/* ept_p2m_type_to_flags()'s W bit of a leaf of type t. */
static bool type_writable(p2m_type_t t, unsigned int page_order)
{
    return t == p2m_ram_rw || t == p2m_grant_map_rw ||
           t == p2m_map_foreign || t == p2m_mmio_direct ||
           (t == p2m_ram_logdirty && fake.pml && !page_order);
}

/*
 * What the patched ept_set_entry() does to the leaves of a 4K or 2M
 * mapping: split a superpage, ask p2m_spp_new_leaf(), write, flush, and
 * end the protection if it said so.
 */
int p2m_set_entry(struct p2m_domain *p2m, gfn_t gfn, mfn_t mfn,
                  unsigned int page_order, p2m_type_t t, p2m_access_t a)
{
    unsigned long g, first = gfn_x(gfn), n = 1UL << page_order;
    struct fake_entry *e = &entries(p2m)[first];
    bool present = e->t != p2m_invalid;
    int rc = fake.set_entry_error;
    enum spp_leaf spp;

    assert(fake.locked && p2m_locked_by_me(p2m));
    assert(!is_view(p2m) || page_order == PAGE_ORDER_4K);
    assert(page_order == PAGE_ORDER_4K || page_order == PAGE_ORDER_2M);
    assert(!(first & (n - 1)));
    if ( rc )
    {
        fake.set_entry_error = 0;
        return rc;                      /* e.g. no memory to split */
    }

    if ( e->super && !page_order )
    {
        for ( g = first & ~511UL; g < (first & ~511UL) + 512; g++ )
            fake.e[g].super = false;
        fake.splits++;
    }

    spp = p2m_spp_new_leaf(p2m, first, page_order,
                           present ? e->mfn : INVALID_MFN, mfn, t);
    for ( g = first; g < first + n; g++ )
    {
        e = &entries(p2m)[g];
        e->t = t;
        e->a = a;
        e->mfn = mfn_eq(mfn, INVALID_MFN) ? mfn
                                          : _mfn(mfn_x(mfn) + g - first);
        e->super = page_order;
        e->spp = spp == SPP_LEAF_CHECKED;
        e->w = type_writable(t, page_order) &&
               spp != SPP_LEAF_CHECKED && spp != SPP_LEAF_PARKED;
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
    return gfn < FAKE_GFNS && entries(p2m)[gfn].spp;
}

/* ---- domain and vCPUs ---- */

void domain_pause(struct domain *d)
{
    (void)d;
    /* Pausing waits for the vCPUs: never with a lock they may spin on. */
    assert(!fake.locked);
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

bool vmx_domain_spp_enabled(const struct domain *d)
{
    (void)d;
    return fake.spptp;
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
    assert(fake.paused);
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
    assert(!fake.locked);
    fake.events++;
    fake.event_sync = sync;
    fake.event = *req;

    return 1;
}

/* ---- set-up ---- */

void fake_init(void)
{
    unsigned int i;

    memset(&fake, 0, sizeof(fake));
    fake.cpu_has_spp = true;
    fake.d.hvm = fake.d.hap = true;
    fake.d.arch.p2m = &fake.p2m;
    fake.d.arch.paging.alloc_page = paging_alloc_page;
    fake.d.arch.paging.free_page = paging_free_page;
    fake.p2m.domain = &fake.d;
    fake.p2m.get_entry = get_entry;
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
    fake.locked = fake.view_locked = true;
    assert(p2m_set_entry(view, _gfn(gfn), mfn, PAGE_ORDER_4K, p2m_ram_rw,
                         a) == 0);
    fake.locked = fake.view_locked = false;
}

void fake_view_map(unsigned long gfn, mfn_t mfn, p2m_access_t a)
{
    fake_view_map_in(&fake.view, gfn, mfn, a);
}

/* ---- allocations of rangeset.c ---- */

bool fake_xmalloc_fails(void)
{
    bool fail = fake.rangeset_nomem;

    fake.rangeset_nomem = false;
    return fail;
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
