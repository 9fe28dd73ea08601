/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-subpage: the sub-page write permissions (Intel SPP) of HVM guest
 * pages, from dom0.  See docs/man/xen-subpage.8.pod.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "guard.h"
#include "monitor.h"
#include "parse.h"
#include "xen-subpage.h"

#define EXIT_USAGE  1
#define EXIT_FAILED 2

struct cli {
    FILE *out, *err;
    bool json;
    xc_interface *xch;
    const char *domain;     /* as the user wrote it, for messages */
    uint32_t domid;
};

/* The hypervisor interface, opened when a command first needs it. */
static int need_xc(struct cli *c)
{
    if ( c->xch )
        return 0;
    c->xch = xc_interface_open(NULL, NULL, 0);
    if ( c->xch )
        return 0;
    fprintf(c->err, "xen-subpage: cannot open the hypervisor interface: %s\n",
            strerror(errno));

    return EXIT_FAILED;
}

static int no_domain(struct cli *c, const char *s)
{
    fprintf(c->err, "xen-subpage: no domain \"%s\"\n", s);

    return EXIT_USAGE;
}

/*
 * The hypervisor interface, and the command's domain known to Xen: a
 * domid is only a number until asked, and Xen's answer to an operation on
 * a domain that does not exist ("No such process") would not say so.  A
 * dying domain still exists: what it allows is for Xen to say.
 */
static int need_domain(struct cli *c)
{
    xc_domaininfo_t info;
    int n;

    if ( need_xc(c) )
        return EXIT_FAILED;
    n = xc_domain_getinfolist(c->xch, c->domid, 1, &info);
    if ( n < 0 )
    {
        fprintf(c->err, "xen-subpage: cannot look up domain %s (%u): %s\n",
                c->domain, c->domid, strerror(errno));
        return EXIT_FAILED;
    }
    /* It lists the first domain from domid on. */
    if ( n == 0 || info.domain != c->domid )
        return no_domain(c, c->domain);

    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: xen-subpage [--json] <command> ...\n"
"       xen-subpage [--json] -m <domain> <command> ...   (domain given once)\n"
"\n"
"Sub-page write permissions (Intel SPP) of HVM guest pages.  A map has a bit\n"
"per 128-byte sub-page, set when it may be written: a number (0x0000ffff),\n"
"\"all\", \"none\", or a list of writable sub-pages (\"0-3,7\", \"5-5\").\n"
"\n"
"Commands:\n"
"  info [<domain>]               can this host protect sub-pages; does the\n"
"                                domain's processor (SPP) or Xen (software)\n"
"  set <domain> <gfn> <map>      protect a page with map\n"
"  get <domain> <gfn> [count]    show the maps of count pages from gfn\n"
"  clear <domain> <gfn> [count]  remove the protection of count pages\n"
"  apply <domain> <file|->       \"<gfn> <map>\" per line; a malformed line:\n"
"                                nothing applied; Xen failing part way: the\n"
"                                entries before the failing one stay applied\n"
"  stats <domain>                what SPP does for the domain, and its path\n"
"  exempt <domain> <view> <gfn> [on|off]\n"
"                                altp2m view writes gfn freely whatever its\n"
"                                map (on), or as the map says (off); without\n"
"                                on|off, show which\n"
"  ve enable <domain> <vcpu> <gfn>\n"
"  ve disable <domain> <vcpu>    altp2m #VE information page of a vCPU\n"
"  monitor <domain> [--policy deny|emulate|allow-once] [--count N]\n"
"                                print each write to a write-denied sub-page\n"
"                                (from the monitor ring) and drop it (deny,\n"
"                                the default), perform it (emulate) or let\n"
"                                it run with the page lifted (allow-once);\n"
"                                until N writes or SIGINT/SIGTERM\n"
"  guard <domain> <symbol-file> <symbol>[:<length>]... [--vcpu N]\n"
"        [--policy deny|emulate|allow-once] [--count N]\n"
"                                protect the sub-pages of a 64-bit guest's\n"
"                                kernel data (symbols from a System.map or\n"
"                                /proc/kallsyms, found in the page tables\n"
"                                of vcpu N, 0 by default) and monitor them,\n"
"                                each write with the symbol it hit; the\n"
"                                maps are put back at the end\n"
"  profile <domain> <seconds> <gfn> [count]\n"
"  profile <domain> <seconds> --symbols <symbol-file> <symbol>[:<length>]...\n"
"        [--vcpu N]\n"
"                                count the guest's writes to count pages\n"
"                                from gfn, or to the pages of the symbols\n"
"                                (found as guard finds them), per sub-page,\n"
"                                for seconds (the pages write-protected with\n"
"                                mem_access, each write emulated)\n"
"  help                          this text\n"
"\n"
"<domain> is a domid or a domain name; numbers are decimal or 0x hex.\n"
"Exit status: 0 done, 1 usage error, 2 operation failed.\n");
}

