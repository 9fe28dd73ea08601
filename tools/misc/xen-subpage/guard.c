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
#include "guest-va.h"
#include "guard.h"

#define EFER_LMA    (1ull << 10)
#define CR4_LA57    (1ull << 12)

struct guard {
    const struct guard_opts *o;
    xc_interface *xch;
    FILE *out, *err;
    xenforeignmemory_handle *fmem;
    struct gva_symtab symtab;
    struct gva_target *targets;
    struct gva_guard g;
    uint32_t *old_maps;         /* each page's map before the guard */
    size_t nr_set;              /* pages whose map the guard changed */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct guard *gd, const char *fmt, ...)
{
    va_list ap;

    fprintf(gd->err, "xen-subpage: guard: domain %s (%u): ",
            gd->o->mon.domain, gd->o->mon.domid);
    va_start(ap, fmt);
    vfprintf(gd->err, fmt, ap);
    va_end(ap);
    fputc('\n', gd->err);

    return -1;
}

static int load_symbols(struct guard *gd)
{
    const char *path = gd->o->symbol_file;
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    char why[160];
    int rc;

    if ( !f )
        return fail(gd, "%s: %s", path, strerror(errno));
    rc = gva_symtab_read(f, &gd->symtab, why, sizeof(why));
    if ( f != stdin )
        fclose(f);
    if ( rc )
        return fail(gd, "%s: %s", path, why);

    return 0;
}

static int parse_targets(struct guard *gd)
{
    unsigned int i;

    gd->targets = calloc(gd->o->nr_targets, sizeof(*gd->targets));
    if ( !gd->targets )
        return fail(gd, "%s", strerror(ENOMEM));
    for ( i = 0; i < gd->o->nr_targets; i++ )
    {
        char why[160];

        if ( gva_parse_target(&gd->symtab, gd->o->targets[i],
                              &gd->targets[i].sym, &gd->targets[i].len,
                              why, sizeof(why)) )
            return fail(gd, "%s", why);
    }

    return 0;
}

/* The vCPU's CR3, from a 64-bit guest with 4-level paging. */
static int read_cr3(struct guard *gd, uint64_t *cr3)
{
    struct hvm_hw_cpu cpu;

    if ( xc_domain_hvm_getcontext_partial(gd->xch, gd->o->mon.domid,
                                          HVM_SAVE_CODE(CPU), gd->o->vcpu,
                                          &cpu, sizeof(cpu)) )
        return fail(gd, "cannot read the registers of vcpu %u: %s",
                    gd->o->vcpu, strerror(errno));
    if ( !(cpu.msr_efer & EFER_LMA) || (cpu.cr4 & CR4_LA57) )
        return fail(gd, "vcpu %u is not in long mode with 4-level paging",
                    gd->o->vcpu);
    *cr3 = cpu.cr3;

    return 0;
}

static const void *map_frame(void *ctx, uint64_t gfn)
{
    struct guard *gd = ctx;
    xen_pfn_t pfn = gfn;
    int err = 0;
    void *p = xenforeignmemory_map(gd->fmem, gd->o->mon.domid, PROT_READ, 1,
                                   &pfn, &err);

    if ( p && err )
    {
        xenforeignmemory_unmap(gd->fmem, p, 1);
        p = NULL;
    }

    return p;
}

static void unmap_frame(void *ctx, const void *page)
{
    struct guard *gd = ctx;

    xenforeignmemory_unmap(gd->fmem, (void *)page, 1);
}

static int plan(struct guard *gd)
{
    struct gva_memory m = { map_frame, unmap_frame, gd };
    uint64_t cr3 = 0;
    char why[160];

    if ( read_cr3(gd, &cr3) )
        return -1;
    gd->fmem = xenforeignmemory_open(NULL, 0);
    if ( !gd->fmem )
        return fail(gd, "cannot map guest memory: %s", strerror(errno));
    if ( gva_guard_plan(&m, cr3, gd->targets, gd->o->nr_targets, &gd->g,
                        why, sizeof(why)) )
        return fail(gd, "%s", why);

    return 0;
}

/* Each page's map as the guard found it, the targets' sub-pages denied. */
static int protect(struct guard *gd)
{
    size_t i;

    gd->old_maps = calloc(gd->g.nr_pages, sizeof(*gd->old_maps));
    if ( !gd->old_maps )
        return fail(gd, "%s", strerror(ENOMEM));
    for ( i = 0; i < gd->g.nr_pages; i++ )
    {
        const struct gva_page *p = &gd->g.page[i];

        if ( xc_get_subpage(gd->xch, gd->o->mon.domid, p->gfn,
                            &gd->old_maps[i]) ||
             xc_set_subpage(gd->xch, gd->o->mon.domid, p->gfn,
                            gd->old_maps[i] & p->map) )
            return fail(gd, "cannot protect gfn %#" PRIx64 ": %s", p->gfn,
                        strerror(errno));
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

        if ( xc_set_subpage(gd->xch, gd->o->mon.domid, gd->g.page[i].gfn,
                            gd->old_maps[i]) && errno != ESRCH )
            fail(gd, "cannot put back the map of gfn %#" PRIx64 ": %s",
                 gd->g.page[i].gfn, strerror(errno));
    }
}

static void report_plan(struct guard *gd)
{
    size_t i, j;

    for ( i = 0; i < gd->o->nr_targets; i++ )
    {
        const struct gva_target *t = &gd->targets[i];

        if ( gd->o->mon.json )
            fprintf(gd->out, "{\"guard\": \"%s\", \"va\": \"0x%" PRIx64
                    "\", \"length\": %" PRIu64 "}\n", t->sym->name,
                    t->sym->addr, t->len);
        else
            fprintf(gd->out, "guard %s 0x%" PRIx64 " %" PRIu64 " bytes\n",
                    t->sym->name, t->sym->addr, t->len);
    }
    for ( j = 0; j < gd->g.nr_pages; j++ )
    {
        const struct gva_page *p = &gd->g.page[j];

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

    return gva_guard_describe(&gd->g, gfn, off, buf, len);
}

int guard_domain(xc_interface *xch, const struct guard_opts *o, FILE *out,
                 FILE *err)
{
    struct guard gd = { .o = o, .xch = xch, .out = out, .err = err };
    struct monitor_opts mon = o->mon;
    int rc = -1;

    mon.describe = describe;
    mon.describe_ctx = &gd;
    if ( !load_symbols(&gd) && !parse_targets(&gd) && !plan(&gd) &&
         !protect(&gd) )
    {
        report_plan(&gd);
        rc = monitor_domain(xch, &mon, out, err);
    }
    restore(&gd);

    free(gd.old_maps);
    gva_guard_free(&gd.g);
    free(gd.targets);
    gva_symtab_free(&gd.symtab);
    if ( gd.fmem )
        xenforeignmemory_close(gd.fmem);

    return rc;
}
