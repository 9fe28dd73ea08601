/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-subpage monitor: the SPP write faults of a domain, taken from its
 * vm_event monitor ring as tools/misc/xen-access.c takes mem_access
 * events, each reported and answered as fault.c decides.
 *
 * allow-once lifts the map of the faulting page (all writable), lets the
 * vCPU execute its write single-stepping, and restores the map on the
 * single-step event that follows the write, or LIFT_MS later if that event
 * does not come.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xenctrl.h>
#include <xenevtchn.h>

#include "monitor.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A signal that arrives just before poll() is noticed this much later. */
#define WAIT_MS       100
/* Closing: how often, and how long, the vCPUs answered last may run. */
#define CLOSE_ROUNDS  4
#define CLOSE_WAIT_MS 50
/*
 * How long allow-once leaves a page lifted for one write.  The step over
 * one instruction takes microseconds; an event that has not come by then
 * never will (no single steps on this processor, or the vCPU will not
 * run), and the page must not stay open to every write meanwhile.
 */
#define LIFT_MS       100

/* A page whose map allow-once lifted while vcpu steps over its write. */
struct lift {
    uint32_t vcpu;
    uint64_t gfn;
    uint32_t map;               /* the map to put back */
    uint64_t deadline;          /* when to put it back anyway, in now_ms() */
};

struct monitor {
    const struct monitor_opts *o;
    xc_interface *xch;
    FILE *out, *err;

    void *ring_page;            /* mapped, and the ring enabled */
    vm_event_back_ring_t ring;
    xenevtchn_handle *xce;
    evtchn_port_t port;         /* ours, bound to Xen's */
    bool bound, spp_events, singlestep, paused;
    unsigned int nr_restricted; /* profiled gfns whose access is r-x */
    uint64_t deadline;          /* of a profile, in now_ms(); 0: none */

    bool listening;             /* set up, the guest running */
    bool gone;                  /* the domain died: nothing to undo */
    bool closing;               /* no more reports, no more lifts */
    bool failed;                /* said why on err; exit 2 */
    uint64_t answered;          /* faults answered by the policy */
    uint64_t late;              /* faults answered while closing */
    uint64_t foreign;           /* mem_access events not from SPP */
    uint64_t expired;           /* lifts ended by their deadline */

    struct lift *lifts;
    unsigned int nr_lifts, max_lifts;
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

struct saved_signals {
    struct sigaction stop[ARRAY_LEN(stop_signals)];
    struct sigaction pipe;
};

static void catch_signals(struct saved_signals *saved)
{
    /* No SA_RESTART: a signal ends the wait in poll() at once. */
    struct sigaction act = { .sa_handler = on_stop_signal };
    unsigned int i;

    stop_signal = 0;
    sigemptyset(&act.sa_mask);
    for ( i = 0; i < ARRAY_LEN(stop_signals); i++ )
        sigaction(stop_signals[i], &act, &saved->stop[i]);

    /*
     * A reader of the reports that goes away must not kill the monitor
     * while vCPUs wait for its answers: a failed write stops it cleanly.
     */
    act.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &act, &saved->pipe);
}

static void restore_signals(const struct saved_signals *saved)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_LEN(stop_signals); i++ )
        sigaction(stop_signals[i], &saved->stop[i], NULL);
    sigaction(SIGPIPE, &saved->pipe, NULL);
}

/* Something failed: say what, on which domain, and why (errno). */
static int fail(struct monitor *m, const char *what)
{
    int e = errno;

    fprintf(m->err, "xen-subpage: monitor: domain %s (%u): %s: %s\n",
            m->o->domain, m->o->domid, what, strerror(e));
    m->failed = true;

    return -1;
}

static int fail_gfn(struct monitor *m, const char *what, uint64_t gfn)
{
    int e = errno;

    fprintf(m->err, "xen-subpage: monitor: domain %s (%u), gfn %#" PRIx64
            ": %s: %s\n", m->o->domain, m->o->domid, gfn, what,
            strerror(e));
    m->failed = true;

    return -1;
}

static int pause_domain(struct monitor *m)
{
    if ( m->paused )
        return 0;
    if ( xc_domain_pause(m->xch, m->o->domid) )
        return fail(m, "cannot pause the domain");
    m->paused = true;

    return 0;
}

static int unpause_domain(struct monitor *m)
{
    if ( !m->paused )
        return 0;
    if ( xc_domain_unpause(m->xch, m->o->domid) )
        return fail(m, "cannot unpause the domain");
    m->paused = false;

    return 0;
}

static uint64_t now_ms(void);

