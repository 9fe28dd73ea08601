/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arch/x86/mm/p2m-spp.c: EPT-based Sub-Page write Permissions (SPP).
 *
 * A write to a 4K page whose EPT leaf is read-only and has bit 61 set is
 * checked by the processor against the domain's SPP table (SPPT): the
 * write goes ahead when the L1E allows its 128-byte sub-page, and is an
 * ordinary EPT violation otherwise.
 *
 * Ownership and locking:
 *  - The SPPT belongs to the host p2m (p2m->spp) and is changed only with
 *    the host p2m lock held.  Its pages come from the domain's paging pool,
 *    so they are accounted and bounded like EPT pages, and are freed in the
 *    preemptible paging teardown.
 *  - The SPPT's root is allocated, and every vCPU given its address
 *    (SPPTP) and secondary control bit 23, when the domain first protects
 *    a page; both are undone when the last protection goes.  These steps
 *    run with the domain paused: writing another vCPU's VMCS pauses it,
 *    which must not happen while holding a lock that vCPU may spin on.
 *
 * Invariants, with the host p2m lock held:
 *  - An EPT leaf of the host p2m has bit 61 set if and only if it is a 4K
 *    p2m_ram_rw leaf whose gfn has an L1E in the SPPT (ept_set_entry()
 *    and the type recalculation ask p2m_spp_new_leaf()).  A leaf with
 *    bit 61 is read-only.  Log-dirty parks the bit (the leaf stays
 *    read-only) and p2m_ram_rw re-arms it; any other change of the gfn's
 *    type or page drops its L1E (p2m_spp_end()).
 *  - Tables are freed only after bit 61 has left the leaves that led to
 *    them and the EPT has been flushed, so the processor never walks a
 *    freed table.
 *
 * AMD's nested page tables (p2m-pt.c) have no bit 61, and the processor
 * no SPP: sub-pages are protected in software only (p2m_spp_in_software()),
 * a protected gfn's 4K p2m_ram_rw leaf is read-only, and its log-dirty
 * leaf parks the protection as EPT's does.  They have no alternate views.
 *
 * Alternate p2m views share the SPPT: every vCPU has the one SPPTP,
 * whatever EPT it runs on.  A view's 4K leaf carries bit 61 when the host
 * protects its gfn and the view maps the host's page there; a view never
 * ends a protection.  Setting or removing a protection re-sets the gfn in
 * each view with the view's own mapping (its access, its remaps), rather
 * than the host's, and the views' EPTs are flushed with the host's.
 *
 * The hardware has one SPPT, so a view cannot have its own map; it can be
 * exempt for a gfn instead (HVMOP_set_subpage_exempt): its leaf then has
 * no bit 61 and the view's own write permission, whatever the host
 * protects.  Exemptions are a view's, kept per view index in a rangeset;
 * they survive the view's resets and go when the view is destroyed.
 */

#include <xen/domain_page.h>
#include <xen/guest_access.h>
#include <xen/iommu.h>
#include <xen/monitor.h>
#include <xen/nospec.h>
#include <xen/rangeset.h>
#include <xen/sched.h>
#include <xen/tasklet.h>
#include <xen/vm_event.h>
#include <asm/altp2m.h>
#include <asm/event.h>
#include <asm/p2m.h>
#include <asm/spp.h>
#include <asm/vm_event.h>
#include <asm/hvm/nestedhvm.h>
#include <asm/hvm/svm/svm.h>
#include <asm/hvm/vmx/vmcs.h>
#include <asm/hvm/vmx/vmx.h>
#include <public/hvm/hvm_op.h>
#include <public/vm_event.h>

#include "mm-locks.h"
#include "sppt.h"

/* Entries set under one p2m lock, and so one EPT flush. */
#define SPP_BATCH_CHUNK 64

struct p2m_spp {
    struct sppt sppt;
    /* A gfn being unprotected: EPT leaves see it as unprotected already. */
    gfn_t leaving;
    /* The host leaf is being re-set for SPP: not a change for the views. */
    bool resetting;
    /* Per altp2m view index: the gfns it is exempt for. */
    struct rangeset *exempt[MAX_ALTP2M];
    /* Protections ended by a p2m change, to report (spp_report_ended()). */
    struct rangeset *ended;
    struct tasklet ended_tasklet;
    /*
     * While a batch chunk runs: the gfns it unprotected, whose leaves have
     * lost bit 61 but whose L1Es wait for the chunk's one synchronous EPT
     * flush (spp_drop_removed()).
     */
    bool batching;
    unsigned int nr_removed;
    gfn_t removed[SPP_BATCH_CHUNK];
    /* Statistics (HVMOP_get_subpage_stats). */
    unsigned long write_violations;
    unsigned long emulated_writes;      /* software path or spanning */
    unsigned long miss_exits;           /* SPP-induced VM exits (66) */
    unsigned long misconfig_exits;
    /* The last miss with the path in place: which vCPU, where, how often. */
    unsigned int stale_vcpu;
    paddr_t stale_gpa;
    unsigned int stale_repeats;
};

/* ---- SPPT pages from the paging pool ---- */

static mfn_t cf_check spp_alloc_page(void *ctx)
{
    struct domain *d = ctx;
    struct page_info *pg = d->arch.paging.alloc_page(d);

    return pg ? page_to_mfn(pg) : INVALID_MFN;
}

static void cf_check spp_free_page(void *ctx, mfn_t mfn)
{
    struct domain *d = ctx;

    d->arch.paging.free_page(d, mfn_to_page(mfn));
}

static uint64_t *cf_check spp_map_page(void *ctx, mfn_t mfn)
{
    return map_domain_page(mfn);
}

static void cf_check spp_unmap_page(void *ctx, uint64_t *table)
{
    unmap_domain_page(table);
}

/*
 * The entries in use in a table are counted in its struct page_info: the
 * page has no owner and never gets a type, so its TLB-flush timestamp
 * (which matters only to free pages and to type changes) is unused.
 */
static unsigned int cf_check spp_get_used(void *ctx, mfn_t mfn)
{
    return mfn_to_page(mfn)->tlbflush_timestamp;
}

static void cf_check spp_set_used(void *ctx, mfn_t mfn, unsigned int used)
{
    mfn_to_page(mfn)->tlbflush_timestamp = used;
}

static const struct sppt_ops spp_pool_ops = {
    .alloc_page = spp_alloc_page,
    .free_page  = spp_free_page,
    .map_page   = spp_map_page,
    .unmap_page = spp_unmap_page,
    .get_used   = spp_get_used,
    .set_used   = spp_set_used,
};

