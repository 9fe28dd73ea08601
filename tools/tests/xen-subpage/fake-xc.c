/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libxenctrl calls xen-subpage makes, recorded and answered from a
 * script, and domain names from a table: the tool without Xen.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/save.h>

#include "parse.h"
#include "xen-subpage.h"
#include "fake-xc.h"

struct fake_xc fxc;
/* The next frame fake_xc_table() gives, plus one. */
static unsigned int next_table = FAKE_XC_FRAMES;

#define FAKE_XEN_PORT   42       /* Xen's end of the monitor channel */
#define FAKE_LOCAL_PORT 7        /* ours */

void fake_xc_reset(void)
{
    free(fxc.gfns);
    free(fxc.maps);
    if ( fxc.evtchn_opens > fxc.evtchn_closes )
    {
        close(fxc.pipe[0]);
        close(fxc.pipe[1]);
    }
    memset(&fxc, 0, sizeof(fxc));
    fxc.available = 1;
    next_table = FAKE_XC_FRAMES;
}

vm_event_request_t *fake_xc_event(uint32_t vcpu, uint32_t reason)
{
    vm_event_request_t *req;

    if ( fxc.nr_events == FAKE_XC_EVENTS )
        abort();
    req = &fxc.events[fxc.nr_events++];
    memset(req, 0, sizeof(*req));
    req->version = VM_EVENT_INTERFACE_VERSION;
    req->flags = VM_EVENT_FLAG_VCPU_PAUSED;
    req->reason = reason;
    req->vcpu_id = vcpu;

    return req;
}

/* As the patched Xen reports one (p2m_spp_fill_fault_event()). */
void fake_xc_fault(uint32_t vcpu, uint64_t gfn, uint64_t offset,
                   uint64_t rip)
{
    vm_event_request_t *req;

    req = fake_xc_event(vcpu, VM_EVENT_REASON_MEM_ACCESS);
    req->u.mem_access.gfn = gfn;
    req->u.mem_access.offset = offset;
    req->u.mem_access.gla = 0x7f0000000000ULL + (gfn << 12) + offset;
    req->u.mem_access.flags = MEM_ACCESS_R | MEM_ACCESS_W | MEM_ACCESS_SPP |
                              MEM_ACCESS_GLA_VALID |
                              MEM_ACCESS_FAULT_WITH_GLA;
    req->data.regs.x86.rip = rip;
}

void fake_xc_singlestep(uint32_t vcpu)
{
    vm_event_request_t *req;

    req = fake_xc_event(vcpu, VM_EVENT_REASON_SINGLESTEP);
    req->u.singlestep.gfn = 0x1000;
    req->data.regs.x86.rip = 0xffffffff81000010ULL;
}

/* The guest runs: it raises its next event, if it has one. */
static void guest_runs(void)
{
    char byte = 1;

    if ( fxc.paused || !fxc.ring_page || fxc.sent == fxc.nr_events ||
         (fxc.held && fxc.sent == fxc.held && !fxc.released) )
        return;
    memcpy(RING_GET_REQUEST(&fxc.front, fxc.front.req_prod_pvt),
           &fxc.events[fxc.sent++], sizeof(vm_event_request_t));
    fxc.front.req_prod_pvt++;
    RING_PUSH_REQUESTS(&fxc.front);
    if ( write(fxc.pipe[1], &byte, 1) != 1 )
        abort();
}

/* Xen takes the answers off the ring. */
static void take_answers(void)
{
    while ( RING_HAS_UNCONSUMED_RESPONSES(&fxc.front) )
    {
        if ( fxc.nr_rsp == FAKE_XC_EVENTS )
            abort();
        RING_COPY_RESPONSE(&fxc.front, fxc.front.rsp_cons,
                           &fxc.rsp[fxc.nr_rsp++]);
        fxc.front.rsp_cons++;
    }
}

int resolve_domain(const char *s, uint32_t *domid, const char **why)
{
    uint64_t id;

    if ( !parse_number(s, DOMID_FIRST_RESERVED - 1, &id) )
    {
        *domid = id;
        return 0;
    }
    if ( fxc.libxl_fails )
    {
        *why = "cannot start libxl";
        return RESOLVE_FAILED;
    }
    if ( !strcmp(s, "guest") )
    {
        *domid = 5;
        return 0;
    }

    return RESOLVE_NO_DOMAIN;
}