/* The monitor ring, its event channel, and single steps for allow-once. */
static int open_ring(struct monitor *m)
{
    uint32_t xen_port;
    xenevtchn_port_or_error_t port;

    /*
     * Until the ring is initialised, a request put on it would be lost,
     * and its vCPU paused for good: the guest waits.
     */
    if ( pause_domain(m) )
        return -1;
    m->ring_page = xc_monitor_enable(m->xch, m->o->domid, &xen_port);
    if ( !m->ring_page )
        return fail(m, errno == EBUSY
                       ? "cannot enable the monitor ring (in use)"
                       : "cannot enable the monitor ring");
    SHARED_RING_INIT((vm_event_sring_t *)m->ring_page);
    BACK_RING_INIT(&m->ring, (vm_event_sring_t *)m->ring_page,
                   XC_PAGE_SIZE);

    m->xce = xenevtchn_open(NULL, 0);
    if ( !m->xce )
        return fail(m, "cannot open the event channel driver");
    port = xenevtchn_bind_interdomain(m->xce, m->o->domid, xen_port);
    if ( port < 0 )
        return fail(m, "cannot bind the monitor event channel");
    m->port = port;
    m->bound = true;

    /* Xen sends SPP faults only to a monitor that asks for them. */
    if ( xc_monitor_subpage_write(m->xch, m->o->domid, true) )
        return fail(m, errno == EOPNOTSUPP
                       ? "cannot ask for SPP faults (Xen does not offer them)"
                       : "cannot ask for SPP faults");
    m->spp_events = true;

    if ( m->o->policy == SPP_POLICY_ALLOW_ONCE )
    {
        if ( xc_monitor_singlestep(m->xch, m->o->domid, true) )
            return fail(m, "cannot monitor single steps");
        m->singlestep = true;
    }

    /* A profile's pages write-protected, now that a listener is there. */
    for ( ; m->nr_restricted < m->o->nr_profile; m->nr_restricted++ )
        if ( xc_set_mem_access(m->xch, m->o->domid, XENMEM_access_rx,
                               m->o->profile_gfns[m->nr_restricted], 1) )
            return fail_gfn(m, "cannot write-protect",
                            m->o->profile_gfns[m->nr_restricted]);
    if ( m->o->duration_ms )
        m->deadline = now_ms() + m->o->duration_ms;

    return unpause_domain(m);
}

/* ---- allow-once: the pages lifted for a vCPU's single step ---- */

/* Milliseconds of a clock that only goes forward. */
static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct lift *lift_of_gfn(const struct monitor *m, uint64_t gfn)
{
    unsigned int i;

    for ( i = 0; i < m->nr_lifts; i++ )
        if ( m->lifts[i].gfn == gfn )
            return &m->lifts[i];

    return NULL;
}

static bool vcpu_stepping(const struct monitor *m, uint32_t vcpu)
{
    unsigned int i;

    for ( i = 0; i < m->nr_lifts; i++ )
        if ( m->lifts[i].vcpu == vcpu )
            return true;

    return false;
}

static int add_lift(struct monitor *m, uint32_t vcpu, uint64_t gfn,
                    uint32_t map)
{
    if ( m->nr_lifts == m->max_lifts )
    {
        unsigned int max = m->max_lifts ? 2 * m->max_lifts : 8;
        struct lift *l = realloc(m->lifts, max * sizeof(*l));

        if ( !l )
            return -1;
        m->lifts = l;
        m->max_lifts = max;
    }
    m->lifts[m->nr_lifts++] = (struct lift){
        .vcpu = vcpu, .gfn = gfn, .map = map,
        .deadline = now_ms() + LIFT_MS,
    };

    return 0;
}

/* Make the page of fault req all writable for the step of its vCPU. */
static int lift(struct monitor *m, const vm_event_request_t *req)
{
    uint64_t gfn = req->u.mem_access.gfn;
    const struct lift *other = lift_of_gfn(m, gfn);
    bool lifted = other;
    uint32_t map;

    /*
     * Already lifted for another vCPU: Xen has it all writable, and the
     * map to put back is the one saved then.
     */
    if ( lifted )
        map = other->map;
    else if ( xc_get_subpage(m->xch, m->o->domid, gfn, &map) )
        return fail_gfn(m, "cannot read the map to lift", gfn);

    if ( add_lift(m, req->vcpu_id, gfn, map) )
    {
        errno = ENOMEM;
        return fail_gfn(m, "cannot lift the map", gfn);
    }
    if ( !lifted &&
         xc_set_subpage(m->xch, m->o->domid, gfn, XC_SUBPAGE_ALL_WRITABLE) )
    {
        m->nr_lifts--;
        return fail_gfn(m, "cannot lift the map", gfn);
    }

    return 0;
}