/* ---- switching SPP on and off for a domain ---- */

/*
 * Without the processor's SPP (none has it yet, "ept=spp=0", or AMD's
 * nested page tables), Xen checks the writes itself.  A protected EPT leaf
 * is read-only and carries bit 61 all the same, which the processor then
 * ignores; a protected NPT leaf is read-only.  Every write to the page
 * faults, and p2m_spp_write_violation() judges it as it judges a write the
 * processor could not (SPP_VIOLATION_SPAN): an allowed sub-page's write is
 * emulated, a denied one is a violation like the processor's.
 */
bool p2m_spp_available(void)
{
    return cpu_has_vmx_ept || cpu_has_svm_npt;
}

bool p2m_spp_in_software(void)
{
    return !cpu_has_vmx_spp;
}

/*
 * Does d protect sub-pages now (spp_switch_on())?  Stable while one of d's
 * vCPUs runs: switching SPP on or off pauses the domain.
 */
bool p2m_spp_enabled(struct domain *d)
{
    const struct p2m_spp *spp = p2m_get_hostp2m(d)->spp;

    return spp && !mfn_eq(spp->sppt.root, INVALID_MFN);
}

/*
 * A protected page's EPT leaf is read-only: an IOMMU that shares the EPT
 * would fail every device write to the page, allowed sub-pages or not.
 * Not with nested HVM either, as altp2m: the SPPTP would be written to the
 * vmcs02 of a vCPU running L2, and L2's GPAs are not the domain's.
 */
bool p2m_spp_supported(const struct domain *d)
{
    return p2m_spp_available() && is_hvm_domain(d) && hap_enabled(d) &&
           !iommu_use_hap_pt(d) && !nestedhvm_enabled(d);
}

static bool spp_in_use(const struct p2m_domain *p2m)
{
    return p2m->spp && p2m->spp->sppt.protected;
}

/*
 * A view holds few exemptions (an agent's pages); the limit bounds the
 * memory one toolstack call can take.
 */
#define SPP_EXEMPT_MAX_RANGES 1024

/* The protections a report may be pending for; they merge into ranges. */
#define SPP_ENDED_MAX_RANGES 1024

static void cf_check spp_report_ended(void *data);

static void spp_state_free(struct p2m_spp *spp)
{
    unsigned int i;

    if ( !spp )
        return;
    tasklet_kill(&spp->ended_tasklet);
    if ( spp->ended )
        rangeset_destroy(spp->ended);
    for ( i = 0; i < MAX_ALTP2M; i++ )
        if ( spp->exempt[i] )
            rangeset_destroy(spp->exempt[i]);
    xfree(spp);
}

/* The host p2m's SPP state, with no table yet.  Host p2m locked. */
static int spp_state_alloc(struct p2m_domain *p2m)
{
    struct p2m_spp *spp;
    unsigned int i;

    if ( p2m->spp )
        return 0;

    spp = xzalloc(struct p2m_spp);
    if ( !spp )
        return -ENOMEM;
    tasklet_init(&spp->ended_tasklet, spp_report_ended, p2m->domain);
    spp->ended = rangeset_new(NULL, NULL, 0);
    if ( !spp->ended )
    {
        spp_state_free(spp);
        return -ENOMEM;
    }
    rangeset_limit(spp->ended, SPP_ENDED_MAX_RANGES);
    for ( i = 0; i < MAX_ALTP2M; i++ )
    {
        spp->exempt[i] = rangeset_new(NULL, NULL, 0);
        if ( !spp->exempt[i] )
        {
            spp_state_free(spp);
            return -ENOMEM;
        }
        rangeset_limit(spp->exempt[i], SPP_EXEMPT_MAX_RANGES);
    }
    sppt_init(&spp->sppt, &spp_pool_ops, p2m->domain);
    spp->leaving = INVALID_GFN;
    p2m->spp = spp;

    return 0;
}

/* Give the domain an SPPT root and point every vCPU at it. */
static int spp_switch_on(struct domain *d)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    int rc = 0;

    domain_pause(d);
    p2m_lock(p2m);

    /* See spp_set_locked(). */
    if ( d->is_dying )
    {
        rc = -EINVAL;
        goto out;
    }

    rc = spp_state_alloc(p2m);
    if ( !rc && !p2m_spp_enabled(d) )
    {
        rc = sppt_alloc_root(&p2m->spp->sppt);
        if ( !rc && !p2m_spp_in_software() )
            vmx_domain_enable_spp(d, p2m->spp->sppt.root);
    }

 out:
    p2m_unlock(p2m);
    domain_unpause(d);

    return rc;
}

/* Undo spp_switch_on() once nothing is protected any more. */
static void spp_switch_off_if_unused(struct domain *d)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);

    domain_pause(d);
    p2m_lock(p2m);

    if ( p2m->spp && !spp_in_use(p2m) && p2m_spp_enabled(d) )
    {
        if ( !p2m_spp_in_software() )
            vmx_domain_disable_spp(d);
        sppt_free_root(&p2m->spp->sppt);
    }

    p2m_unlock(p2m);
    domain_unpause(d);
}

/* ---- one gfn, with the host p2m locked ---- */

bool p2m_spp_protected(struct p2m_domain *p2m, unsigned long gfn)
{
    const struct p2m_spp *spp;
    uint64_t l1e;

    /*
     * One SPPT for the domain; the host p2m's lock guards it: the write
     * lock to change it, the read lock (p2m_spp_emulated_write()) or the
     * write lock to read it.
     */
    if ( !p2m_is_hostp2m(p2m) || !spp_in_use(p2m) )
        return false;

    spp = p2m->spp;

    return gfn != gfn_x(spp->leaving) && !sppt_get(&spp->sppt, gfn, &l1e);
}

/* The EPT the vCPU runs on: an alternate view, or the host p2m. */
static struct p2m_domain *spp_vcpu_p2m(struct vcpu *v)
{
    struct p2m_domain *p2m = altp2m_active(v->domain) ? p2m_get_altp2m(v)
                                                      : NULL;

    return p2m ?: p2m_get_hostp2m(v->domain);
}

/*
 * Does the host protect gfn, with mfn as its page there?  A view that maps
 * another page at gfn (HVMOP_altp2m_change_gfn) is not checked for it.
 * Host p2m locked.
 */
static bool spp_protects_page(struct p2m_domain *host, unsigned long gfn,
                              mfn_t mfn)
{
    p2m_type_t t;
    p2m_access_t a;

    return p2m_spp_protected(host, gfn) &&
           mfn_eq(mfn, host->get_entry(host, _gfn(gfn), &t, &a, 0, NULL,
                                       NULL));
}

