/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-subpage guard: live kernel data of a guest guarded at 128-byte
 * granularity, as an introspection engine guards it.  The symbols' ranges
 * are found in the guest's page tables (guest-va.c), their sub-pages
 * denied on top of whatever map each page had, the faults reported with
 * the symbol they hit (monitor.c), and the maps put back at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xen/hvm/save.h>

#include "xenctrl_subpage.h"
#include "guard.h"

#define EFER_LMA    (1ull << 10)
#define CR4_LA57    (1ull << 12)

/* Where guard_find() looks: the guest's symbols and its memory. */
struct finder {
    const struct guard_opts *o;
    xc_interface *xch;
    FILE *err;
    xenforeignmemory_handle *fmem;
    struct guard_found *f;
};

struct guard {
    const struct guard_opts *o;
    xc_interface *xch;
    FILE *out, *err;
    struct guard_found f;
    uint32_t *old_maps;         /* each page's map before the guard */
    size_t nr_set;              /* pages whose map the guard changed */
};

static int __attribute__((format(printf, 3, 4)))
fail(const struct guard_opts *o, FILE *err, const char *fmt, ...)
{
    va_list ap;

    fprintf(err, "xen-subpage: %s: domain %s (%u): ", o->command,
            o->mon.domain, o->mon.domid);
    va_start(ap, fmt);
    vfprintf(err, fmt, ap);
    va_end(ap);
    fputc('\n', err);

    return -1;
}

static int load_symbols(struct finder *fd)
{
    const char *path = fd->o->symbol_file;
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    char why[160];
    int rc;

    if ( !f )
        return fail(fd->o, fd->err, "%s: %s", path, strerror(errno));
    rc = gva_symtab_read(f, &fd->f->symtab, why, sizeof(why));
    if ( f != stdin )
        fclose(f);
    if ( rc )
        return fail(fd->o, fd->err, "%s: %s", path, why);

    return 0;
}

static int parse_targets(struct finder *fd)
{
    struct gva_target *t;
    unsigned int i;

    t = fd->f->targets = calloc(fd->o->nr_targets, sizeof(*t));
    if ( !t )
        return fail(fd->o, fd->err, "%s", strerror(ENOMEM));
    for ( i = 0; i < fd->o->nr_targets; i++ )
    {
        char why[160];

        if ( gva_parse_target(&fd->f->symtab, fd->o->targets[i], &t[i].sym,
                              &t[i].len, why, sizeof(why)) )
            return fail(fd->o, fd->err, "%s", why);
    }

    return 0;
}

/* The vCPU's CR3, from a 64-bit guest with 4-level paging. */
static int read_cr3(struct finder *fd, uint64_t *cr3)
{
    const struct guard_opts *o = fd->o;
    struct hvm_hw_cpu cpu;

    if ( xc_domain_hvm_getcontext_partial(fd->xch, o->mon.domid,
                                          HVM_SAVE_CODE(CPU), o->vcpu,
                                          &cpu, sizeof(cpu)) )
        return fail(o, fd->err, "cannot read the registers of vcpu %u: %s",
                    o->vcpu, strerror(errno));
    if ( !(cpu.msr_efer & EFER_LMA) || (cpu.cr4 & CR4_LA57) )
        return fail(o, fd->err,
                    "vcpu %u is not in long mode with 4-level paging",
                    o->vcpu);
    *cr3 = cpu.cr3;

    return 0;
}

static const void *map_frame(void *ctx, uint64_t gfn)
{
    struct finder *fd = ctx;
    xen_pfn_t pfn = gfn;
    int err = 0;
    void *p = xenforeignmemory_map(fd->fmem, fd->o->mon.domid, PROT_READ, 1,
                                   &pfn, &err);

    if ( p && err )
    {
        xenforeignmemory_unmap(fd->fmem, p, 1);
        p = NULL;
    }

    return p;
}

static void unmap_frame(void *ctx, const void *page)
{
    struct finder *fd = ctx;

    xenforeignmemory_unmap(fd->fmem, (void *)page, 1);
}

static int find_pages(struct finder *fd)
{
    struct gva_memory m = { map_frame, unmap_frame, fd };
    uint64_t cr3 = 0;
    char why[160];

    if ( read_cr3(fd, &cr3) )
        return -1;
    fd->fmem = xenforeignmemory_open(NULL, 0);
    if ( !fd->fmem )
        return fail(fd->o, fd->err, "cannot map guest memory: %s",
                    strerror(errno));
    if ( gva_guard_plan(&m, cr3, fd->f->targets, fd->o->nr_targets,
                        &fd->f->g, why, sizeof(why)) )
        return fail(fd->o, fd->err, "%s", why);

    return 0;
}

