/* SPDX-License-Identifier: LGPL-2.1-only */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include <xenctrl.h>
#include <xencall.h>

#include "subpage_abi.h"
#include "fake-xencall.h"

struct fake_xencall fx;

/* The buffers handed out, so that handles can be checked against them. */
#define MAX_BUFFERS 16
static struct { void *p; size_t size; } buf[MAX_BUFFERS];

void fake_xencall_reset(void)
{
    /* The library keeps its handle for the life of the process. */
    unsigned int opens = fx.opens;

    for ( unsigned int i = 0; i < fx.nr_calls; i++ )
    {
        free(fx.call[i].gfns);
        free(fx.call[i].maps);
    }
    for ( unsigned int i = 0; i < MAX_BUFFERS; i++ )
    {
        free(buf[i].p);
        buf[i].p = NULL;
    }
    memset(&fx, 0, sizeof(fx));
    fx.opens = opens;
}

int xc_domctl(xc_interface *xch, struct xen_domctl *domctl)
{
    (void)xch;
    fx.domctls++;
    fx.domctl_cmd = domctl->cmd;
    fx.domctl_domain = domctl->domain;
    fx.monitor_op = domctl->u.monitor_op.op;
    fx.monitor_event = domctl->u.monitor_op.event;
    if ( fx.domctl_errno )
    {
        errno = fx.domctl_errno;
        return -1;
    }

    return 0;
}

xencall_handle *xencall_open(struct xentoollog_logger *logger,
                             unsigned open_flags)
{
    (void)logger, (void)open_flags;
    fx.opens++;
    if ( fx.open_errno )
    {
        errno = fx.open_errno;
        return NULL;
    }

    return (xencall_handle *)&fx;
}

int xencall_close(xencall_handle *xcall)
{
    (void)xcall;
    fx.closes++;
    return 0;
}

void *xencall_alloc_buffer(xencall_handle *xcall, size_t size)
{
    (void)xcall;
    if ( ++fx.allocs == fx.fail_alloc )
    {
        errno = ENOMEM;
        return NULL;
    }
    for ( unsigned int i = 0; i < MAX_BUFFERS; i++ )
        if ( !buf[i].p )
        {
            /* Garbage in it, as in a reused page. */
            buf[i].p = malloc(size ? size : 1);
            memset(buf[i].p, 0xa5, size);
            buf[i].size = size;
            fx.buffers++;
            return buf[i].p;
        }
    abort();
}

static ssize_t buffer_size(const void *p)
{
    for ( unsigned int i = 0; i < MAX_BUFFERS; i++ )
        if ( buf[i].p && buf[i].p == p )
            return buf[i].size;
    return -1;
}

void xencall_free_buffer(xencall_handle *xcall, void *p)
{
    (void)xcall;
    for ( unsigned int i = 0; i < MAX_BUFFERS; i++ )
        if ( buf[i].p && buf[i].p == p )
        {
            free(p);
            buf[i].p = NULL;
            fx.buffers--;
            /* Something set after the free is lost, as it would be. */
            errno = EBADF;
            return;
        }
    abort();                            /* not ours: a bug */
}

static size_t arg_size(uint64_t op)
{
    switch ( op )
    {
    case HVMOP_set_subpage:
    case HVMOP_get_subpage:
        return sizeof(struct xen_hvm_subpage);
    case HVMOP_set_subpage_batch:
        return sizeof(struct xen_hvm_subpage_batch);
    case HVMOP_get_subpage_stats:
        return sizeof(struct xen_hvm_subpage_stats);
    case HVMOP_set_subpage_exempt:
    case HVMOP_get_subpage_exempt:
        return sizeof(struct xen_hvm_subpage_exempt);
    }
    abort();
}

/* What Xen does with the argument in memory, on success or failure. */
static void answer(uint64_t op, void *arg, const struct fake_reply *r)
{
    switch ( op )
    {
    case HVMOP_get_subpage:
        if ( !r->rc )
            ((struct xen_hvm_subpage *)arg)->access_map = r->access_map;
        break;
    case HVMOP_get_subpage_exempt:
        if ( !r->rc )
            ((struct xen_hvm_subpage_exempt *)arg)->exempt = r->exempt;
        break;
    case HVMOP_set_subpage_batch:
    {
        struct xen_hvm_subpage_batch *b = arg;

        b->done = r->rc ? r->done : b->nr;
        b->failed_gfn = r->rc ? r->failed_gfn : XEN_SUBPAGE_INVALID_GFN;
        break;
    }
    case HVMOP_get_subpage_stats:
        if ( !r->rc )
        {
            struct xen_hvm_subpage_stats *s = arg;

            s->protected_pages = r->stats[0];
            s->sppt_pages = r->stats[1];
            s->write_violations = r->stats[2];
            s->miss_exits = r->stats[3];
            s->misconfig_exits = r->stats[4];
            s->emulated_writes = r->stats[5];
            s->flags = r->stats_flags;
        }
        break;
    }
}

int xencall2(xencall_handle *xcall, unsigned int op, uint64_t arg1,
             uint64_t arg2)
{
    void *arg = (void *)(uintptr_t)arg2;
    struct fake_call *c;
    const struct fake_reply *r;
    ssize_t size = buffer_size(arg);

    (void)xcall;
    if ( fx.nr_calls == FAKE_MAX_CALLS )
        abort();
    c = &fx.call[fx.nr_calls];
    r = &fx.reply[fx.nr_calls++];
    c->hypercall = op;
    c->op = arg1;
    c->arg_size = size;
    /* Xen reads hypercall-safe memory only. */
    if ( size < 0 || (size_t)size < arg_size(arg1) )
    {
        errno = EFAULT;
        return -1;
    }
    memcpy(c->arg, arg, arg_size(arg1));

    if ( arg1 == HVMOP_set_subpage_batch )
    {
        struct xen_hvm_subpage_batch *b = arg;

        c->nr = b->nr;
        c->gfns = b->gfns.p ? malloc(b->nr * 8 + 1) : NULL;
        c->maps = b->maps.p ? malloc(b->nr * 4 + 1) : NULL;
        if ( buffer_size(b->gfns.p) < (ssize_t)(b->nr * 8) ||
             buffer_size(b->maps.p) < (ssize_t)(b->nr * 4) )
        {
            errno = EFAULT;
            return -1;
        }
        memcpy(c->gfns, b->gfns.p, b->nr * 8);
        memcpy(c->maps, b->maps.p, b->nr * 4);
    }

    answer(arg1, arg, r);
    if ( r->rc )
    {
        errno = -r->rc;
        return -1;
    }

    return 0;
}