/* The index of an alternate view (MAX_ALTP2M when p2m is none). */
static unsigned int spp_view_index(const struct p2m_domain *p2m)
{
    const struct domain *d = p2m->domain;
    unsigned int i;

    for ( i = 0; i < MAX_ALTP2M; i++ )
        if ( d->arch.altp2m_p2m[i] == p2m )
            break;

    return i;
}

static bool spp_view_exempt(const struct p2m_domain *host,
                            const struct p2m_domain *view, unsigned long gfn)
{
    unsigned int idx = spp_view_index(view);

    return host->spp && idx < MAX_ALTP2M &&
           rangeset_contains_singleton(host->spp->exempt[idx], gfn);
}

/*
 * Is gfn SPP-checked in a view that maps mfn there?  When the host
 * protects gfn with that page, and the view is not exempt for it.  Host
 * p2m locked.
 */
static bool spp_view_checks(struct p2m_domain *view, unsigned long gfn,
                            mfn_t mfn)
{
    struct p2m_domain *host = p2m_get_hostp2m(view->domain);

    return spp_protects_page(host, gfn, mfn) &&
           !spp_view_exempt(host, view, gfn);
}

/* Is gfn SPP-checked in p2m, the host's or a view?  Host p2m locked. */
static bool spp_checked_in(struct p2m_domain *p2m, unsigned long gfn)
{
    struct p2m_domain *host = p2m_get_hostp2m(p2m->domain);
    p2m_type_t t;
    p2m_access_t a;

    if ( p2m == host )
        return p2m_spp_protected(host, gfn);

    return spp_view_checks(p2m, gfn,
                           p2m->get_entry(p2m, _gfn(gfn), &t, &a, 0, NULL,
                                          NULL));
}

/*
 * A view's pending flush, given to the host p2m (locked by the caller):
 * the flush of either is the same IPI to the domain's dirty CPUs, each of
 * which then invalidates every EPT that ept_sync_domain() marked, so one
 * IPI when the host's lock goes covers the host and all views.  View
 * locked.
 */
static void spp_view_flush_with_host(struct p2m_domain *view)
{
    struct p2m_domain *host = p2m_get_hostp2m(view->domain);

    ASSERT(p2m_locked_by_me(host));
    if ( view->need_flush )
    {
        view->need_flush = false;
        host->need_flush = true;
    }
}

/*
 * Re-set gfn in a view that maps it, with the view's own frame, type and
 * access, so that its ept_set_entry() gives the leaf bit 61, or takes it
 * away (p2m_spp_new_leaf()); the view is flushed with the host.  A
 * superpage there is split, or with !split left alone.  Host p2m and
 * altp2m list locked.
 */
static int spp_reset_view(struct p2m_domain *view, gfn_t gfn, bool split)
{
    p2m_type_t t;
    p2m_access_t a;
    unsigned int order;
    mfn_t mfn;
    int rc = 0;

    p2m_lock(view);
    mfn = view->get_entry(view, gfn, &t, &a, 0, &order, NULL);
    if ( mfn_valid(mfn) && (split || order == PAGE_ORDER_4K) )
        rc = p2m_set_entry(view, gfn, mfn, PAGE_ORDER_4K, t, a);
    spp_view_flush_with_host(view);
    p2m_unlock(view);

    return rc;
}

static bool spp_view_exists(const struct domain *d, unsigned int idx)
{
    return d->arch.altp2m_eptp[idx] != mfn_x(INVALID_MFN);
}

/*
 * spp_reset_view() in every view.  Protecting splits a superpage; ending a
 * protection leaves it alone (it has no bit 61 to take away), so that it
 * needs no memory.  Host p2m locked.
 */
static int spp_reset_views(struct p2m_domain *host, gfn_t gfn, bool split)
{
    struct domain *d = host->domain;
    unsigned int i;
    int rc = 0;

    if ( !altp2m_active(d) )
        return 0;

    altp2m_list_lock(d);
    for ( i = 0; i < MAX_ALTP2M && !rc; i++ )
        if ( spp_view_exists(d, i) )
            rc = spp_reset_view(d->arch.altp2m_p2m[i], gfn, split);
    altp2m_list_unlock(d);

    return rc;
}

/*
 * An SPPT entry changed in place: flush the host's EPT and the views',
 * with one IPI when the host's lock goes.  Host p2m locked.
 */
static void spp_flush_all(struct p2m_domain *host)
{
    struct domain *d = host->domain;
    unsigned int i;

    ept_sync_domain(host);
    if ( !altp2m_active(d) )
        return;

    altp2m_list_lock(d);
    for ( i = 0; i < MAX_ALTP2M; i++ )
        if ( spp_view_exists(d, i) )
        {
            struct p2m_domain *view = d->arch.altp2m_p2m[i];

            p2m_lock(view);
            ept_sync_domain(view);
            spp_view_flush_with_host(view);
            p2m_unlock(view);
        }
    altp2m_list_unlock(d);
}

/* For ept_set_entry(): is the host's leaf being re-set for SPP only? */
bool p2m_spp_resetting(const struct p2m_domain *p2m)
{
    return p2m->spp && p2m->spp->resetting;
}

/*
 * Re-set gfn's mapping at 4K (type t: p2m_ram_rw, or log-dirty), in the
 * host and the views: ept_set_entry() sets or clears bit 61 (and W) as
 * p2m_spp_new_leaf() says.  Protecting splits a superpage holding gfn,
 * which may fail for want of memory; ending a protection re-sets 4K leaves
 * only (a superpage has no bit 61), which needs none and cannot fail so.
 */
static int spp_reset_leaf(struct p2m_domain *p2m, gfn_t gfn, mfn_t mfn,
                          p2m_type_t t, p2m_access_t a, bool protect)
{
    p2m_type_t ot;
    p2m_access_t oa;
    unsigned int order = PAGE_ORDER_4K;
    int rc = 0;

    if ( !protect )
        p2m->get_entry(p2m, gfn, &ot, &oa, 0, &order, NULL);
    if ( order == PAGE_ORDER_4K )
    {
        p2m->spp->resetting = true;
        rc = p2m_set_entry(p2m, gfn, mfn, PAGE_ORDER_4K, t, a);
        p2m->spp->resetting = false;
    }

    return rc ?: spp_reset_views(p2m, gfn, protect);
}