xc_interface *xc_interface_open(xentoollog_logger *logger,
                                xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void)logger, (void)dombuild_logger, (void)open_flags;
    if ( fxc.open_errno )
    {
        errno = fxc.open_errno;
        return NULL;
    }
    fxc.opens++;

    return (xc_interface *)&fxc;
}

int xc_interface_close(xc_interface *xch)
{
    (void)xch;
    fxc.closes++;
    return 0;
}

/* Record a call with an argument; fail it when the script says so. */
static int call_arg(const char *name, uint32_t domid, uint64_t gfn,
                    uint64_t arg)
{
    unsigned int n = fxc.nr_calls++;

    if ( n < FAKE_XC_CALLS )
    {
        fxc.call[n].name = name;
        fxc.call[n].domid = domid;
        fxc.call[n].gfn = gfn;
        fxc.call[n].arg = arg;
    }
    if ( fxc.fail_call && fxc.nr_calls == fxc.fail_call )
    {
        errno = fxc.fail_errno;
        return -1;
    }

    return 0;
}

static int call(const char *name, uint32_t domid, uint64_t gfn)
{
    return call_arg(name, domid, gfn, 0);
}

int xc_subpage_available(xc_interface *xch)
{
    (void)xch;
    call("available", 0, 0);
    return fxc.available;
}

int xc_set_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t access_map)
{
    (void)xch;
    fxc.map = access_map;
    return call_arg("set", domid, gfn, access_map);
}

int xc_get_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn,
                   uint32_t *access_map)
{
    (void)xch;
    if ( call("get", domid, gfn) )
        return -1;
    *access_map = fxc.get_map ^ (uint32_t)(gfn & 0xff);

    return 0;
}

/* ---- guard: a vCPU's registers, guest memory ---- */

uint64_t fake_xc_table(void)
{
    if ( next_table <= FAKE_XC_FRAMES / 2 )
        abort();
    return --next_table;
}

void fake_xc_map_va(uint64_t root, uint64_t va, uint64_t gfn)
{
    uint64_t table = root;
    unsigned int level;

    for ( level = 4; level > 1; level-- )
    {
        uint64_t *e = &fxc.frame[table][(va >> (12 + 9 * (level - 1))) & 511];

        if ( !(*e & 1) )
            *e = (fake_xc_table() << 12) | 0x63;
        table = (*e >> 12) & 0xffffffffffull;
    }
    fxc.frame[table][(va >> 12) & 511] = (gfn << 12) | 0x63;
}

int xc_domain_hvm_getcontext_partial(xc_interface *xch, uint32_t domid,
                                     uint16_t typecode, uint16_t instance,
                                     void *ctxt_buf, uint32_t size)
{
    struct hvm_hw_cpu *cpu = ctxt_buf;

    (void)xch;
    if ( typecode != HVM_SAVE_CODE(CPU) || size != sizeof(*cpu) )
        abort();
    if ( call_arg("registers", domid, 0, instance) )
        return -1;
    memset(cpu, 0, sizeof(*cpu));
    cpu->cr3 = fxc.cr3;
    cpu->cr4 = fxc.cr4;
    cpu->msr_efer = fxc.efer;

    return 0;
}

xenforeignmemory_handle *xenforeignmemory_open(xentoollog_logger *logger,
                                               unsigned int open_flags)
{
    (void)logger;
    (void)open_flags;
    if ( fxc.fmem_errno )
    {
        errno = fxc.fmem_errno;
        return NULL;
    }
    fxc.fmem_opens++;

    return (xenforeignmemory_handle *)&fxc;
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
    (void)fmem;
    fxc.fmem_closes++;
    return 0;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom,
                           int prot, size_t pages, const xen_pfn_t arr[],
                           int err[])
{
    (void)fmem;
    (void)dom;
    if ( prot != PROT_READ || pages != 1 )
        abort();
    if ( arr[0] >= FAKE_XC_FRAMES )
    {
        errno = EFAULT;
        return NULL;
    }
    err[0] = 0;
    fxc.frame_maps++;

    return fxc.frame[arr[0]];
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr,
                           size_t pages)
{
    (void)fmem;
    (void)addr;
    (void)pages;
    fxc.frame_unmaps++;
    return 0;
}