static int usage_error(struct cli *c, const char *fmt, const char *arg)
{
    fprintf(c->err, "xen-subpage: ");
    fprintf(c->err, fmt, arg);
    fprintf(c->err, "\n(\"xen-subpage help\" for usage)\n");

    return EXIT_USAGE;
}

/* An operation on gfn failed: say which, on which domain, and why. */
static int failed(struct cli *c, const char *what, uint64_t gfn)
{
    int e = errno;

    fprintf(c->err, "xen-subpage: %s: domain %s (%u), gfn %#" PRIx64 ": %s\n",
            what, c->domain, c->domid, gfn, strerror(e));

    return EXIT_FAILED;
}

static int get_domain(struct cli *c, const char *s)
{
    const char *why = "";

    c->domain = s;
    switch ( resolve_domain(s, &c->domid, &why) )
    {
    case 0:
        return 0;

    case RESOLVE_NO_DOMAIN:
        return no_domain(c, s);

    default:
        fprintf(c->err, "xen-subpage: cannot look up domain \"%s\": %s\n",
                s, why);
        return EXIT_FAILED;
    }
}

static int get_gfn(struct cli *c, const char *s, uint64_t *gfn)
{
    return parse_number(s, GFN_MAX, gfn)
           ? usage_error(c, "bad gfn \"%s\"", s) : 0;
}

static int get_count(struct cli *c, const char *s, uint64_t gfn,
                     uint64_t *count)
{
    if ( parse_number(s, BATCH_MAX_ENTRIES, count) || !*count ||
         gfn + *count - 1 > GFN_MAX )
        return usage_error(c, "bad count \"%s\"", s);

    return 0;
}

/*
 * In JSON, the separator comes before an entry, not after: a read that
 * fails part way must not leave one dangling.
 */
static void print_map(struct cli *c, uint64_t gfn, uint32_t map, bool first)
{
    char list[160];

    format_map_list(map, list, sizeof(list));
    if ( c->json )
        fprintf(c->out, "%s    {\"gfn\": %" PRIu64 ", \"map\": %u, "
                "\"writable\": \"%s\", \"protected\": %s}",
                first ? "" : ",\n", gfn, map, list,
                map == XC_SUBPAGE_ALL_WRITABLE ? "false" : "true");
    else
        fprintf(c->out, "0x%" PRIx64 " 0x%08x %s\n", gfn, map, list);
}

static const char *path_name(const xc_subpage_stats_t *s)
{
    return s->flags & XC_SUBPAGE_SOFTWARE ? "software" : "hardware";
}

/* The command's domain's stats, for command what (its error message). */
static int get_stats(struct cli *c, const char *what, xc_subpage_stats_t *s)
{
    int rc;

    if ( (rc = need_domain(c)) )
        return rc;
    if ( xc_get_subpage_stats(c->xch, c->domid, s) )
    {
        fprintf(c->err, "xen-subpage: %s: domain %s (%u): %s\n",
                what, c->domain, c->domid, strerror(errno));
        return EXIT_FAILED;
    }

    return 0;
}

/* Which path protects the domain's sub-pages: the processor's, or Xen's. */
static int domain_info(struct cli *c)
{
    xc_subpage_stats_t s;
    int rc;

    if ( (rc = get_stats(c, "info", &s)) )
        return rc;
    if ( c->json )
        fprintf(c->out, "{\"domid\": %u, \"path\": \"%s\"}\n", c->domid,
                path_name(&s));
    else
        fprintf(c->out, "domain %u: sub-page protection %s\n", c->domid,
                s.flags & XC_SUBPAGE_SOFTWARE
                ? "in software (Xen emulates writes to protected pages)"
                : "by the processor (SPP)");

    return 0;
}