/*
 * In a batch chunk, gfn's L1E goes (and with it, maybe, SPPT tables) when
 * the chunk's removals are dropped together after one synchronous flush,
 * not after a flush of its own.  Until then the L1E stays in use, and so
 * gfn counts as protected, but only to the p2m lock's holder.
 */
static int spp_defer_removal(struct p2m_spp *spp, gfn_t gfn)
{
    unsigned int i;

    for ( i = 0; i < spp->nr_removed; i++ )
        if ( gfn_eq(spp->removed[i], gfn) )
            return 0;

    ASSERT(spp->nr_removed < ARRAY_SIZE(spp->removed));
    spp->removed[spp->nr_removed++] = gfn;

    return 0;
}

/*
 * The L1Es of the gfns spp_defer_removal() kept, once no EPT leaf in any
 * TLB can lead to them.  p2m locked.
 */
static void spp_drop_removed(struct p2m_domain *p2m)
{
    struct p2m_spp *spp = p2m->spp;
    unsigned int i;

    if ( !spp || !spp->nr_removed )
        return;

    p2m_tlb_flush_sync(p2m);
    for ( i = 0; i < spp->nr_removed; i++ )
    {
        int rc = sppt_unprotect(&spp->sppt, gfn_x(spp->removed[i]));

        ASSERT(!rc);
    }
    spp->nr_removed = 0;
}

static int spp_unprotect(struct p2m_domain *p2m, gfn_t gfn, mfn_t mfn,
                         p2m_type_t t, p2m_access_t a)
{
    struct p2m_spp *spp = p2m->spp;
    int rc;

    /* Bit 61 leaves the leaves, and the EPTs are flushed, before any table. */
    spp->leaving = gfn;
    rc = spp_reset_leaf(p2m, gfn, mfn, t, a, false);
    spp->leaving = INVALID_GFN;
    if ( rc )
        return rc;
    if ( spp->batching )
        return spp_defer_removal(spp, gfn);
    p2m_tlb_flush_sync(p2m);

    return sppt_unprotect(&spp->sppt, gfn_x(gfn));
}

static int spp_protect(struct p2m_domain *p2m, gfn_t gfn, mfn_t mfn,
                       p2m_type_t t, p2m_access_t a, uint32_t map)
{
    struct p2m_spp *spp = p2m->spp;
    int rc;

    /* The L1E first: the leaf's bit 61 must find it. */
    rc = sppt_protect(&spp->sppt, gfn_x(gfn), spp_map_to_l1e(map));
    if ( rc )
        return rc;

    rc = spp_reset_leaf(p2m, gfn, mfn, t, a, true);
    if ( rc )
        /*
         * A split failed for want of memory, in the host or in a view:
         * take bit 61 from the leaves that have it (which cannot fail so)
         * and the L1E with it.
         */
        spp_unprotect(p2m, gfn, mfn, t, a);

    return rc;
}

static bool spp_ram(p2m_type_t t)
{
    return t == p2m_ram_rw || t == p2m_ram_logdirty;
}

static int spp_set_locked(struct p2m_domain *p2m, gfn_t gfn, uint32_t map)
{
    struct p2m_spp *spp = p2m->spp;
    p2m_type_t t;
    p2m_access_t a;
    uint64_t l1e;
    mfn_t mfn;
    int rc;

    /*
     * A dying domain's SPPT is freed by p2m_spp_teardown(), with the p2m
     * locked, after is_dying is set: seen here, the tables may be gone and
     * nothing must be allocated for them again.
     */
    if ( p2m->domain->is_dying )
        return -EINVAL;

    if ( gfn_x(gfn) > p2m->max_mapped_pfn )
        return -EINVAL;

    mfn = p2m->get_entry(p2m, gfn, &t, &a, 0, NULL, NULL);
    if ( !spp_ram(t) || !mfn_valid(mfn) )
        return -EINVAL;

    if ( !spp || sppt_get(&spp->sppt, gfn_x(gfn), &l1e) )
    {
        /* Not protected yet. */
        if ( map == SPP_MAP_ALL_WRITABLE )
            return 0;
        if ( !spp || !p2m_spp_enabled(p2m->domain) )
            return -EAGAIN;       /* switched off meanwhile */
        return spp_protect(p2m, gfn, mfn, t, a, map);
    }

    if ( map == SPP_MAP_ALL_WRITABLE )
        return spp_unprotect(p2m, gfn, mfn, t, a);

    rc = sppt_update(&spp->sppt, gfn_x(gfn), spp_map_to_l1e(map));
    /*
     * The leaves are unchanged, but the processor may cache the L1E.  Not
     * on the software path: no processor reads the table, and Xen judges
     * every write against it with the p2m locked.
     */
    if ( !rc && !p2m_spp_in_software() )
        spp_flush_all(p2m);

    return rc;
}

int p2m_set_subpage(struct domain *d, gfn_t gfn, uint32_t map)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    bool unused;
    int rc;

    do {
        if ( map != SPP_MAP_ALL_WRITABLE && !p2m_spp_enabled(d) &&
             (rc = spp_switch_on(d)) )
            return rc;

        p2m_lock(p2m);
        rc = spp_set_locked(p2m, gfn, map);
        unused = p2m->spp && !spp_in_use(p2m);
        p2m_unlock(p2m);
    } while ( rc == -EAGAIN );

    if ( unused && p2m_spp_enabled(d) )
        spp_switch_off_if_unused(d);

    return rc;
}

static void spp_batching(struct p2m_domain *p2m, bool on)
{
    if ( !p2m->spp )
        return;
    if ( !on )
        spp_drop_removed(p2m);
    p2m->spp->batching = on;
}

/*
 * Up to SPP_BATCH_CHUNK entries from *done on.  They are copied in first:
 * no guest memory is read with the p2m lock held.  The removals among
 * them share one synchronous flush: each is finished before an entry that
 * protects (which may split a superpage holding a gfn still removed only
 * in part), and at the end.
 */