/* vcpu has stepped over its write: put back the maps lifted for it. */
static void restore_vcpu(struct monitor *m, uint32_t vcpu)
{
    unsigned int i = 0;

    while ( i < m->nr_lifts )
    {
        struct lift l = m->lifts[i];
        char what[64];

        if ( l.vcpu != vcpu )
        {
            i++;
            continue;
        }
        m->lifts[i] = m->lifts[--m->nr_lifts];

        /* Another vCPU still steps over a write to it: its step will. */
        if ( lift_of_gfn(m, l.gfn) )
            continue;
        if ( xc_set_subpage(m->xch, m->o->domid, l.gfn, l.map) )
        {
            snprintf(what, sizeof(what), "cannot restore map 0x%08x",
                     l.map);
            fail_gfn(m, what, l.gfn);
        }
    }
}

/*
 * The step of vcpu will not be waited for: stop it, then put back its maps.
 * In this order, as a write faulting again on a restored page while the
 * vCPU still steps would toggle its single-stepping off, not on.  A step
 * event of it still on the ring finds no lift, and only lets it go.
 */
static void end_step(struct monitor *m, uint32_t vcpu)
{
    char what[64];

    if ( xc_domain_debug_control(m->xch, m->o->domid,
                                 XEN_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF, vcpu) )
    {
        snprintf(what, sizeof(what), "cannot stop single-stepping vcpu %u",
                 vcpu);
        fail(m, what);
    }
    restore_vcpu(m, vcpu);
}

/* Closing: end the steps that did not come back, put back every map. */
static void restore_all(struct monitor *m)
{
    while ( m->nr_lifts )
        end_step(m, m->lifts[0].vcpu);
}

/* The first lift whose deadline has passed, or NULL. */
static const struct lift *expired_lift(const struct monitor *m)
{
    uint64_t now = now_ms();
    unsigned int i;

    for ( i = 0; i < m->nr_lifts; i++ )
        if ( m->lifts[i].deadline <= now )
            return &m->lifts[i];

    return NULL;
}

/* Put back the maps whose step did not come in time; the first said. */
static void expire_lifts(struct monitor *m)
{
    const struct lift *l;

    while ( (l = expired_lift(m)) )
    {
        if ( !m->expired++ )
            fprintf(m->err, "xen-subpage: monitor: domain %s (%u): vcpu %u "
                    "did not step over its write to gfn %#" PRIx64
                    " within %u ms: map 0x%08x put back (more such are "
                    "only counted)\n", m->o->domain, m->o->domid, l->vcpu,
                    l->gfn, LIFT_MS, l->map);
        end_step(m, l->vcpu);
    }
}

/* How long to wait for an event: until the next deadline, at most ms. */
static int wait_ms(const struct monitor *m, int ms)
{
    uint64_t now = now_ms();
    unsigned int i;

    if ( m->deadline )
    {
        if ( m->deadline <= now )
            return 0;
        if ( m->deadline - now < (uint64_t)ms )
            ms = m->deadline - now;
    }

    for ( i = 0; i < m->nr_lifts; i++ )
    {
        uint64_t d = m->lifts[i].deadline;

        if ( d <= now )
            return 0;
        if ( d - now < (uint64_t)ms )
            ms = d - now;
    }

    return ms;
}

/* ---- the ring ---- */

/* A report line on out, flushed at once; the monitor closes if it cannot. */
static void put_line(struct monitor *m, const char *line)
{
    if ( fputs(line, m->out) == EOF || fflush(m->out) == EOF )
    {
        fail(m, "cannot write the report");
        m->closing = true;
    }
}

/*
 * A fault, on out.  Only those the policy answered count towards --count:
 * the writes Xen dropped without waiting are reported, but nobody decided
 * anything about them.
 */
static void report_fault(struct monitor *m, const vm_event_request_t *req)
{
    char line[384], what[96];

    if ( m->closing )
    {
        m->late++;
        return;
    }
    if ( m->o->describe &&
         m->o->describe(m->o->describe_ctx, req->u.mem_access.gfn,
                        req->u.mem_access.offset, what, sizeof(what)) )
        spp_format_described_fault(req, m->o->policy, m->o->json, what,
                                   line, sizeof(line));
    else
        spp_format_fault(req, m->o->policy, m->o->json, line, sizeof(line));
    put_line(m, line);
    if ( (req->flags & VM_EVENT_FLAG_VCPU_PAUSED) &&
         ++m->answered == m->o->count )
        m->closing = true;
}