int xc_set_mem_access(xc_interface *xch, uint32_t domid,
                      xenmem_access_t access, uint64_t first_pfn,
                      uint32_t nr)
{
    (void)xch;
    if ( nr != 1 )
        abort();
    return call_arg("access", domid, first_pfn, access);
}

/* A write the guest makes to a page whose mem_access is r-x. */
void fake_xc_write(uint32_t vcpu, uint64_t gfn, uint64_t offset)
{
    vm_event_request_t *req;

    req = fake_xc_event(vcpu, VM_EVENT_REASON_MEM_ACCESS);
    req->u.mem_access.gfn = gfn;
    req->u.mem_access.offset = offset;
    req->u.mem_access.flags = MEM_ACCESS_R | MEM_ACCESS_W;
}

int xc_clear_subpage(xc_interface *xch, uint32_t domid, uint64_t gfn)
{
    (void)xch;
    return call("clear", domid, gfn);
}

int xc_set_subpage_batch(xc_interface *xch, uint32_t domid,
                         const uint64_t *gfns, const uint32_t *maps,
                         uint32_t nr, uint32_t *done, uint64_t *failed_gfn)
{
    (void)xch;
    free(fxc.gfns);
    free(fxc.maps);
    fxc.nr = nr;
    fxc.gfns = malloc(nr * sizeof(*gfns) + 1);
    fxc.maps = malloc(nr * sizeof(*maps) + 1);
    if ( nr )
    {
        memcpy(fxc.gfns, gfns, nr * sizeof(*gfns));
        memcpy(fxc.maps, maps, nr * sizeof(*maps));
    }
    if ( call("batch", domid, nr ? gfns[0] : 0) )
    {
        *done = fxc.batch_done;
        *failed_gfn = fxc.batch_no_gfn ? ~0ULL : gfns[fxc.batch_done];
        return -1;
    }
    *done = nr;
    *failed_gfn = ~0ULL;

    return 0;
}

int xc_get_subpage_stats(xc_interface *xch, uint32_t domid,
                         xc_subpage_stats_t *stats)
{
    const xc_subpage_stats_t s = {
        10, 4, 3, 2, 1, 6, fxc.software ? XC_SUBPAGE_SOFTWARE : 0
    };

    (void)xch;
    if ( call("stats", domid, 0) )
        return -1;
    *stats = s;

    return 0;
}

int xc_set_subpage_exempt(xc_interface *xch, uint32_t domid, uint16_t view,
                          uint64_t gfn, bool exempt)
{
    (void)xch;
    fxc.view = view;
    return call_arg("exempt-set", domid, gfn, exempt);
}

int xc_get_subpage_exempt(xc_interface *xch, uint32_t domid, uint16_t view,
                          uint64_t gfn, bool *exempt)
{
    (void)xch;
    fxc.view = view;
    if ( call("exempt-get", domid, gfn) )
        return -1;
    *exempt = gfn & 1;

    return 0;
}

int xc_altp2m_set_vcpu_enable_notify(xc_interface *handle, uint32_t domid,
                                     uint32_t vcpuid, xen_pfn_t gfn)
{
    (void)handle;
    fxc.vcpu = vcpuid;
    return call("ve-enable", domid, gfn);
}

int xc_altp2m_set_vcpu_disable_notify(xc_interface *handle, uint32_t domid,
                                      uint32_t vcpuid)
{
    (void)handle;
    fxc.vcpu = vcpuid;
    return call("ve-disable", domid, 0);
}

int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
    (void)xch;
    if ( call("pause", domid, 0) )
        return -1;
    fxc.paused++;

    return 0;
}

int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
    (void)xch;
    if ( call("unpause", domid, 0) )
        return -1;
    if ( !fxc.paused )
        abort();
    fxc.paused--;
    guest_runs();

    return 0;
}