static int spp_set_chunk(struct domain *d,
                         XEN_GUEST_HANDLE_64(const_uint64) gfns,
                         XEN_GUEST_HANDLE_64(const_uint32) maps,
                         uint32_t nr, uint32_t *done, uint64_t *failed_gfn)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    unsigned int i, n = min_t(uint32_t, nr - *done, SPP_BATCH_CHUNK);
    uint64_t gfn[SPP_BATCH_CHUNK];
    uint32_t map[SPP_BATCH_CHUNK];
    int rc = 0;

    if ( copy_from_guest_offset(gfn, gfns, *done, n) ||
         copy_from_guest_offset(map, maps, *done, n) )
        return -EFAULT;

    /* p2m_lock() defers flushes until p2m_unlock(). */
    p2m_lock(p2m);
    spp_batching(p2m, true);

    for ( i = 0; i < n; i++, (*done)++ )
    {
        if ( map[i] != SPP_MAP_ALL_WRITABLE )
            spp_drop_removed(p2m);
        rc = spp_set_locked(p2m, _gfn(gfn[i]), map[i]);
        if ( rc )
        {
            if ( rc != -EAGAIN )
                *failed_gfn = gfn[i];
            break;
        }
    }

    spp_batching(p2m, false);
    p2m_unlock(p2m);

    return rc;
}

int p2m_set_subpage_batch(struct domain *d,
                          struct xen_hvm_subpage_batch *op)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    int rc = 0;

    if ( op->nr > XEN_SUBPAGE_BATCH_MAX )
        return -E2BIG;
    if ( op->pad || op->pad2 || op->done > op->nr )
        return -EINVAL;

    op->failed_gfn = XEN_SUBPAGE_INVALID_GFN;

    while ( op->done < op->nr )
    {
        rc = spp_set_chunk(d, op->gfns, op->maps, op->nr, &op->done,
                           &op->failed_gfn);
        if ( rc == -EAGAIN )
            rc = spp_switch_on(d);      /* and retry gfns[done] */
        if ( rc )
            break;
        if ( op->done < op->nr && hypercall_preempt_check() )
        {
            rc = -ERESTART;
            break;
        }
    }

    if ( p2m->spp && !spp_in_use(p2m) && p2m_spp_enabled(d) )
        spp_switch_off_if_unused(d);

    return rc;
}

int p2m_get_subpage(struct domain *d, gfn_t gfn, uint32_t *map)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    p2m_type_t t;
    p2m_access_t a;
    uint64_t l1e;
    mfn_t mfn;
    int rc = 0;

    p2m_lock(p2m);

    mfn = p2m->get_entry(p2m, gfn, &t, &a, 0, NULL, NULL);
    if ( !spp_ram(t) || !mfn_valid(mfn) )
        rc = -EINVAL;
    else if ( !p2m->spp || sppt_get(&p2m->spp->sppt, gfn_x(gfn), &l1e) )
        *map = SPP_MAP_ALL_WRITABLE;
    else
        rc = spp_l1e_to_map(l1e, map);

    p2m_unlock(p2m);

    return rc;
}

/* ---- the p2m changing under a protected gfn ---- */

static bool spp_range_protected(struct p2m_domain *p2m, unsigned long gfn,
                                unsigned int order)
{
    unsigned long end = gfn + (1UL << order);

    return p2m_is_hostp2m(p2m) && spp_in_use(p2m) &&
           sppt_next_protected(&p2m->spp->sppt, gfn, end) < end;
}

/*
 * Protection is of one page of RAM, so it survives only the same 4K page
 * staying RAM.  Log-dirty parks it: the leaf stays read-only even where
 * PML would let it be written, so that a write faults, is logged, and
 * turns the page back into p2m_ram_rw with bit 61.  Any other type,
 * another page, removal or a superpage over the gfn ends the protection.
 */
enum spp_leaf p2m_spp_new_leaf(struct p2m_domain *p2m, unsigned long gfn,
                               unsigned int order, mfn_t old_mfn, mfn_t mfn,
                               p2m_type_t t)
{
    bool ram = !order && (t == p2m_ram_rw || t == p2m_ram_logdirty);

    /*
     * A view: checked where it shows the host's page and is not exempt;
     * it ends nothing.
     */
    if ( p2m_is_altp2m(p2m) )
    {
        if ( !ram || !spp_view_checks(p2m, gfn, mfn) )
            return SPP_LEAF_NONE;
    }
    else if ( !ram || !mfn_eq(mfn, old_mfn) )
        return spp_range_protected(p2m, gfn, order) ? SPP_LEAF_ENDS
                                                    : SPP_LEAF_NONE;
    else if ( !p2m_spp_protected(p2m, gfn) )
        return SPP_LEAF_NONE;

    return t == p2m_ram_rw ? SPP_LEAF_CHECKED : SPP_LEAF_PARKED;
}

/*
 * A protection ended without the engine's HVMOP_set_subpage: it is told,
 * from a tasklet, since sending needs locks that may not nest inside the
 * p2m lock (the event channel's).  Host p2m locked.
 */
static void spp_note_ended(struct p2m_domain *p2m, unsigned long gfn)
{
    struct domain *d = p2m->domain;

    if ( !p2m_spp_monitored(d) )
        return;
    if ( rangeset_add_singleton(p2m->spp->ended, gfn) )
        gprintk(XENLOG_G_WARNING,
                "SPP: end of the protection of gfn %#lx not reported\n", gfn);
    else
        tasklet_schedule(&p2m->spp->ended_tasklet);
}

/*
 * The leaves of the 2^order gfns from gfn have been written without bit
 * 61: drop their L1Es, as if HVMOP_set_subpage had made them writable.
 */
void p2m_spp_end(struct p2m_domain *p2m, unsigned long gfn,
                 unsigned int order)
{
    struct sppt *t = &p2m->spp->sppt;
    unsigned long end = gfn + (1UL << order);

    ASSERT(p2m_locked_by_me(p2m));

    /* No processor may still hold a leaf leading to the tables freed. */
    p2m_tlb_flush_sync(p2m);

    for ( gfn = sppt_next_protected(t, gfn, end); gfn < end;
          gfn = sppt_next_protected(t, gfn + 1, end) )
    {
        /* The views lose bit 61 too, and are flushed, before the tables go. */
        p2m->spp->leaving = _gfn(gfn);
        spp_reset_views(p2m, _gfn(gfn), false);
        p2m->spp->leaving = INVALID_GFN;
        p2m_tlb_flush_sync(p2m);
        sppt_unprotect(t, gfn);
        spp_note_ended(p2m, gfn);
    }
}

/* ---- views exempt from SPP for a gfn ---- */

/* Host p2m and altp2m list locked; view idx exists. */
static int spp_set_exempt_locked(struct p2m_domain *host, unsigned int idx,
                                 gfn_t gfn, bool exempt)
{
    struct rangeset *r = host->spp->exempt[idx];
    bool was = rangeset_contains_singleton(r, gfn_x(gfn));
    int rc;

    if ( was == exempt )
        return 0;

    rc = exempt ? rangeset_add_singleton(r, gfn_x(gfn))
                : rangeset_remove_singleton(r, gfn_x(gfn));

    /*
     * A superpage in the view has no bit 61 either way (protecting gfn
     * splits it), so only a 4K leaf is re-set: that allocates nothing.
     */
    return rc ?: spp_reset_view(host->domain->arch.altp2m_p2m[idx], gfn,
                                false);
}