/* A protection that ended without the engine: on out, not counted. */
static void report_ended(struct monitor *m, const vm_event_request_t *req)
{
    char line[128];

    if ( m->closing )
        return;
    spp_format_ended(req, m->o->json, line, sizeof(line));
    put_line(m, line);
}

/* A write to a profiled page: counted in its sub-page.  Whether it was. */
static bool count_profiled(struct monitor *m, const vm_event_request_t *req)
{
    const struct vm_event_mem_access *ma = &req->u.mem_access;
    unsigned int i;

    if ( !(ma->flags & MEM_ACCESS_W) )
        return false;
    for ( i = 0; i < m->o->nr_profile; i++ )
        if ( m->o->profile_gfns[i] == ma->gfn )
        {
            m->o->profile[i][spp_fault_subpage(req)]++;
            return true;
        }

    return false;
}

/*
 * A mem_access event not from SPP, which some other restriction of the
 * page raised: said once, with what it was, so that a guest slowed down by
 * them is explained; then only counted.
 */
static void report_foreign(struct monitor *m, const vm_event_request_t *req)
{
    if ( m->foreign++ )
        return;
    fprintf(m->err, "xen-subpage: monitor: domain %s (%u): vcpu %u gfn %#"
            PRIx64 " access flags %#x: a mem_access event not from SPP, "
            "emulated (more such are only counted)\n", m->o->domain,
            m->o->domid, req->vcpu_id, req->u.mem_access.gfn,
            req->u.mem_access.flags);
}

static void put_response(struct monitor *m, const vm_event_response_t *rsp)
{
    memcpy(RING_GET_RESPONSE(&m->ring, m->ring.rsp_prod_pvt), rsp,
           sizeof(*rsp));
    m->ring.rsp_prod_pvt++;
    RING_PUSH_RESPONSES(&m->ring);
}

static void answer(struct monitor *m, const vm_event_request_t *req)
{
    bool stepping = vcpu_stepping(m, req->vcpu_id);
    struct spp_answer a = spp_decide(req, m->o->policy, stepping,
                                     m->closing);
    vm_event_response_t rsp;

    if ( req->version != VM_EVENT_INTERFACE_VERSION )
    {
        /* Its layout is not ours: just let the vCPU go (spp_fill_response). */
        if ( !m->failed )
            fprintf(m->err, "xen-subpage: monitor: domain %s (%u): "
                    "vm_event interface version %u, not %u: its vCPUs are "
                    "only let go\n", m->o->domain, m->o->domid, req->version,
                    VM_EVENT_INTERFACE_VERSION);
        m->failed = true;
        a.flags = 0;
    }
    else
    {
        if ( spp_is_fault(req) )
            report_fault(m, req);
        else if ( spp_is_ended(req) )
            report_ended(m, req);
        else if ( a.action == SPP_ACT_FOREIGN && !count_profiled(m, req) )
            report_foreign(m, req);
        /* Not lifted, the write still goes through: by emulation. */
        if ( a.action == SPP_ACT_LIFT && lift(m, req) )
            a = spp_decide(req, m->o->policy, stepping, true);
        else if ( a.action == SPP_ACT_RESTORE )
            restore_vcpu(m, req->vcpu_id);
    }

    spp_fill_response(req, a.flags, &rsp);
    put_response(m, &rsp);
}

/* Answer every request on the ring: how many, or -1. */
static int answer_requests(struct monitor *m)
{
    vm_event_request_t req;
    int answered = 0, more;

    do
    {
        while ( RING_HAS_UNCONSUMED_REQUESTS(&m->ring) )
        {
            RING_COPY_REQUEST(&m->ring, m->ring.req_cons, &req);
            m->ring.req_cons++;
            answer(m, &req);
            answered++;
        }
        RING_FINAL_CHECK_FOR_REQUESTS(&m->ring, more);
    } while ( more );

    if ( answered && xenevtchn_notify(m->xce, m->port) )
        return fail(m, "cannot send the answers to Xen");

    return answered;
}

/*
 * Until Xen signals the ring, ms pass or a signal comes: 1, 0 when the
 * time ran out, or -1.
 */
static int wait_for_event(struct monitor *m, int ms)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(m->xce), .events = POLLIN };
    xenevtchn_port_or_error_t port;

    switch ( poll(&pfd, 1, ms) )
    {
    case -1:
        return errno == EINTR ? 1 : fail(m, "cannot wait for events");

    case 0:
        return 0;
    }
    port = xenevtchn_pending(m->xce);
    if ( port < 0 || xenevtchn_unmask(m->xce, port) )
        return fail(m, "cannot take the event");

    return 1;
}