static int cmd_info(struct cli *c, bool have_domain, int argc, char **argv)
{
    int avail, rc;

    if ( argc > 1 || (argc && have_domain) )
        return usage_error(c, "info takes at most <domain>%s", "");
    if ( argc && (rc = get_domain(c, argv[0])) )
        return rc;
    if ( argc || have_domain )
        return domain_info(c);
    if ( need_xc(c) )
        return EXIT_FAILED;
    avail = xc_subpage_available(c->xch);
    if ( avail < 0 )
    {
        fprintf(c->err, "xen-subpage: info: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    if ( c->json )
        fprintf(c->out, "{\"spp_available\": %s}\n", avail ? "true" : "false");
    else
        fprintf(c->out, "SPP %savailable\n", avail ? "" : "not ");

    return 0;
}

static int cmd_set(struct cli *c, int argc, char **argv)
{
    uint64_t gfn;
    uint32_t map;
    int rc;

    if ( argc != 2 )
        return usage_error(c, "set needs <gfn> <map>%s", "");
    if ( (rc = get_gfn(c, argv[0], &gfn)) )
        return rc;
    if ( parse_map(argv[1], &map) )
        return usage_error(c, "bad map \"%s\"", argv[1]);
    if ( (rc = need_domain(c)) )
        return rc;
    if ( xc_set_subpage(c->xch, c->domid, gfn, map) )
        return failed(c, "set", gfn);

    return 0;
}

static int cmd_get(struct cli *c, int argc, char **argv)
{
    uint64_t gfn, count = 1, i;
    int rc;

    if ( argc < 1 || argc > 2 )
        return usage_error(c, "get needs <gfn> [count]%s", "");
    if ( (rc = get_gfn(c, argv[0], &gfn)) ||
         (argc == 2 && (rc = get_count(c, argv[1], gfn, &count))) )
        return rc;
    if ( (rc = need_domain(c)) )
        return rc;

    if ( c->json )
        fprintf(c->out, "{\"domid\": %u, \"pages\": [\n", c->domid);
    for ( i = 0; i < count; i++ )
    {
        uint32_t map;

        if ( xc_get_subpage(c->xch, c->domid, gfn + i, &map) )
        {
            int e = errno;

            /* The pages read so far, and which one failed, and why. */
            if ( c->json )
                fprintf(c->out, "%s], \"failed_gfn\": %" PRIu64
                        ", \"error\": \"%s\"}\n", i ? "\n" : "", gfn + i,
                        strerror(e));
            errno = e;
            return failed(c, "get", gfn + i);
        }
        print_map(c, gfn + i, map, !i);
    }
    if ( c->json )
        fprintf(c->out, "\n]}\n");

    return 0;
}

/* Set the maps of b, reporting how far a failure let it go. */
static int apply_batch(struct cli *c, const char *what, struct batch *b)
{
    uint32_t done = 0;
    uint64_t failed_gfn = XEN_SUBPAGE_INVALID_GFN;
    int rc;

    if ( (rc = need_domain(c)) )
        return rc;
    if ( !xc_set_subpage_batch(c->xch, c->domid, b->gfns, b->maps, b->nr,
                               &done, &failed_gfn) )
    {
        if ( c->json )
            fprintf(c->out, "{\"domid\": %u, \"applied\": %u}\n",
                    c->domid, done);
        return 0;
    }
    /* Xen names the entry at fault, if one was (not for EFAULT, ENOMEM). */
    if ( failed_gfn != XEN_SUBPAGE_INVALID_GFN )
        failed(c, what, failed_gfn);
    else
        fprintf(c->err, "xen-subpage: %s: domain %s (%u): %s\n", what,
                c->domain, c->domid, strerror(errno));
    fprintf(c->err, "xen-subpage: %s: %u of %u entries applied, the others "
            "left as they were\n", what, done, b->nr);

    return EXIT_FAILED;
}

static int cmd_clear(struct cli *c, int argc, char **argv)
{
    struct batch b = { 0 };
    uint64_t gfn, count = 1, i;
    int rc;

    if ( argc < 1 || argc > 2 )
        return usage_error(c, "clear needs <gfn> [count]%s", "");
    if ( (rc = get_gfn(c, argv[0], &gfn)) ||
         (argc == 2 && (rc = get_count(c, argv[1], gfn, &count))) )
        return rc;
    if ( count == 1 )
        return (rc = need_domain(c)) ? rc :
               xc_clear_subpage(c->xch, c->domid, gfn)
               ? failed(c, "clear", gfn) : 0;

    b.gfns = malloc(count * sizeof(*b.gfns));
    b.maps = malloc(count * sizeof(*b.maps));
    if ( !b.gfns || !b.maps )
    {
        batch_free(&b);
        errno = ENOMEM;
        return failed(c, "clear", gfn);
    }
    for ( i = 0; i < count; i++ )
    {
        b.gfns[i] = gfn + i;
        b.maps[i] = XC_SUBPAGE_ALL_WRITABLE;
    }
    b.nr = count;
    rc = apply_batch(c, "clear", &b);
    batch_free(&b);

    return rc;
}

/* The whole of f, NUL-terminated. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap), *nbuf;

    while ( buf && (got = fread(buf + n, 1, cap - n, f)) > 0 )
    {
        n += got;
        if ( n == cap )
        {
            nbuf = realloc(buf, cap *= 2);
            if ( !nbuf )
                free(buf);
            buf = nbuf;
        }
    }
    if ( buf && ferror(f) )
    {
        free(buf);
        buf = NULL;
    }
    *len = n;

    return buf;
}

static int cmd_apply(struct cli *c, int argc, char **argv)
{
    struct batch b;
    char err[128], *text;
    size_t len;
    FILE *f;
    int rc;

    if ( argc != 1 )
        return usage_error(c, "apply needs <file|->%s", "");
    f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
    if ( !f )
    {
        fprintf(c->err, "xen-subpage: apply: %s: %s\n", argv[0],
                strerror(errno));
        return EXIT_FAILED;
    }
    text = read_all(f, &len);
    if ( f != stdin )
        fclose(f);
    if ( !text )
    {
        fprintf(c->err, "xen-subpage: apply: cannot read %s\n", argv[0]);
        return EXIT_FAILED;
    }
    rc = parse_batch(text, len, &b, err, sizeof(err));
    free(text);
    if ( rc )
    {
        fprintf(c->err, "xen-subpage: apply: %s: %s; nothing applied\n",
                argv[0], err);
        return EXIT_USAGE;
    }
    rc = apply_batch(c, "apply", &b);
    batch_free(&b);

    return rc;
}

static int cmd_stats(struct cli *c, int argc, char **argv)
{
    xc_subpage_stats_t s;
    int rc;

    (void)argv;
    if ( argc )
        return usage_error(c, "stats takes only <domain>%s", "");
    if ( (rc = get_stats(c, "stats", &s)) )
        return rc;
    fprintf(c->out, c->json
            ? "{\"domid\": %u, \"path\": \"%s\", \"protected_pages\": %"
              PRIu64 ", \"sppt_pages\": %" PRIu64 ", \"write_violations\": %"
              PRIu64 ", \"emulated_writes\": %" PRIu64 ", \"miss_exits\": %"
              PRIu64 ", \"misconfig_exits\": %" PRIu64 "}\n"
            : "domain %u\n  path              %s"
              "\n  protected pages   %" PRIu64
              "\n  SPPT pages        %" PRIu64
              "\n  write violations  %" PRIu64
              "\n  emulated writes   %" PRIu64
              "\n  SPPT miss exits   %" PRIu64
              "\n  misconfig exits   %" PRIu64 "\n",
            c->domid, path_name(&s), s.protected_pages, s.sppt_pages,
            s.write_violations, s.emulated_writes, s.miss_exits,
            s.misconfig_exits);

    return 0;
}

static int cmd_exempt(struct cli *c, int argc, char **argv)
{
    uint64_t view, gfn;
    bool exempt;
    int rc;

    if ( argc != 2 && argc != 3 )
        return usage_error(c, "exempt needs <view> <gfn> [on|off]%s", "");
    if ( parse_number(argv[0], UINT16_MAX, &view) )
        return usage_error(c, "bad view \"%s\"", argv[0]);
    if ( (rc = get_gfn(c, argv[1], &gfn)) )
        return rc;
    if ( argc == 3 && strcmp(argv[2], "on") && strcmp(argv[2], "off") )
        return usage_error(c, "exempt takes on or off, not \"%s\"", argv[2]);
    if ( (rc = need_domain(c)) )
        return rc;

    if ( argc == 3 )
        return xc_set_subpage_exempt(c->xch, c->domid, view, gfn,
                                     !strcmp(argv[2], "on"))
               ? failed(c, "exempt", gfn) : 0;

    if ( xc_get_subpage_exempt(c->xch, c->domid, view, gfn, &exempt) )
        return failed(c, "exempt", gfn);
    if ( c->json )
        fprintf(c->out, "{\"view\": %" PRIu64 ", \"gfn\": %" PRIu64
                ", \"exempt\": %s}\n", view, gfn, exempt ? "true" : "false");
    else
        fprintf(c->out, "view %" PRIu64 " gfn 0x%" PRIx64 " %s\n", view, gfn,
                exempt ? "exempt" : "checked");

    return 0;
}

static int cmd_ve(struct cli *c, bool enable, int argc, char **argv)
{
    uint64_t vcpu, gfn = 0;
    int rc;

    if ( argc != (enable ? 2 : 1) )
        return usage_error(c, enable ? "ve enable needs <vcpu> <gfn>%s"
                                     : "ve disable needs <vcpu>%s", "");
    if ( parse_number(argv[0], UINT32_MAX - 1, &vcpu) )
        return usage_error(c, "bad vcpu \"%s\"", argv[0]);
    if ( enable && (rc = get_gfn(c, argv[1], &gfn)) )
        return rc;
    if ( (rc = need_domain(c)) )
        return rc;

    rc = enable
         ? xc_altp2m_set_vcpu_enable_notify(c->xch, c->domid, vcpu, gfn)
         : xc_altp2m_set_vcpu_disable_notify(c->xch, c->domid, vcpu);
    if ( rc )
    {
        fprintf(c->err, "xen-subpage: ve %s: domain %s (%u), vcpu %" PRIu64
                ": %s\n", enable ? "enable" : "disable", c->domain,
                c->domid, vcpu, strerror(errno));
        return EXIT_FAILED;
    }

    return 0;
}

/*
 * --policy or --count with its value, for monitor and guard: 0, a usage
 * error, or -1 when opt is neither.
 */
static int monitor_option(struct cli *c, const char *opt, const char *value,
                          struct monitor_opts *o)
{
    if ( !strcmp(opt, "--policy") )
        return spp_policy_parse(value, &o->policy)
               ? usage_error(c, "bad policy \"%s\"", value) : 0;
    if ( !strcmp(opt, "--count") )
        return parse_number(value, UINT64_MAX, &o->count) || !o->count
               ? usage_error(c, "bad count \"%s\"", value) : 0;

    return -1;
}

/* monitor's options: the policy, and how many faults before it stops. */
static int monitor_options(struct cli *c, int argc, char **argv,
                           struct monitor_opts *o)
{
    for ( ; argc; argc -= 2, argv += 2 )
    {
        bool policy = !strcmp(argv[0], "--policy");
        int rc;

        if ( !policy && strcmp(argv[0], "--count") )
            return usage_error(c, "monitor: unknown argument \"%s\"",
                               argv[0]);
        if ( argc < 2 )
            return usage_error(c, policy
                               ? "%s needs deny, emulate or allow-once"
                               : "%s needs a number", argv[0]);
        if ( (rc = monitor_option(c, argv[0], argv[1], o)) )
            return rc;
    }

    return 0;
}

static int cmd_monitor(struct cli *c, int argc, char **argv)
{
    struct monitor_opts o = {
        .domid = c->domid, .domain = c->domain, .json = c->json,
        .policy = SPP_POLICY_DENY,
    };
    int rc;

    if ( (rc = monitor_options(c, argc, argv, &o)) ||
         (rc = need_domain(c)) )
        return rc;

    return monitor_domain(c->xch, &o, c->out, c->err) ? EXIT_FAILED : 0;
}

/*
 * guard's and profile's arguments: the symbol file, the targets, and
 * options anywhere among them (--vcpu; guard's also those of monitor).
 */
static int guard_options(struct cli *c, int argc, char **argv,
                         struct guard_opts *o)
{
    bool guard = !strcmp(o->command, "guard");
    char msg[80];
    uint64_t n;
    int rc;

    for ( ; argc; argc--, argv++ )
    {
        const char *opt = argv[0];

        if ( strncmp(opt, "--", 2) )
        {
            if ( !o->symbol_file )
                o->symbol_file = opt;
            else
                o->targets[o->nr_targets++] = argv[0];
            continue;
        }
        if ( argc < 2 )
        {
            snprintf(msg, sizeof(msg), "%s: %s needs a value", o->command,
                     opt);
            return usage_error(c, "%s", msg);
        }
        argc--, argv++;
        if ( !strcmp(opt, "--vcpu") )
        {
            if ( parse_number(argv[0], UINT32_MAX, &n) )
                return usage_error(c, "bad vcpu \"%s\"", argv[0]);
            o->vcpu = n;
        }
        else if ( !guard ||
                  (rc = monitor_option(c, opt, argv[0], &o->mon)) < 0 )
        {
            snprintf(msg, sizeof(msg), "%s: unknown argument \"%s\"",
                     o->command, opt);
            return usage_error(c, "%s", msg);
        }
        else if ( rc )
            return rc;
    }
    if ( !o->nr_targets )
        return usage_error(c, "%s needs <symbol-file> <symbol>...",
                           o->command);

    return 0;
}

static int cmd_guard(struct cli *c, int argc, char **argv)
{
    struct guard_opts o = {
        .command = "guard",
        .mon = {
            .domid = c->domid, .domain = c->domain, .json = c->json,
            .policy = SPP_POLICY_DENY,
        },
    };
    int rc;

    o.targets = calloc(argc ? argc : 1, sizeof(*o.targets));
    if ( !o.targets )
    {
        fprintf(c->err, "xen-subpage: %s\n", strerror(ENOMEM));
        return EXIT_FAILED;
    }
    if ( !(rc = guard_options(c, argc, argv, &o)) && !(rc = need_domain(c)) )
        rc = guard_domain(c->xch, &o, c->out, c->err) ? EXIT_FAILED : 0;
    free(o.targets);

    return rc;
}

#define PROFILE_MAX_PAGES   64
#define PROFILE_MAX_SECONDS 3600

static void print_profile(struct cli *c, uint64_t gfn, const uint64_t *n)
{
    uint64_t total = 0;
    unsigned int i;

    for ( i = 0; i < SPP_SUBPAGES; i++ )
        total += n[i];
    if ( c->json )
        fprintf(c->out, "{\"gfn\": %" PRIu64 ", \"writes\": %" PRIu64
                ", \"subpages\": [", gfn, total);
    else
        fprintf(c->out, "gfn %#" PRIx64 " writes %" PRIu64 " subpages", gfn,
                total);
    for ( i = 0; i < SPP_SUBPAGES; i++ )
        fprintf(c->out, "%s%" PRIu64, c->json ? (i ? ", " : "") : " ", n[i]);
    fprintf(c->out, c->json ? "]}\n" : "\n");
}

/* The piece of a symbol's range on one page: where, and its sub-pages. */
static void print_symbol_piece(struct cli *c, const struct gva_target *t,
                               const struct gva_page *p)
{
    uint64_t start = t->sym->addr > p->va ? t->sym->addr : p->va;
    uint64_t end = t->sym->addr + t->len, off, len, first, last;

    if ( end > p->va + GVA_PAGE_SIZE )
        end = p->va + GVA_PAGE_SIZE;
    off = start - t->sym->addr;
    len = end - start;
    first = (start - p->va) / GVA_SUBPAGE;
    last = (end - 1 - p->va) / GVA_SUBPAGE;
    if ( c->json )
        fprintf(c->out, "{\"symbol\": \"%s+0x%" PRIx64 "\", \"length\": %"
                PRIu64 ", \"gfn\": %" PRIu64 ", \"first_subpage\": %"
                PRIu64 ", \"last_subpage\": %" PRIu64 "}\n", t->sym->name,
                off, len, p->gfn, first, last);
    else
        fprintf(c->out, "symbol %s+0x%" PRIx64 " %" PRIu64 " bytes gfn %#"
                PRIx64 " subpages %" PRIu64 "-%" PRIu64 "\n", t->sym->name,
                off, len, p->gfn, first, last);
}

/* Where each target lies: a line for each page it is on. */
static void print_symbols(struct cli *c, const struct guard_opts *o,
                          const struct guard_found *f)
{
    unsigned int i;
    size_t j;

    for ( i = 0; i < o->nr_targets; i++ )
    {
        const struct gva_target *t = &f->targets[i];

        for ( j = 0; j < f->g.nr_pages; j++ )
        {
            const struct gva_page *p = &f->g.page[j];

            if ( p->va < t->sym->addr + t->len &&
                 t->sym->addr < p->va + GVA_PAGE_SIZE )
                print_symbol_piece(c, t, p);
        }
    }
}

/* The gfns of the pages found, each once.  Whether they are not too many. */
static bool symbol_gfns(const struct guard_found *f, uint64_t *gfns,
                        uint64_t *count)
{
    size_t i, j;

    for ( *count = i = 0; i < f->g.nr_pages; i++ )
    {
        for ( j = 0; j < *count && gfns[j] != f->g.page[i].gfn; j++ )
            continue;
        if ( j < *count )
            continue;
        if ( *count == PROFILE_MAX_PAGES )
            return false;
        gfns[(*count)++] = f->g.page[i].gfn;
    }

    return true;
}

/* profile's pages: "<gfn> [count]", or "--symbols <file> <symbol>...". */
static int profile_pages(struct cli *c, int argc, char **argv,
                         struct guard_opts *g, struct guard_found *f,
                         uint64_t *gfns, uint64_t *count)
{
    uint64_t gfn, i;
    int rc;

    if ( !strcmp(argv[0], "--symbols") )
    {
        if ( (rc = guard_options(c, argc - 1, argv + 1, g)) ||
             (rc = need_domain(c)) )
            return rc;
        if ( guard_find(c->xch, g, c->err, f) )
            return EXIT_FAILED;
        if ( !symbol_gfns(f, gfns, count) )
        {
            fprintf(c->err, "xen-subpage: profile: domain %s (%u): the "
                    "symbols are on more than %u pages\n", c->domain,
                    c->domid, PROFILE_MAX_PAGES);
            return EXIT_FAILED;
        }

        return 0;
    }

    if ( argc > 2 )
        return usage_error(c, "profile needs <seconds> <gfn> [count]%s", "");
    if ( (rc = get_gfn(c, argv[0], &gfn)) )
        return rc;
    if ( argc == 2 &&
         (parse_number(argv[1], PROFILE_MAX_PAGES, count) || !*count) )
        return usage_error(c, "bad count \"%s\" (1 to 64)", argv[1]);
    if ( gfn + *count - 1 < gfn )
        return usage_error(c, "bad gfn \"%s\"", argv[0]);
    for ( i = 0; i < *count; i++ )
        gfns[i] = gfn + i;

    return need_domain(c);
}

/*
 * Where a page's writes go, per sub-page: what an engine needs to know
 * to choose the sub-pages it can afford to protect.
 */
static int cmd_profile(struct cli *c, int argc, char **argv)
{
    struct guard_opts g = {
        .command = "profile",
        .mon = {
            .domid = c->domid, .domain = c->domain, .json = c->json,
            .policy = SPP_POLICY_DENY,
        },
    };
    struct monitor_opts *o = &g.mon;
    struct guard_found f = { 0 };
    uint64_t secs, count = 1, gfns[PROFILE_MAX_PAGES];
    uint64_t counts[PROFILE_MAX_PAGES][SPP_SUBPAGES] = { { 0 } };
    unsigned int i;
    int rc;

    if ( argc < 2 )
        return usage_error(c, "profile needs <seconds> <gfn> [count]%s", "");
    if ( parse_number(argv[0], PROFILE_MAX_SECONDS, &secs) || !secs )
        return usage_error(c, "bad seconds \"%s\" (1 to 3600)", argv[0]);
    g.targets = calloc(argc, sizeof(*g.targets));
    if ( !g.targets )
    {
        fprintf(c->err, "xen-subpage: %s\n", strerror(ENOMEM));
        return EXIT_FAILED;
    }
    if ( (rc = profile_pages(c, argc - 1, argv + 1, &g, &f, gfns, &count)) )
        goto out;

    o->profile_gfns = gfns;
    o->nr_profile = count;
    o->profile = counts;
    o->duration_ms = secs * 1000;
    if ( g.symbol_file )
        print_symbols(c, &g, &f);
    rc = EXIT_FAILED;
    if ( monitor_domain(c->xch, o, c->out, c->err) )
        goto out;
    for ( i = 0; i < count; i++ )
        print_profile(c, gfns[i], counts[i]);
    rc = 0;

 out:
    guard_found_free(&f);
    free(g.targets);

    return rc;
}

/* The command in argv[0], its domain (unless given by -m) and arguments. */
static int run(struct cli *c, bool have_domain, int argc, char **argv)
{
    const char *cmd = argv[0];
    bool ve = !strcmp(cmd, "ve"), enable = false;
    int rc;

    if ( !strcmp(cmd, "help") )
    {
        usage(c->out);
        return 0;
    }
    if ( !strcmp(cmd, "info") )
        return cmd_info(c, have_domain, argc - 1, argv + 1);

    argc--, argv++;
    if ( ve )
    {
        if ( !argc ||
             (strcmp(argv[0], "enable") && strcmp(argv[0], "disable")) )
            return usage_error(c, "ve needs enable or disable%s", "");
        enable = !strcmp(argv[0], "enable");
        argc--, argv++;
    }
    else if ( strcmp(cmd, "set") && strcmp(cmd, "get") &&
              strcmp(cmd, "clear") && strcmp(cmd, "apply") &&
              strcmp(cmd, "stats") && strcmp(cmd, "monitor") &&
              strcmp(cmd, "exempt") && strcmp(cmd, "guard") &&
              strcmp(cmd, "profile") )
        return usage_error(c, "unknown command \"%s\"", cmd);

    if ( !have_domain )
    {
        if ( !argc )
            return usage_error(c, "%s needs a domain", cmd);
        if ( (rc = get_domain(c, argv[0])) )
            return rc;
        argc--, argv++;
    }

    if ( ve )
        return cmd_ve(c, enable, argc, argv);
    if ( !strcmp(cmd, "set") )
        return cmd_set(c, argc, argv);
    if ( !strcmp(cmd, "get") )
        return cmd_get(c, argc, argv);
    if ( !strcmp(cmd, "clear") )
        return cmd_clear(c, argc, argv);
    if ( !strcmp(cmd, "apply") )
        return cmd_apply(c, argc, argv);
    if ( !strcmp(cmd, "monitor") )
        return cmd_monitor(c, argc, argv);
    if ( !strcmp(cmd, "exempt") )
        return cmd_exempt(c, argc, argv);
    if ( !strcmp(cmd, "guard") )
        return cmd_guard(c, argc, argv);
    if ( !strcmp(cmd, "profile") )
        return cmd_profile(c, argc, argv);

    return cmd_stats(c, argc, argv);
}

int xen_subpage_main(int argc, char **argv, FILE *out, FILE *err)
{
    struct cli c = { .out = out, .err = err };
    bool have_domain = false;
    int i, rc;

    for ( i = 1; i < argc && argv[i][0] == '-'; i++ )
    {
        if ( !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") )
        {
            usage(out);
            return 0;
        }
        if ( !strcmp(argv[i], "--json") )
            c.json = true;
        else if ( !strcmp(argv[i], "-m") && i + 1 < argc )
        {
            if ( (rc = get_domain(&c, argv[++i])) )
                return rc;
            have_domain = true;
        }
        else
            return usage_error(&c, "unknown option \"%s\"", argv[i]);
    }
    if ( i == argc )
    {
        usage(err);
        return EXIT_USAGE;
    }

    rc = run(&c, have_domain, argc - i, argv + i);
    if ( c.xch )
        xc_interface_close(c.xch);

    return rc;
}