/* Is there a view at index view (from the toolstack)?  altp2m list locked. */
static bool spp_view_valid(const struct domain *d, unsigned int view)
{
    return view < MAX_ALTP2M && altp2m_active(d) &&
           spp_view_exists(d, array_index_nospec(view, MAX_ALTP2M));
}

int p2m_set_subpage_exempt(struct domain *d, unsigned int view, gfn_t gfn,
                           bool exempt)
{
    struct p2m_domain *host = p2m_get_hostp2m(d);
    int rc = -EINVAL;

    p2m_lock(host);
    altp2m_list_lock(d);

    /* A dying domain: see spp_set_locked(). */
    if ( spp_view_valid(d, view) && !d->is_dying &&
         gfn_x(gfn) <= host->max_mapped_pfn &&
         !(rc = spp_state_alloc(host)) )
    {
        view = array_index_nospec(view, MAX_ALTP2M);
        rc = spp_set_exempt_locked(host, view, gfn, exempt);
    }

    altp2m_list_unlock(d);
    p2m_unlock(host);

    return rc;
}

int p2m_get_subpage_exempt(struct domain *d, unsigned int view, gfn_t gfn,
                           bool *exempt)
{
    struct p2m_domain *host = p2m_get_hostp2m(d);
    bool valid;

    p2m_lock(host);
    altp2m_list_lock(d);

    valid = spp_view_valid(d, view);
    if ( valid )
    {
        view = array_index_nospec(view, MAX_ALTP2M);
        *exempt = host->spp &&
                  rangeset_contains_singleton(host->spp->exempt[view],
                                              gfn_x(gfn));
    }

    altp2m_list_unlock(d);
    p2m_unlock(host);

    return valid ? 0 : -EINVAL;
}

static int cf_check spp_drop_range(unsigned long s, unsigned long e,
                                   void *ctxt, unsigned long *consumed)
{
    *consumed = e - s + 1;

    return 0;
}

/*
 * View idx is being destroyed (or altp2m switched off): a view created at
 * its index later starts exempt for nothing.  altp2m list locked, which
 * every change of the exemptions holds too.
 */
void p2m_spp_view_destroyed(struct domain *d, unsigned int idx)
{
    const struct p2m_spp *spp = p2m_get_hostp2m(d)->spp;

    /* Not rangeset_remove_range(, 0, ~0UL): its "e + 1" would wrap. */
    if ( spp )
        rangeset_consume_ranges(spp->exempt[idx], spp_drop_range, NULL);
}

/* ---- statistics ---- */

void p2m_get_subpage_stats(struct domain *d,
                           struct xen_hvm_subpage_stats *stats)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    const struct p2m_spp *spp;

    p2m_lock(p2m);

    spp = p2m->spp;
    stats->protected_pages = spp ? spp->sppt.protected : 0;
    stats->sppt_pages = spp ? spp->sppt.pages : 0;
    stats->write_violations = spp ? spp->write_violations : 0;
    stats->emulated_writes = spp ? spp->emulated_writes : 0;
    stats->flags = p2m_spp_in_software() ? XEN_SUBPAGE_SOFTWARE : 0;
    stats->miss_exits = spp ? spp->miss_exits : 0;
    stats->misconfig_exits = spp ? spp->misconfig_exits : 0;

    p2m_unlock(p2m);
}

/*
 * Does access a let a leaf be written, SPP aside?  Where it does not, the
 * leaf has no bit 61 (ept_p2m_type_to_flags()): mem_access's restriction
 * wins, and its violations are mem_access's.
 */
static bool spp_access_writable(p2m_access_t a)
{
    switch ( a )
    {
    case p2m_access_w:
    case p2m_access_rw:
    case p2m_access_wx:
    case p2m_access_rwx:
        return true;

    default:
        return false;
    }
}

/*
 * Is a write to gfn in p2m, the host's or a view, SPP's to judge?  Host
 * p2m locked.
 */
static bool spp_judges_write(struct p2m_domain *p2m, unsigned long gfn)
{
    p2m_type_t t;
    p2m_access_t a;

    p2m->get_entry(p2m, _gfn(gfn), &t, &a, 0, NULL, NULL);

    return spp_access_writable(a) && spp_checked_in(p2m, gfn);
}

/*
 * Does gfn's leaf in p2m, the vCPU's, have every write to gfn judged?  On
 * EPT, when it has bit 61.  AMD's nested page tables have neither bit 61
 * nor views: there a protected gfn's leaf is read-only, and its writes
 * Xen's to judge, exactly when it is p2m_ram_rw (p2m_spp_new_leaf()).
 */
static bool spp_leaf_checked(struct p2m_domain *p2m, unsigned long gfn)
{
    p2m_type_t t;
    p2m_access_t a;

    if ( cpu_has_vmx )
        return ept_leaf_has_spp(p2m, gfn);

    ASSERT(p2m_is_hostp2m(p2m));
    p2m->get_entry(p2m, _gfn(gfn), &t, &a, 0, NULL, NULL);

    return t == p2m_ram_rw;
}

/*
 * A write EPT violation (or nested page fault) at gpa.  On a protected gfn
 * the processor raises one for a write to a write-denied sub-page, and for
 * any write by its page walker (A/D bits in a guest page table), which SPP
 * never allows; without the processor's SPP, for every write.  The first
 * kind is counted as a violation: the guest asked for it; a write Xen is
 * to emulate and judge whole, as an emulated write.
 */
enum spp_violation p2m_spp_write_violation(struct vcpu *v, paddr_t gpa,
                                           bool page_walk)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(v->domain);
    unsigned long gfn = paddr_to_pfn(gpa);
    unsigned int subpage = (gpa & ~PAGE_MASK) >> SPP_SUBPAGE_SHIFT;
    enum spp_violation verdict = SPP_VIOLATION_UNPROTECTED;
    uint64_t l1e;

    p2m_lock(p2m);

    if ( spp_judges_write(spp_vcpu_p2m(v), gfn) &&
         !sppt_get(&p2m->spp->sppt, gfn, &l1e) )
    {
        if ( page_walk )
            verdict = SPP_VIOLATION_PAGE_WALK;
        else if ( l1e & (1ULL << (2 * subpage)) )
            /*
             * The sub-page at gpa may be written.  Only the address of the
             * access is reported: with bit 61 still in the leaf the write
             * may reach into a denied sub-page, so it is emulated and
             * judged whole; without, the translation was stale.
             */
        {
            verdict = spp_leaf_checked(spp_vcpu_p2m(v), gfn)
                      ? SPP_VIOLATION_SPAN : SPP_VIOLATION_STALE;
            if ( verdict == SPP_VIOLATION_SPAN )
                p2m->spp->emulated_writes++;
        }
        else
        {
            verdict = SPP_VIOLATION_DENIED;
            p2m->spp->write_violations++;
        }
    }

    p2m_unlock(p2m);

    return verdict;
}