int xc_domain_debug_control(xc_interface *xch, uint32_t domid,
                            uint32_t sop, uint32_t vcpu)
{
    (void)xch;
    if ( sop != XEN_DOMCTL_DEBUG_OP_SINGLE_STEP_OFF )
        abort();
    return call_arg("singlestep-off", domid, 0, vcpu);
}

/* A domain that died while monitored, as the monitor sees it idle. */
static bool domain_died(void)
{
    if ( !fxc.ring_page )
        return false;
    if ( fxc.idle_before_gone )
        return !--fxc.idle_before_gone;

    return fxc.gone;
}

/*
 * Not recorded: the tool asks before acting on a domain, the monitor
 * whenever it is idle.  With no_domain, the next domain is listed, as Xen
 * lists the first from first_domain on.
 */
int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
                          unsigned int max_domains, xc_domaininfo_t *info)
{
    (void)xch;
    if ( max_domains != 1 )
        abort();
    fxc.getinfos++;
    if ( domain_died() || (fxc.no_domain && first_domain > 7) )
        return 0;
    if ( fxc.ring_page && fxc.held && !fxc.released )
    {
        fxc.released = true;
        guest_runs();
    }
    memset(info, 0, sizeof(*info));
    info->domain = first_domain + fxc.no_domain;
    if ( fxc.dying )
        info->flags = XEN_DOMINF_dying;

    return 1;
}

/* Garbage in the page: the listener must initialise the ring. */
void *xc_monitor_enable(xc_interface *xch, uint32_t domain_id,
                        uint32_t *port)
{
    void *page;

    (void)xch;
    if ( call("monitor-enable", domain_id, 0) )
        return NULL;
    if ( fxc.monitor_errno )
    {
        errno = fxc.monitor_errno;
        return NULL;
    }
    page = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ( page == MAP_FAILED )
        abort();
    memset(page, 0xa5, XC_PAGE_SIZE);
    fxc.ring_page = page;
    FRONT_RING_INIT(&fxc.front, (vm_event_sring_t *)page, XC_PAGE_SIZE);
    *port = FAKE_XEN_PORT;

    return page;
}

int xc_monitor_disable(xc_interface *xch, uint32_t domain_id)
{
    (void)xch;
    fxc.ring_page = NULL;
    return call("monitor-disable", domain_id, 0);
}

int xc_monitor_subpage_write(xc_interface *xch, uint32_t domid, bool enable)
{
    (void)xch;
    return call_arg("monitor-spp", domid, 0, enable);
}

int xc_monitor_singlestep(xc_interface *xch, uint32_t domain_id,
                          bool enable)
{
    (void)xch;
    return call_arg("monitor-singlestep", domain_id, 0, enable);
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
                                 unsigned int flags)
{
    (void)logger, (void)flags;
    if ( pipe(fxc.pipe) )
        return NULL;
    fxc.evtchn_opens++;

    return (xenevtchn_handle *)&fxc.pipe;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    (void)xce;
    close(fxc.pipe[0]);
    close(fxc.pipe[1]);
    fxc.evtchn_closes++;

    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    (void)xce;
    return fxc.pipe[0];
}

xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                           evtchn_port_t remote_port)
{
    (void)xce;
    if ( domid != 5 || remote_port != FAKE_XEN_PORT )
        abort();
    fxc.binds++;

    return FAKE_LOCAL_PORT;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce;
    if ( port != FAKE_LOCAL_PORT )
        abort();
    fxc.unbinds++;

    return 0;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    char byte;

    (void)xce;
    return read(fxc.pipe[0], &byte, 1) == 1 ? FAKE_LOCAL_PORT : -1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce;
    return port == FAKE_LOCAL_PORT ? 0 : -1;
}

/* The answers reach Xen, which lets their vCPUs go. */
int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void)xce;
    if ( port != FAKE_LOCAL_PORT )
        abort();
    fxc.notifies++;
    take_answers();
    if ( fxc.signal_when_done && fxc.nr_rsp == fxc.nr_events )
    {
        raise(fxc.signal_when_done);
        fxc.signal_when_done = 0;
    }
    guest_runs();

    return 0;
}