void guard_found_free(struct guard_found *f)
{
    gva_guard_free(&f->g);
    free(f->targets);
    f->targets = NULL;
    gva_symtab_free(&f->symtab);
}

int guard_find(xc_interface *xch, const struct guard_opts *o, FILE *err,
               struct guard_found *f)
{
    struct finder fd = { .o = o, .xch = xch, .err = err, .f = f };
    int rc = -1;

    memset(f, 0, sizeof(*f));
    if ( !load_symbols(&fd) && !parse_targets(&fd) && !find_pages(&fd) )
        rc = 0;
    if ( fd.fmem )
        xenforeignmemory_close(fd.fmem);
    if ( rc )
        guard_found_free(f);

    return rc;
}

/* Each page's map as the guard found it, the targets' sub-pages denied. */
static int protect(struct guard *gd)
{
    size_t i;

    gd->old_maps = calloc(gd->f.g.nr_pages, sizeof(*gd->old_maps));
    if ( !gd->old_maps )
        return fail(gd->o, gd->err, "%s", strerror(ENOMEM));
    for ( i = 0; i < gd->f.g.nr_pages; i++ )
    {
        const struct gva_page *p = &gd->f.g.page[i];

        if ( xc_get_subpage(gd->xch, gd->o->mon.domid, p->gfn,
                            &gd->old_maps[i]) ||
             xc_set_subpage(gd->xch, gd->o->mon.domid, p->gfn,
                            gd->old_maps[i] & p->map) )
            return fail(gd->o, gd->err, "cannot protect gfn %#" PRIx64
                        ": %s", p->gfn, strerror(errno));
        gd->nr_set++;
    }

    return 0;
}

/* The maps the pages had before, whatever happened meanwhile. */
static void restore(struct guard *gd)
{
    while ( gd->nr_set )
    {
        size_t i = --gd->nr_set;

        if ( xc_set_subpage(gd->xch, gd->o->mon.domid, gd->f.g.page[i].gfn,
                            gd->old_maps[i]) && errno != ESRCH )
            fail(gd->o, gd->err,
                 "cannot put back the map of gfn %#" PRIx64 ": %s",
                 gd->f.g.page[i].gfn, strerror(errno));
    }
}

static void report_plan(struct guard *gd)
{
    size_t i, j;

    for ( i = 0; i < gd->o->nr_targets; i++ )
    {
        const struct gva_target *t = &gd->f.targets[i];

        if ( gd->o->mon.json )
            fprintf(gd->out, "{\"guard\": \"%s\", \"va\": \"0x%" PRIx64
                    "\", \"length\": %" PRIu64 "}\n", t->sym->name,
                    t->sym->addr, t->len);
        else
            fprintf(gd->out, "guard %s 0x%" PRIx64 " %" PRIu64 " bytes\n",
                    t->sym->name, t->sym->addr, t->len);
    }
    for ( j = 0; j < gd->f.g.nr_pages; j++ )
    {
        const struct gva_page *p = &gd->f.g.page[j];

        if ( gd->o->mon.json )
            fprintf(gd->out, "{\"page\": \"0x%" PRIx64 "\", \"gfn\": %"
                    PRIu64 ", \"map\": %u}\n", p->va, p->gfn,
                    gd->old_maps[j] & p->map);
        else
            fprintf(gd->out, "page 0x%" PRIx64 " gfn 0x%" PRIx64
                    " map 0x%08x\n", p->va, p->gfn,
                    gd->old_maps[j] & p->map);
    }
    fflush(gd->out);
}

static bool describe(void *ctx, uint64_t gfn, unsigned int off, char *buf,
                     size_t len)
{
    const struct guard *gd = ctx;

    return gva_guard_describe(&gd->f.g, gfn, off, buf, len);
}

int guard_domain(xc_interface *xch, const struct guard_opts *o, FILE *out,
                 FILE *err)
{
    struct guard gd = { .o = o, .xch = xch, .out = out, .err = err };
    struct monitor_opts mon = o->mon;
    int rc = -1;

    mon.describe = describe;
    mon.describe_ctx = &gd;
    if ( guard_find(xch, o, err, &gd.f) )
        return -1;
    if ( !protect(&gd) )
    {
        report_plan(&gd);
        rc = monitor_domain(xch, &mon, out, err);
    }
    restore(&gd);

    free(gd.old_maps);
    guard_found_free(&gd.f);

    return rc;
}