/*
 * Does an engine take this domain's SPP faults?  Only one that asked for
 * them (XEN_DOMCTL_MONITOR_EVENT_SUBPAGE_WRITE): a listener that knows
 * nothing of MEM_ACCESS_SPP would never answer as these faults need, and
 * leave the vCPU faulting for ever.
 */
bool p2m_spp_monitored(const struct domain *d)
{
    return vm_event_check_ring(d->vm_event_monitor) &&
           d->arch.monitor.subpage_write_enabled;
}

/*
 * The monitor ring's view of a write to a write-denied sub-page at gpa (a
 * mem_access event, marked MEM_ACCESS_SPP): as p2m_mem_access_check()
 * reports a write, which the processor also counts as a read.
 */
void p2m_spp_fill_fault_event(vm_event_request_t *req, paddr_t gpa,
                              unsigned long gla, bool gla_valid)
{
    *req = (vm_event_request_t){
        .reason = VM_EVENT_REASON_MEM_ACCESS,
        .u.mem_access.gfn = paddr_to_pfn(gpa),
        .u.mem_access.offset = gpa & ~PAGE_MASK,
        .u.mem_access.flags = MEM_ACCESS_R | MEM_ACCESS_W | MEM_ACCESS_SPP,
    };
    if ( gla_valid )
    {
        req->u.mem_access.gla = gla;
        req->u.mem_access.flags |= MEM_ACCESS_GLA_VALID |
                                   MEM_ACCESS_FAULT_WITH_GLA;
    }
}

/* ---- a write denied with nobody listening ---- */

/*
 * Xen's rule for mem_access: when the toolstack requires a listener
 * (access_required), the domain is crashed; otherwise the page's
 * protection is lifted, as mem_access lifts a page's restrictions, and
 * the write goes ahead.  The violation has been counted already, and the
 * page leaves the protected pages of the statistics.  Returns whether the
 * write must be dropped.
 */
bool p2m_spp_no_listener(struct vcpu *v, gfn_t gfn)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(v->domain);
    p2m_type_t t;
    p2m_access_t a;
    uint64_t l1e;
    mfn_t mfn;

    if ( p2m->access_required )
    {
        gprintk(XENLOG_INFO,
                "SPP: write to a write-denied sub-page of gfn %#lx with no"
                " vm_event listener\n", gfn_x(gfn));
        domain_crash(v->domain);
        return true;
    }

    p2m_lock(p2m);
    mfn = p2m->get_entry(p2m, gfn, &t, &a, 0, NULL, NULL);
    if ( p2m->spp && !sppt_get(&p2m->spp->sppt, gfn_x(gfn), &l1e) &&
         (t == p2m_ram_rw || t == p2m_ram_logdirty) )
        spp_unprotect(p2m, gfn, mfn, t, a);
    p2m_unlock(p2m);

    return false;
}

/* ---- writes Xen makes for a vCPU ---- */

/* The sub-pages of off .. off + len - 1 that l1e denies. */
static uint32_t spp_denied_subpages(uint64_t l1e, unsigned int off,
                                    unsigned int len)
{
    unsigned int i, last = (off + len - 1) >> SPP_SUBPAGE_SHIFT;
    uint32_t denied = 0;

    for ( i = off >> SPP_SUBPAGE_SHIFT; i <= last; i++ )
        if ( !(l1e & (1ULL << (2 * i))) )
            denied |= 1U << i;

    return denied;
}

/*
 * monitor_traps() for an event that does not pause v, but never waiting
 * for room on the ring: Xen writes guest memory for v with locks held
 * (gnttab_setup_table()) and from context_switch() (the runstate area),
 * where vm_event_claim_slot() must not sleep.  With the ring full the
 * event is lost (and logged); the write is dropped all the same.
 */
static void spp_send_nowait(struct vcpu *v, vm_event_request_t *req)
{
    struct domain *d = v->domain;

    if ( vm_event_claim_slot_nosleep(d, d->vm_event_monitor) )
    {
        gprintk(XENLOG_G_WARNING,
                "SPP: monitor ring full, event for gfn %#"PRIx64" lost\n",
                req->u.mem_access.gfn);
        return;
    }

    req->vcpu_id = v->vcpu_id;
    if ( altp2m_active(d) )
    {
        req->flags |= VM_EVENT_FLAG_ALTERNATE_P2M;
        req->altp2m_idx = altp2m_vcpu_idx(v);
    }
    vm_event_fill_regs(req);
    vm_event_put_request(d, d->vm_event_monitor, req);
}

/*
 * Tell the engine of ended protections (spp_note_ended()), as the emulated
 * writes are told: never waiting for room, and with the ring full or gone
 * the report is lost (and logged).  No vCPU is involved or paused.
 */
static int cf_check spp_send_ended(unsigned long s, unsigned long e,
                                   void *ctxt, unsigned long *consumed)
{
    struct domain *d = ctxt;
    unsigned long gfn;

    for ( gfn = s; gfn <= e; gfn++ )
    {
        vm_event_request_t req = {
            .reason = VM_EVENT_REASON_MEM_ACCESS,
            .u.mem_access.gfn = gfn,
            .u.mem_access.flags = MEM_ACCESS_SPP | MEM_ACCESS_SPP_ENDED,
        };

        if ( vm_event_claim_slot_nosleep(d, d->vm_event_monitor) )
            gprintk(XENLOG_G_WARNING,
                    "SPP: end of the protection of gfn %#lx not reported\n",
                    gfn);
        else
            vm_event_put_request(d, d->vm_event_monitor, &req);
    }
    *consumed = e - s + 1;

    return 0;
}

static void cf_check spp_report_ended(void *data)
{
    struct domain *d = data;

    rangeset_consume_ranges(p2m_get_hostp2m(d)->spp->ended, spp_send_ended,
                            d);
}