/* A dead domain's ring says nothing more, and cannot be told so. */
static bool domain_gone(struct monitor *m)
{
    xc_domaininfo_t info;
    int n = xc_domain_getinfolist(m->xch, m->o->domid, 1, &info);

    return !n || (n == 1 && (info.domain != m->o->domid ||
                             (info.flags & XEN_DOMINF_dying)));
}

static void listen_for_faults(struct monitor *m)
{
    m->listening = true;
    fprintf(m->err, "xen-subpage: monitoring domain %u (policy %s)\n",
            m->o->domid, spp_policy_name(m->o->policy));
    fflush(m->err);

    /* Drain first: the guest ran between the setup and the first wait. */
    while ( answer_requests(m) >= 0 && !m->closing && !m->failed &&
            !stop_signal && !(m->deadline && now_ms() >= m->deadline) )
    {
        int got = wait_for_event(m, wait_ms(m, WAIT_MS));

        if ( !got && domain_gone(m) )
        {
            fprintf(m->err, "xen-subpage: monitor: domain %s (%u) is gone\n",
                    m->o->domain, m->o->domid);
            m->gone = true;
            return;
        }
        expire_lifts(m);
    }
}

/*
 * Once the ring is gone, a vCPU paused for one of its requests would stay
 * paused for good, so the last requests are answered with the domain
 * paused.  Xen forgets the answers not yet carried out with the ring too
 * (then the write is retried, and handled as with no listener: the page's
 * protection lifted, or the domain crashed when a listener is required):
 * so the vCPUs answered last first get a moment to run, which also brings
 * the single steps of allow-once back.
 */
static void quiesce(struct monitor *m)
{
    unsigned int round;

    m->closing = true;
    if ( !m->listening )
        return;         /* setup failed, with the guest paused throughout */

    for ( round = 0; ; round++ )
    {
        int answered;

        if ( pause_domain(m) )
        {
            answer_requests(m);
            return;
        }
        answered = answer_requests(m);
        if ( answered < 0 || round == CLOSE_ROUNDS ||
             (round && !answered && !m->nr_lifts) )
            return;
        if ( unpause_domain(m) )
            return;
        wait_for_event(m, CLOSE_WAIT_MS);
    }
}

/* What the monitor changed in the domain, undone. */
static void close_domain(struct monitor *m)
{
    quiesce(m);
    restore_all(m);

    /* The domain is paused: no write to them from now on is counted. */
    while ( m->nr_restricted )
    {
        uint64_t gfn = m->o->profile_gfns[--m->nr_restricted];

        if ( xc_set_mem_access(m->xch, m->o->domid, XENMEM_access_rwx, gfn,
                               1) )
            fail_gfn(m, "cannot give back write access to", gfn);
    }

    if ( m->singlestep && xc_monitor_singlestep(m->xch, m->o->domid, false) )
        fail(m, "cannot stop monitoring single steps");
    if ( m->spp_events &&
         xc_monitor_subpage_write(m->xch, m->o->domid, false) )
        fail(m, "cannot stop SPP faults");
    if ( m->ring_page && xc_monitor_disable(m->xch, m->o->domid) )
        fail(m, "cannot disable the monitor ring");
    unpause_domain(m);
}

static void close_monitor(struct monitor *m)
{
    if ( !m->gone )
        close_domain(m);

    if ( m->bound && xenevtchn_unbind(m->xce, m->port) )
        fail(m, "cannot unbind the event channel");
    if ( m->xce )
        xenevtchn_close(m->xce);
    if ( m->ring_page )
        munmap(m->ring_page, XC_PAGE_SIZE);
    free(m->lifts);

    if ( m->late )
        fprintf(m->err, "xen-subpage: monitor: domain %s (%u): %" PRIu64
                " more faults answered while exiting, not reported\n",
                m->o->domain, m->o->domid, m->late);
    if ( m->foreign )
        fprintf(m->err, "xen-subpage: monitor: domain %s (%u): %" PRIu64
                " mem_access events not from SPP, emulated\n",
                m->o->domain, m->o->domid, m->foreign);
    if ( m->expired )
        fprintf(m->err, "xen-subpage: monitor: domain %s (%u): %" PRIu64
                " allow-once maps put back after %u ms without a step\n",
                m->o->domain, m->o->domid, m->expired, LIFT_MS);
}

int monitor_domain(xc_interface *xch, const struct monitor_opts *o,
                   FILE *out, FILE *err)
{
    struct monitor m = { .o = o, .xch = xch, .out = out, .err = err };
    struct saved_signals saved;

    catch_signals(&saved);
    if ( !open_ring(&m) )
        listen_for_faults(&m);
    close_monitor(&m);
    restore_signals(&saved);

    return m.failed ? -1 : 0;
}