/*
 * The x86 emulator, or hvm_copy_to_guest() for a hypercall, is about to
 * write bytes off .. off + len - 1 of gfn (RAM of any type) for the running
 * vCPU v: the sub-pages of that range that SPP denies (bit i for sub-page
 * i), which the caller must not write.  The processor would have raised
 * a write violation: it is counted, and reported to the monitor ring as
 * the processor's is, except that v is not paused: by the time the engine
 * reads the event the write is over, so there is nothing to retry or
 * emulate.  An emulation the engine asked for (VM_EVENT_FLAG_EMULATE)
 * writes regardless, as it does after a processor's violation.
 */
uint32_t p2m_spp_emulated_write(struct vcpu *v, gfn_t gfn, unsigned int off,
                                unsigned int len)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(v->domain);
    vm_event_request_t req;
    uint32_t denied = 0;
    uint64_t l1e;

    if ( !len || !p2m_spp_enabled(v->domain) ||
         (v->arch.vm_event && v->arch.vm_event->emulate_flags &&
          v->arch.vm_event->spp_emulate) )
        return 0;

    /*
     * Every copy Xen makes into an SPP domain's memory asks: the read lock
     * keeps that cheap, and the write lock is for counting a denial.
     */
    p2m_read_lock(p2m);
    if ( spp_checked_in(spp_vcpu_p2m(v), gfn_x(gfn)) &&
         !sppt_get(&p2m->spp->sppt, gfn_x(gfn), &l1e) )
        denied = spp_denied_subpages(l1e, off, len);
    p2m_read_unlock(p2m);

    if ( denied )
    {
        p2m_lock(p2m);
        p2m->spp->write_violations++;
        p2m_unlock(p2m);
    }

    if ( denied && !p2m_spp_monitored(v->domain) )
        return p2m_spp_no_listener(v, gfn) ? denied : 0;

    if ( denied )
    {
        /* The first byte denied, as the processor's GPA would say. */
        off = max(off, (ffs(denied) - 1U) << SPP_SUBPAGE_SHIFT);
        p2m_spp_fill_fault_event(&req, gfn_to_gaddr(gfn) | off, 0, false);
        spp_send_nowait(v, &req);
    }

    return denied;
}

/*
 * Copy len bytes from src (NULL: zeros) to dst, which is at byte off of its
 * page, leaving out the sub-pages in denied.
 */
void p2m_spp_copy_allowed(void *dst, const void *src, unsigned int off,
                          unsigned int len, uint32_t denied)
{
    unsigned int done, n;

    for ( done = 0; done < len; done += n )
    {
        unsigned int at = off + done;

        n = min(len - done, (1U << SPP_SUBPAGE_SHIFT) -
                            (at & ((1U << SPP_SUBPAGE_SHIFT) - 1)));
        if ( denied & (1U << (at >> SPP_SUBPAGE_SHIFT)) )
            continue;
        if ( src )
            memcpy(dst + done, src + done, n);
        else
            memset(dst + done, 0, n);
    }
}

/* ---- SPP-induced VM exits ---- */

/*
 * The processor found no valid path (miss) or a malformed entry
 * (misconfiguration) in the SPPT while checking a write to gpa.  Xen keeps
 * a valid path to every protected gfn, so a miss is either a write that
 * raced with the removal of the protection (the leaf has lost bit 61 by
 * the time the p2m lock is ours: retry the write) or the processor using
 * SPPT state older than the last flush (flush and retry).  Anything else
 * is a bug in Xen's tables, and the domain cannot be run safely.
 */
/*
 * A miss with the path in place comes from the processor using SPPT state
 * older than the last flush.  After the flush that follows it, one vCPU
 * missing again and again at one address means the processor does not
 * read the tables Xen wrote: bounded, so that such a vCPU is not retried
 * for ever.
 */
#define SPP_STALE_MISS_MAX 64

static bool spp_stale_miss_again(struct p2m_spp *spp, const struct vcpu *v,
                                 paddr_t gpa)
{
    if ( spp->stale_vcpu != v->vcpu_id || spp->stale_gpa != gpa )
    {
        spp->stale_vcpu = v->vcpu_id;
        spp->stale_gpa = gpa;
        spp->stale_repeats = 0;
    }

    return ++spp->stale_repeats > SPP_STALE_MISS_MAX;
}

void p2m_spp_handle_exit(struct vcpu *v, paddr_t gpa, bool miss)
{
    struct domain *d = v->domain;
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    unsigned long gfn = paddr_to_pfn(gpa);
    struct p2m_spp *spp;
    unsigned int level = 0;
    uint64_t entry = 0;

    p2m_lock(p2m);

    spp = p2m->spp;
    if ( spp )
    {
        if ( miss )
            spp->miss_exits++;
        else
            spp->misconfig_exits++;
    }

    if ( spp && p2m_spp_enabled(d) )
    {
        level = sppt_walk(&spp->sppt, gfn, &entry);
        if ( miss && !level && !spp_stale_miss_again(spp, v, gpa) )
        {
            spp_flush_all(p2m);             /* stale: the path is there */
            goto out;
        }
    }
    if ( miss && !ept_leaf_has_spp(spp_vcpu_p2m(v), gfn) )
        goto out;                           /* protection removed */

    gprintk(XENLOG_ERR,
            "SPP %s at GPA %#"PRIpaddr": SPPT L%u entry %#"PRIx64"%s\n",
            miss ? "miss" : "misconfiguration", gpa, level, entry,
            miss && !level ? ", path in place, missed again after flushes"
                           : "");
    domain_crash(d);

 out:
    p2m_unlock(p2m);
}

/* ---- teardown ---- */

/*
 * The domain is dying and its vCPUs will not run again, so the tables can
 * go although the VMCSs still hold the root's address.
 */
void p2m_spp_teardown(struct domain *d, bool *preempted)
{
    struct p2m_domain *p2m = p2m_get_hostp2m(d);
    int rc;

    if ( !p2m || !p2m->spp )
        return;

    ASSERT(d->is_dying);

    p2m_lock(p2m);
    do {
        unsigned int budget = 1024;

        rc = sppt_teardown(&p2m->spp->sppt, &budget);
    } while ( rc == -ERESTART && !(preempted && general_preempt_check()) );
    p2m_unlock(p2m);

    if ( rc == -ERESTART )
        *preempted = true;
}

void p2m_spp_free(struct p2m_domain *p2m)
{
    ASSERT(!p2m->spp || !p2m->spp->sppt.pages);
    spp_state_free(p2m->spp);
    p2m->spp = NULL;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
