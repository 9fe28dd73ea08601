/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xen-subpage's command line, output and exit codes on a table of good and
 * bad invocations, over a recording libxenctrl (fake-xc.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "xen-subpage.h"
#include "fake-xc.h"

/* A fresh fake whose call number n fails with err. */
static void fail_at(unsigned int n, int err)
{
    fake_xc_reset();
    fxc.fail_call = n;
    fxc.fail_errno = err;
}
static char out[65536], err[4096];

/* Run xen-subpage with the NULL-terminated arguments from arg on. */
static int invoke(const char *arg, va_list ap)
{
    char *argv[16] = { "xen-subpage" };
    FILE *o = fmemopen(out, sizeof(out), "w");
    FILE *e = fmemopen(err, sizeof(err), "w");
    int argc = 1, rc;

    for ( ; arg; arg = va_arg(ap, const char *) )
        argv[argc++] = (char *)arg;
    memset(out, 0, sizeof(out));
    memset(err, 0, sizeof(err));
    rc = xen_subpage_main(argc, argv, o, e);
    fclose(o);
    fclose(e);

    return rc;
}

/* "xen-subpage <args...>" (NULL-terminated): its exit code. */
static int run(const char *arg, ...)
{
    va_list ap;
    int rc;

    va_start(ap, arg);
    rc = invoke(arg, ap);
    va_end(ap);
    /* Opened only when needed, and always closed. */
    assert_int_equal(fxc.opens, fxc.closes);

    return rc;
}

#define EXPECT_OUT(s) assert_non_null(strstr(out, s))
#define EXPECT_ERR(s) assert_non_null(strstr(err, s))

static int reset(void **state)
{
    (void)state;
    fake_xc_reset();
    return 0;
}

/* A usage error: exit 1, a message, and nothing asked of Xen. */
static void usage_error(const char *msg, const char *arg, ...)
{
    va_list ap;
    int rc;

    fake_xc_reset();
    va_start(ap, arg);
    rc = invoke(arg, ap);
    va_end(ap);
    if ( rc != 1 || !strstr(err, msg) || fxc.opens )
        fail_msg("%s ...: rc %d, opens %u, err \"%s\"", arg, rc, fxc.opens,
                 err);
}

static void help_and_usage(void **state)
{
    (void)state;
    assert_int_equal(run("help", NULL), 0);
    EXPECT_OUT("Usage: xen-subpage");
    assert_int_equal(run("-h", NULL), 0);
    EXPECT_OUT("apply <domain> <file|->");
    /* Xen failing part way leaves the earlier entries applied. */
    assert_null(strstr(out, "all or nothing"));
    EXPECT_OUT("the\n                                entries before the "
               "failing one stay applied\n");
    EXPECT_OUT("monitor <domain> [--policy deny|emulate|allow-once] "
               "[--count N]");
    assert_int_equal(run("--help", NULL), 0);
    assert_int_equal(run(NULL), 1);
    EXPECT_ERR("Usage: xen-subpage");
    assert_int_equal(fxc.opens, 0);
}

static void bad_invocations(void **state)
{
    (void)state;
    usage_error("unknown command \"bogus\"", "bogus", NULL);
    usage_error("unknown option \"--foo\"", "--foo", "info", NULL);
    usage_error("info takes at most <domain>", "info", "5", "6", NULL);
    usage_error("info takes at most <domain>", "-m", "5", "info", "6", NULL);
    usage_error("set needs a domain", "set", NULL);
    usage_error("no domain \"nosuch\"", "set", "nosuch", "1", "1", NULL);
    usage_error("no domain \"0x7ff0\"", "set", "0x7ff0", "1", "1", NULL);
    usage_error("no domain \"-1\"", "get", "-1", "1", NULL);
    usage_error("set needs <gfn> <map>", "set", "5", "0x1000", NULL);
    usage_error("set needs <gfn> <map>", "set", "5", "1", "1", "1", NULL);
    usage_error("bad map \"0-3,99\"", "set", "5", "1", "0-3,99", NULL);
    usage_error("bad map \"0x100000000\"", "set", "5", "1", "0x100000000",
                NULL);
    usage_error("bad gfn \"-1\"", "set", "5", "-1", "1", NULL);
    usage_error("bad gfn \"0x10000000000\"", "set", "5", "0x10000000000",
                "1", NULL);
    usage_error("bad gfn \"12abc\"", "get", "5", "12abc", NULL);
    usage_error("bad count \"0\"", "get", "5", "1", "0", NULL);
    usage_error("bad count \"2\"", "get", "5", "0xffffffffff", "2", NULL);
    usage_error("bad count \"99999999999999999999\"", "clear", "5", "1",
                "99999999999999999999", NULL);
    usage_error("stats takes only <domain>", "stats", "5", "1", NULL);
    usage_error("apply needs <file|->", "apply", "5", NULL);
    usage_error("exempt needs <view> <gfn> [on|off]", "exempt", "5", "1",
                NULL);
    usage_error("bad view \"65536\"", "exempt", "5", "65536", "1", NULL);
    usage_error("bad gfn \"x\"", "exempt", "5", "1", "x", NULL);
    usage_error("exempt takes on or off, not \"yes\"", "exempt", "5", "1",
                "0x10", "yes", NULL);
    usage_error("ve needs enable or disable", "ve", "toggle", "5", "0",
                NULL);
    usage_error("ve enable needs <vcpu> <gfn>", "ve", "enable", "5", "0",
                NULL);
    usage_error("bad vcpu \"x\"", "ve", "disable", "5", "x", NULL);
    usage_error("no domain \"nosuch\"", "-m", "nosuch", "set", "1", "1",
                NULL);
}

/*
 * A domain is looked up before anything is done to it: one that does not
 * exist is exit 1, like an unknown name; libxl failing is not mistaken
 * for either.
 */
static void domain_checked(void **state)
{
    static const char *const cmds[][6] = {
        { "set", "12", "1", "1" },
        { "get", "12", "1" },
        { "clear", "12", "1" },
        { "clear", "12", "1", "2" },
        { "apply", "12", "/dev/null" },
        { "stats", "12" },
        { "exempt", "12", "1", "1" },
        { "ve", "disable", "12", "0" },
        { "monitor", "12" },
        { "-m", "6", "set", "1", "1" },     /* Xen lists the next: 7 */
    };
    unsigned int i;

    (void)state;
    for ( i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++ )
    {
        const char *const *a = cmds[i];
        int rc;

        fake_xc_reset();
        fxc.no_domain = true;
        rc = run(a[0], a[1], a[2], a[3], a[4], a[5]);
        if ( rc != 1 || fxc.nr_calls || !fxc.getinfos ||
             (!strstr(err, "xen-subpage: no domain \"12\"\n") &&
              !strstr(err, "xen-subpage: no domain \"6\"\n")) )
            fail_msg("%s %s: rc %d, %u calls, err \"%s\"", a[0], a[1], rc,
                     fxc.nr_calls, err);
    }

    /* A dying domain exists still: Xen tells what it allows. */
    fake_xc_reset();
    fxc.dying = true;
    fxc.fail_call = 1;
    fxc.fail_errno = EINVAL;
    assert_int_equal(run("set", "5", "1", "1", NULL), 2);
    assert_string_equal(err, "xen-subpage: set: domain 5 (5), gfn 0x1: "
                        "Invalid argument\n");
    assert_int_equal(fxc.nr_calls, 1);

    /* The hypervisor cannot be asked: not "no domain". */
    fake_xc_reset();
    fxc.open_errno = EACCES;
    assert_int_equal(run("get", "5", "1", NULL), 2);
    assert_string_equal(err, "xen-subpage: cannot open the hypervisor "
                        "interface: Permission denied\n");

    /* A name, with libxl failing: exit 2, and said so. */
    fake_xc_reset();
    fxc.libxl_fails = true;
    assert_int_equal(run("set", "win10", "1", "1", NULL), 2);
    assert_string_equal(err, "xen-subpage: cannot look up domain \"win10\": "
                        "cannot start libxl\n");
    assert_int_equal(fxc.opens, 0);
    assert_int_equal(run("-m", "win10", "stats", NULL), 2);
    EXPECT_ERR("cannot start libxl");

    /* Those that exist are acted on. */
    fake_xc_reset();
    assert_int_equal(run("get", "guest", "1", NULL), 0);
    assert_int_equal(fxc.getinfos, 1);
    assert_int_equal(fxc.nr_calls, 1);
}

static void info(void **state)
{
    (void)state;
    assert_int_equal(run("info", NULL), 0);
    EXPECT_OUT("SPP available");
    fxc.available = 0;
    assert_int_equal(run("--json", "info", NULL), 0);
    assert_string_equal(out, "{\"spp_available\": false}\n");
    fxc.available = -1;
    fxc.fail_errno = EACCES;
    errno = EACCES;
    assert_int_equal(run("info", NULL), 2);
    EXPECT_ERR("Permission denied");
}

/* With a domain, info names the path from the domain's stats. */
static void info_names_the_path(void **state)
{
    (void)state;
    assert_int_equal(run("info", "5", NULL), 0);
    EXPECT_OUT("domain 5: sub-page protection by the processor (SPP)");
    assert_string_equal(fxc.call[0].name, "stats");
    assert_int_equal(fxc.call[0].domid, 5);
    fxc.software = true;
    assert_int_equal(run("--json", "-m", "guest", "info", NULL), 0);
    assert_string_equal(out, "{\"domid\": 5, \"path\": \"software\"}\n");
    assert_int_equal(run("info", "5", NULL), 0);
    EXPECT_OUT("domain 5: sub-page protection in software");
    fxc.fail_call = fxc.nr_calls + 1;
    fxc.fail_errno = EOPNOTSUPP;
    assert_int_equal(run("info", "5", NULL), 2);
    EXPECT_ERR("info: domain 5 (5): Operation not supported");
}

static void set_forms(void **state)
{
    (void)state;
    assert_int_equal(run("set", "5", "0x1000", "0x0000ffff", NULL), 0);
    assert_string_equal(fxc.call[0].name, "set");
    assert_int_equal(fxc.call[0].domid, 5);
    assert_int_equal(fxc.call[0].gfn, 0x1000);
    assert_int_equal(fxc.map, 0xffff);
    assert_string_equal(out, "");

    fake_xc_reset();
    assert_int_equal(run("set", "guest", "4096", "0-3,7", NULL), 0);
    assert_int_equal(fxc.call[0].domid, 5);
    assert_int_equal(fxc.call[0].gfn, 4096);
    assert_int_equal(fxc.map, 0x8f);

    /* The RFC's form. */
    fake_xc_reset();
    assert_int_equal(run("-m", "7", "set", "0x20", "none", NULL), 0);
    assert_int_equal(fxc.call[0].domid, 7);
    assert_int_equal(fxc.map, 0);
}

static void set_failure_names_everything(void **state)
{
    (void)state;
    fxc.fail_call = 1;
    fxc.fail_errno = EOPNOTSUPP;
    assert_int_equal(run("set", "guest", "0x1", "all", NULL), 2);
    EXPECT_ERR("set: domain guest (5), gfn 0x1: Operation not supported");
    fake_xc_reset();
    fxc.open_errno = ENOENT;
    assert_int_equal(run("set", "5", "1", "1", NULL), 2);
    EXPECT_ERR("cannot open the hypervisor interface");
}

static void get_prints_both_forms(void **state)
{
    (void)state;
    fxc.get_map = 0x0000000f;
    assert_int_equal(run("get", "5", "0x1000", NULL), 0);
    assert_string_equal(out, "0x1000 0x0000000f 0-3\n");

    assert_int_equal(run("get", "5", "0x1000", "3", NULL), 0);
    assert_string_equal(out, "0x1000 0x0000000f 0-3\n"
                             "0x1001 0x0000000e 1-3\n"
                             "0x1002 0x0000000d 0,2-3\n");

    /* Zeros keep their 0x and width (printf's "#" drops them). */
    fxc.get_map = 0;
    assert_int_equal(run("get", "5", "0", NULL), 0);
    assert_string_equal(out, "0x0 0x00000000 none\n");

    fxc.get_map = 0xffffffff;
    assert_int_equal(run("--json", "get", "5", "16", NULL), 0);
    EXPECT_OUT("{\"domid\": 5, \"pages\": [");
    EXPECT_OUT("\"gfn\": 16, \"map\": 4294967279, \"writable\": "
               "\"0-3,5-31\", \"protected\": true}");

    /* The second page fails: the first is printed, then the error. */
    fail_at(2, EINVAL);
    assert_int_equal(run("get", "5", "0x10", "3", NULL), 2);
    EXPECT_OUT("0x10 ");
    EXPECT_ERR("get: domain 5 (5), gfn 0x11: Invalid argument");
    assert_int_equal(fxc.nr_calls, 2);
}

/* "get --json" of gfns 0x10 and 0x11 with map 0xf, up to the array's end. */
#define TWO_PAGES_JSON \
    "{\"domid\": 5, \"pages\": [\n" \
    "    {\"gfn\": 16, \"map\": 31, \"writable\": \"0-4\", " \
    "\"protected\": true},\n" \
    "    {\"gfn\": 17, \"map\": 30, \"writable\": \"1-4\", " \
    "\"protected\": true}\n"

/* JSON stays JSON, whether all the pages are read or not. */
static void get_json_always_valid(void **state)
{
    (void)state;
    fxc.get_map = 0x0000000f;
    assert_int_equal(run("--json", "get", "5", "0x10", "2", NULL), 0);
    assert_string_equal(out, TWO_PAGES_JSON "]}\n");

    /* The third page fails: the array closed, the failure in the object. */
    fail_at(3, EINVAL);
    fxc.get_map = 0x0000000f;
    assert_int_equal(run("--json", "get", "5", "0x10", "4", NULL), 2);
    assert_string_equal(out, TWO_PAGES_JSON "], \"failed_gfn\": 18, "
                        "\"error\": \"Invalid argument\"}\n");
    assert_string_equal(err, "xen-subpage: get: domain 5 (5), gfn 0x12: "
                        "Invalid argument\n");

    /* The first fails: an empty array. */
    fail_at(1, EPERM);
    assert_int_equal(run("--json", "get", "5", "0x10", "4", NULL), 2);
    assert_string_equal(out, "{\"domid\": 5, \"pages\": [\n"
                        "], \"failed_gfn\": 16, \"error\": \"Operation not "
                        "permitted\"}\n");
}

static void clear_one_and_many(void **state)
{
    unsigned int i;

    (void)state;
    assert_int_equal(run("clear", "5", "0x1000", NULL), 0);
    assert_string_equal(fxc.call[0].name, "clear");
    assert_int_equal(fxc.call[0].gfn, 0x1000);

    fake_xc_reset();
    assert_int_equal(run("clear", "5", "0x1000", "4", NULL), 0);
    assert_string_equal(fxc.call[0].name, "batch");
    assert_int_equal(fxc.nr, 4);
    for ( i = 0; i < 4; i++ )
    {
        assert_int_equal(fxc.gfns[i], 0x1000 + i);
        assert_int_equal(fxc.maps[i], 0xffffffff);
    }
}

static const char *write_file(const char *text)
{
    static char path[] = "/tmp/xen-subpage-test-XXXXXX";
    int fd;
    FILE *f;

    strcpy(path, "/tmp/xen-subpage-test-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);

    return path;
}

static void apply_files(void **state)
{
    const char *p;

    (void)state;
    p = write_file("# engine hooks\n0x1000 0-3\n0x1001 all\n\n4098 0x1\n");
    assert_int_equal(run("apply", "5", p, NULL), 0);
    assert_int_equal(fxc.nr, 3);
    assert_int_equal(fxc.gfns[2], 4098);
    assert_int_equal(fxc.maps[0], 0xf);
    assert_int_equal(fxc.maps[1], 0xffffffff);
    assert_int_equal(run("--json", "apply", "5", p, NULL), 0);
    assert_string_equal(out, "{\"domid\": 5, \"applied\": 3}\n");
    unlink(p);

    /* A bad line: nothing applied at all. */
    fake_xc_reset();
    p = write_file("0x1000 0-3\n0x1001 all\n0x1002 0-40\n");
    assert_int_equal(run("apply", "5", p, NULL), 1);
    EXPECT_ERR("line 3: bad map \"0-40\"; nothing applied");
    assert_int_equal(fxc.nr_calls, 0);
    unlink(p);

    /* An empty file is an empty batch. */
    fake_xc_reset();
    p = write_file("");
    assert_int_equal(run("apply", "5", p, NULL), 0);
    assert_int_equal(fxc.nr, 0);
    unlink(p);

    assert_int_equal(run("apply", "5", "/nonexistent/batch", NULL), 2);
    EXPECT_ERR("No such file or directory");

    /* Xen fails on the 4th entry: what was applied is reported. */
    fake_xc_reset();
    p = write_file("1 1\n2 2\n3 3\n4 4\n5 5\n");
    fxc.fail_call = 1;
    fxc.fail_errno = ENOMEM;
    fxc.batch_done = 3;
    assert_int_equal(run("apply", "guest", p, NULL), 2);
    EXPECT_ERR("apply: domain guest (5), gfn 0x4: Cannot allocate memory");
    EXPECT_ERR("3 of 5 entries applied");
    unlink(p);

    /* Xen names no entry (EFAULT): neither does the tool. */
    fake_xc_reset();
    p = write_file("1 1\n2 2\n3 3\n4 4\n5 5\n");
    fxc.fail_call = 1;
    fxc.fail_errno = EFAULT;
    fxc.batch_done = 3;
    fxc.batch_no_gfn = true;
    assert_int_equal(run("apply", "guest", p, NULL), 2);
    assert_string_equal(err, "xen-subpage: apply: domain guest (5): Bad "
                        "address\n"
                        "xen-subpage: apply: 3 of 5 entries applied, the "
                        "others left as they were\n");
    unlink(p);
}

static void stats_and_ve(void **state)
{
    (void)state;
    assert_int_equal(run("stats", "5", NULL), 0);
    EXPECT_OUT("protected pages   10");
    EXPECT_OUT("misconfig exits   1");
    EXPECT_OUT("path              hardware");
    EXPECT_OUT("emulated writes   6");
    fxc.software = true;
    assert_int_equal(run("--json", "stats", "guest", NULL), 0);
    assert_string_equal(out, "{\"domid\": 5, \"path\": \"software\", "
                        "\"protected_pages\": 10, "
                        "\"sppt_pages\": 4, \"write_violations\": 3, "
                        "\"emulated_writes\": 6, "
                        "\"miss_exits\": 2, \"misconfig_exits\": 1}\n");
    fxc.fail_call = fxc.nr_calls + 1;
    fxc.fail_errno = EACCES;
    assert_int_equal(run("stats", "5", NULL), 2);
    EXPECT_ERR("xen-subpage: stats: domain 5 (5): Permission denied");

    fake_xc_reset();
    assert_int_equal(run("exempt", "5", "2", "0x206", "on", NULL), 0);
    assert_string_equal(fxc.call[0].name, "exempt-set");
    assert_int_equal(fxc.view, 2);
    assert_int_equal(fxc.call[0].gfn, 0x206);
    assert_int_equal(fxc.call[0].arg, 1);
    assert_int_equal(run("exempt", "5", "2", "0x206", "off", NULL), 0);
    assert_int_equal(fxc.call[1].arg, 0);
    assert_int_equal(run("exempt", "5", "2", "0x207", NULL), 0);
    assert_string_equal(fxc.call[2].name, "exempt-get");
    EXPECT_OUT("view 2 gfn 0x207 exempt\n");
    assert_int_equal(run("--json", "exempt", "5", "1", "0x206", NULL), 0);
    assert_string_equal(out, "{\"view\": 1, \"gfn\": 518, "
                        "\"exempt\": false}\n");
    fail_at(1, EINVAL);
    assert_int_equal(run("exempt", "guest", "9", "0x206", "on", NULL), 2);
    EXPECT_ERR("exempt: domain guest (5), gfn 0x206: Invalid argument");

    fake_xc_reset();
    assert_int_equal(run("ve", "enable", "5", "1", "0x2000", NULL), 0);
    assert_string_equal(fxc.call[0].name, "ve-enable");
    assert_int_equal(fxc.vcpu, 1);
    assert_int_equal(fxc.call[0].gfn, 0x2000);
    fail_at(1, EINVAL);
    assert_int_equal(run("ve", "disable", "guest", "3", NULL), 2);
    EXPECT_ERR("ve disable: domain guest (5), vcpu 3: Invalid argument");
}

static void monitor_usage_errors(void **state)
{
    (void)state;
    usage_error("monitor needs a domain", "monitor", NULL);
    usage_error("no domain \"nosuch\"", "monitor", "nosuch", NULL);
    usage_error("bad policy \"bogus\"", "monitor", "5", "--policy", "bogus",
                NULL);
    usage_error("bad policy \"Deny\"", "monitor", "5", "--policy", "Deny",
                NULL);
    usage_error("--policy needs deny, emulate or allow-once", "monitor", "5",
                "--policy", NULL);
    usage_error("bad count \"0\"", "monitor", "5", "--count", "0", NULL);
    usage_error("bad count \"ten\"", "monitor", "5", "--count", "ten", NULL);
    usage_error("bad count \"-1\"", "monitor", "5", "--count", "-1", NULL);
    usage_error("bad count \"99999999999999999999\"", "monitor", "5",
                "--count", "99999999999999999999", NULL);
    usage_error("--count needs a number", "monitor", "5", "--count", NULL);
    usage_error("bad count \"x\"", "-m", "5", "monitor", "--policy",
                "emulate", "--count", "x", NULL);
    usage_error("monitor: unknown argument \"extra\"", "monitor", "5",
                "extra", NULL);
    usage_error("monitor: unknown argument \"--policy=deny\"", "monitor",
                "5", "--policy=deny", NULL);
    /* The domain comes first. */
    usage_error("no domain \"--policy\"", "monitor", "--policy", "deny", "5",
                NULL);
}

/* The calls made, "name:gfn=arg" for those with a gfn or an argument. */
static const char *calls(void)
{
    static char buf[1024];
    size_t used = 0;
    unsigned int i;

    buf[0] = '\0';
    for ( i = 0; i < fxc.nr_calls && i < FAKE_XC_CALLS; i++ )
    {
        used += snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
                         fxc.call[i].name);
        if ( fxc.call[i].gfn )
            used += snprintf(buf + used, sizeof(buf) - used, ":%#" PRIx64,
                             fxc.call[i].gfn);
        if ( fxc.call[i].arg )
            used += snprintf(buf + used, sizeof(buf) - used, "=%#" PRIx64,
                             fxc.call[i].arg);
    }

    return buf;
}

/* Whatever happened, the domain runs and nothing is left behind. */
static void expect_closed(void)
{
    assert_int_equal(fxc.paused, 0);
    assert_int_equal(fxc.binds, fxc.unbinds);
    assert_int_equal(fxc.evtchn_opens, fxc.evtchn_closes);
    assert_null(fxc.ring_page);
    assert_int_equal(fxc.nr_rsp, fxc.sent);
}

#define STARTED(p) "xen-subpage: monitoring domain 5 (policy " p ")\n"
#define DENY    (VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_EMULATE | \
                 VM_EVENT_FLAG_EMULATE_NOWRITE)
#define STEP    (VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_TOGGLE_SINGLESTEP)

static void monitor_cannot_start(void **state)
{
    (void)state;
    fxc.monitor_errno = ENODEV;
    assert_int_equal(run("monitor", "guest", NULL), 2);
    assert_string_equal(err, "xen-subpage: monitor: domain guest (5): "
                        "cannot enable the monitor ring: No such device\n");
    assert_string_equal(calls(), "pause monitor-enable unpause");
    expect_closed();

    fake_xc_reset();
    fxc.monitor_errno = EBUSY;
    assert_int_equal(run("monitor", "5", NULL), 2);
    EXPECT_ERR("cannot enable the monitor ring (in use): Device or resource "
               "busy");

    fail_at(1, ESRCH);
    assert_int_equal(run("monitor", "5", NULL), 2);
    assert_string_equal(err, "xen-subpage: monitor: domain 5 (5): "
                        "cannot pause the domain: No such process\n");
    assert_string_equal(calls(), "pause");

    /* SPP faults not offered (a Xen without them): the ring goes again. */
    fail_at(3, EOPNOTSUPP);
    assert_int_equal(run("monitor", "5", NULL), 2);
    EXPECT_ERR("cannot ask for SPP faults (Xen does not offer them): "
               "Operation not supported");
    assert_string_equal(calls(), "pause monitor-enable monitor-spp=0x1 "
                        "monitor-disable unpause");
    expect_closed();

    /* Single steps for allow-once refused: the ring goes again. */
    fail_at(4, EOPNOTSUPP);
    assert_int_equal(run("monitor", "5", "--policy", "allow-once", NULL), 2);
    EXPECT_ERR("cannot monitor single steps: Operation not supported");
    assert_string_equal(calls(), "pause monitor-enable monitor-spp=0x1 "
                        "monitor-singlestep=0x1 monitor-spp monitor-disable "
                        "unpause");
    expect_closed();

    fake_xc_reset();
    fxc.open_errno = ENOENT;
    assert_int_equal(run("monitor", "5", NULL), 2);
    EXPECT_ERR("cannot open the hypervisor interface");
}

/* The two faults of monitor_deny() as printed. */
#define TWO_DENIED "vcpu 1 gfn 0x201 offset 0x204 subpage 4 " \
                   "rip 0xffffffff81001234 deny\n" \
                   "vcpu 0 gfn 0x300 offset 0xf80 subpage 31 " \
                   "rip 0x401000 deny\n"

static void monitor_deny(void **state)
{
    (void)state;
    fake_xc_fault(1, 0x201, 0x204, 0xffffffff81001234ULL);
    fake_xc_fault(0, 0x300, 0xf80, 0x401000);

    assert_int_equal(run("monitor", "guest", "--count", "2", NULL), 0);
    assert_string_equal(out, TWO_DENIED);

    assert_int_equal(fxc.nr_rsp, 2);
    assert_int_equal(fxc.rsp[0].vcpu_id, 1);
    assert_int_equal(fxc.rsp[0].flags, DENY);
    assert_int_equal(fxc.rsp[0].u.mem_access.gfn, 0x201);
    assert_int_equal(fxc.rsp[1].flags, DENY);
    /*
     * SPP faults asked for once the ring is there; the last calls: they
     * stop and the ring is disabled with the guest paused.
     */
    assert_non_null(strstr(calls(), "monitor-enable monitor-spp=0x1 "));
    assert_non_null(strstr(calls(), "pause monitor-spp monitor-disable "
                                    "unpause"));
    assert_null(strstr(calls(), "singlestep"));
    expect_closed();
}

#define EMULATE (VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_EMULATE)

/*
 * A mem_access event that is not from SPP (another restriction of the
 * page's, e.g. left by another engine): resumed, the vCPU would fault
 * again for ever.  Its access is emulated, as with no listener, said once,
 * and counted.
 */
static void monitor_foreign_access(void **state)
{
    vm_event_request_t *other;
    unsigned int i;

    (void)state;
    fake_xc_fault(1, 0x201, 0x204, 0xffffffff81001234ULL);
    for ( i = 0; i < 2; i++ )
    {
        other = fake_xc_event(2 + i, VM_EVENT_REASON_MEM_ACCESS);
        other->u.mem_access.gfn = 0x999 + i;
        other->u.mem_access.flags = MEM_ACCESS_W;
    }
    fake_xc_fault(0, 0x300, 0xf80, 0x401000);

    assert_int_equal(run("monitor", "guest", "--count", "2", NULL), 0);
    /* Not writes to write-denied sub-pages: not on out. */
    assert_string_equal(out, TWO_DENIED);
    assert_string_equal(err, STARTED("deny")
                        "xen-subpage: monitor: domain guest (5): vcpu 2 gfn "
                        "0x999 access flags 0x2: a mem_access event not from "
                        "SPP, emulated (more such are only counted)\n"
                        "xen-subpage: monitor: domain guest (5): 2 mem_access "
                        "events not from SPP, emulated\n");
    assert_int_equal(fxc.nr_rsp, 4);
    for ( i = 1; i < 3; i++ )
    {
        assert_int_equal(fxc.rsp[i].vcpu_id, 1 + i);
        assert_int_equal(fxc.rsp[i].reason, VM_EVENT_REASON_MEM_ACCESS);
        assert_int_equal(fxc.rsp[i].flags, EMULATE);
        /* Xen checks the emulation against the access it reported. */
        assert_int_equal(fxc.rsp[i].u.mem_access.gfn, 0x999 + i - 1);
        assert_int_equal(fxc.rsp[i].u.mem_access.flags, MEM_ACCESS_W);
    }
    assert_int_equal(fxc.rsp[3].flags, DENY);
    expect_closed();
}

/*
 * Writes Xen dropped without pausing a vCPU (a hypercall's output): shown
 * as dropped, whatever the policy, and not counted towards --count.
 */
static void monitor_dropped_writes(void **state)
{
    vm_event_request_t *ended;

    (void)state;
    fake_xc_fault(1, 0x201, 0x204, 0x1000);
    fxc.events[0].flags = 0;
    /* A protection that ended without us: reported, not counted. */
    ended = fake_xc_event(0, VM_EVENT_REASON_MEM_ACCESS);
    ended->flags = 0;
    ended->u.mem_access.gfn = 0x205;
    ended->u.mem_access.flags = MEM_ACCESS_SPP | MEM_ACCESS_SPP_ENDED;
    fake_xc_fault(0, 0x300, 0x80, 0x2000);

    assert_int_equal(run("monitor", "guest", "--policy", "emulate",
                         "--count", "1", NULL), 0);
    assert_string_equal(out, "vcpu 1 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0x1000 dropped\n"
                        "gfn 0x205 protection ended\n"
                        "vcpu 0 gfn 0x300 offset 0x80 subpage 1 "
                        "rip 0x2000 emulate\n");
    assert_string_equal(err, STARTED("emulate"));
    assert_int_equal(fxc.nr_rsp, 3);
    assert_int_equal(fxc.rsp[0].flags, 0);
    assert_int_equal(fxc.rsp[1].flags, 0);
    assert_int_equal(fxc.rsp[2].flags, EMULATE);
    expect_closed();
}

static void monitor_emulate_json(void **state)
{
    (void)state;
    fake_xc_fault(0, 0x201, 0x80, 0x1000);
    assert_int_equal(run("--json", "-m", "guest", "monitor", "--policy",
                         "emulate", "--count", "1", NULL), 0);
    assert_string_equal(out, "{\"vcpu\": 0, \"gfn\": 513, \"offset\": 128, "
                        "\"subpage\": 1, \"rip\": \"0x1000\", "
                        "\"policy\": \"emulate\"}\n");
    assert_string_equal(err, STARTED("emulate"));
    assert_int_equal(fxc.nr_rsp, 1);
    assert_int_equal(fxc.rsp[0].flags,
                     VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_EMULATE);
    expect_closed();
}

/* allow-once's calls: set up and 0x201 lifted; and the end. */
#define LIFTED_0x201 "pause monitor-enable monitor-spp=0x1 " \
                     "monitor-singlestep=0x1 unpause " \
                     "get:0x201 set:0x201=0xffffffff "
#define ALLOW_ONCE_CLOSED "pause monitor-singlestep monitor-spp " \
                          "monitor-disable unpause"

/*
 * The fault answered with a step, the step answered with step_flags, and
 * everything closed.
 */
static void assert_stepped(uint32_t step_flags)
{
    assert_int_equal(fxc.nr_rsp, 2);
    assert_int_equal(fxc.rsp[0].flags, STEP);
    assert_int_equal(fxc.rsp[1].reason, VM_EVENT_REASON_SINGLESTEP);
    assert_int_equal(fxc.rsp[1].flags, step_flags);
    expect_closed();
}

static void monitor_allow_once(void **state)
{
    (void)state;
    fxc.get_map = 0x0000ffff;           /* gfn 0x201 has 0x0000fffe */
    fake_xc_fault(0, 0x201, 0x204, 0x1000);
    fake_xc_singlestep(0);

    assert_int_equal(run("monitor", "5", "--policy", "allow-once", "--count",
                         "1", NULL), 0);
    assert_string_equal(out, "vcpu 0 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0x1000 allow-once\n");
    assert_string_equal(err, STARTED("allow-once"));
    /*
     * Lifted for the write, which steps; restored on the step, with the
     * guest paused as the monitor closes.
     */
    assert_string_equal(calls(),
                        LIFTED_0x201
                        "pause set:0x201=0xfffe unpause "
                        ALLOW_ONCE_CLOSED);
    assert_stepped(STEP);
}

/* Two vCPUs write the same page: the map comes back after both. */
static void monitor_allow_once_shared(void **state)
{
    unsigned int i;

    (void)state;
    fxc.get_map = 0x0000ffff;
    fake_xc_fault(0, 0x201, 0x204, 0x1000);
    fake_xc_fault(1, 0x201, 0x380, 0x2000);
    fake_xc_singlestep(0);
    fake_xc_singlestep(1);

    assert_int_equal(run("monitor", "5", "--policy", "allow-once", "--count",
                         "2", NULL), 0);
    assert_string_equal(out, "vcpu 0 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0x1000 allow-once\n"
                        "vcpu 1 gfn 0x201 offset 0x380 subpage 7 "
                        "rip 0x2000 allow-once\n");
    assert_string_equal(calls(),
                        LIFTED_0x201
                        "pause unpause pause set:0x201=0xfffe unpause "
                        ALLOW_ONCE_CLOSED);
    assert_int_equal(fxc.nr_rsp, 4);
    for ( i = 0; i < 4; i++ )
        assert_int_equal(fxc.rsp[i].flags, STEP);
    expect_closed();
}

static void test_handler(int sig)
{
    (void)sig;
}

/*
 * Give sig a handler of the test's own, not the inherited disposition
 * (SIG_IGN for SIGINT when a shell runs the test in the background), so
 * that expect_signal_restored() can tell the monitor put it back.
 */
static void hold_signal(int sig, struct sigaction *before)
{
    struct sigaction mine = { .sa_handler = test_handler };

    sigemptyset(&mine.sa_mask);
    sigaction(sig, &mine, before);
}

static void expect_signal_restored(int sig, const struct sigaction *before)
{
    struct sigaction after;

    sigaction(sig, before, &after);
    assert_true(after.sa_handler == test_handler);
}

/* Stopped while a write steps: its step ended, its map put back. */
static void monitor_allow_once_interrupted(void **state)
{
    struct sigaction before;

    (void)state;
    hold_signal(SIGINT, &before);
    fxc.get_map = 0x0000ffff;
    fake_xc_fault(2, 0x201, 0x204, 0x1000);
    fxc.signal_when_done = SIGINT;

    assert_int_equal(run("monitor", "5", "--policy", "allow-once", NULL), 0);
    assert_string_equal(err, STARTED("allow-once"));
    assert_non_null(strstr(calls(), "singlestep-off=0x2 set:0x201=0xfffe "
                           "monitor-singlestep monitor-spp "
                           "monitor-disable unpause"));
    assert_int_equal(fxc.rsp[0].flags, STEP);
    expect_closed();
    /* And SIGINT is as it was. */
    expect_signal_restored(SIGINT, &before);
}

#define LIFT_EXPIRED(vcpu) \
    "xen-subpage: monitor: domain 5 (5): vcpu " vcpu " did not step over " \
    "its write to gfn 0x201 within 100 ms: map 0x0000fffe put back (more " \
    "such are only counted)\n"
#define LIFTS_EXPIRED(n) \
    "xen-subpage: monitor: domain 5 (5): " n " allow-once maps put back " \
    "after 100 ms without a step\n"

/*
 * No single step ever comes (a processor without them): the page is not
 * left open while the monitor runs, but put back after 100 ms, with the
 * vCPU's stepping ended, while the monitor goes on.
 */
static void monitor_allow_once_no_step(void **state)
{
    (void)state;
    fxc.get_map = 0x0000ffff;
    fake_xc_fault(2, 0x201, 0x204, 0x1000);
    fxc.idle_before_gone = 4;

    assert_int_equal(run("monitor", "5", "--policy", "allow-once", NULL), 0);
    assert_string_equal(out, "vcpu 2 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0x1000 allow-once\n");
    assert_string_equal(err, STARTED("allow-once") LIFT_EXPIRED("2")
                        "xen-subpage: monitor: domain 5 (5) is gone\n"
                        LIFTS_EXPIRED("1"));
    assert_string_equal(calls(),
                        LIFTED_0x201
                        "singlestep-off=0x2 set:0x201=0xfffe");
    assert_int_equal(fxc.rsp[0].flags, STEP);
}

/*
 * The step comes after the deadline: the map is back already, and the
 * step only lets the vCPU go, without toggling the stepping ended then.
 */
static void monitor_allow_once_late_step(void **state)
{
    (void)state;
    fxc.get_map = 0x0000ffff;
    fake_xc_fault(2, 0x201, 0x204, 0x1000);
    fake_xc_singlestep(2);
    fxc.held = 1;
    fxc.signal_when_done = SIGINT;

    assert_int_equal(run("monitor", "5", "--policy", "allow-once", NULL), 0);
    assert_string_equal(err, STARTED("allow-once") LIFT_EXPIRED("2")
                        LIFTS_EXPIRED("1"));
    assert_string_equal(calls(),
                        LIFTED_0x201
                        "singlestep-off=0x2 set:0x201=0xfffe "
                        "pause unpause "
                        ALLOW_ONCE_CLOSED);
    assert_stepped(VM_EVENT_FLAG_VCPU_PAUSED);
}

static void monitor_stops_on_signal(void **state)
{
    struct sigaction before;

    (void)state;
    hold_signal(SIGTERM, &before);
    fake_xc_fault(0, 0x201, 0, 0x1000);
    fake_xc_fault(1, 0x202, 0x80, 0x2000);
    fxc.signal_when_done = SIGTERM;

    assert_int_equal(run("monitor", "5", NULL), 0);
    assert_string_equal(out, "vcpu 0 gfn 0x201 offset 0x0 subpage 0 "
                        "rip 0x1000 deny\n"
                        "vcpu 1 gfn 0x202 offset 0x80 subpage 1 "
                        "rip 0x2000 deny\n");
    assert_string_equal(err, STARTED("deny"));
    expect_closed();
    expect_signal_restored(SIGTERM, &before);
}

/* Faults after the count are answered too, but only counted. */
static void monitor_late_faults(void **state)
{
    unsigned int i;

    (void)state;
    for ( i = 0; i < 3; i++ )
        fake_xc_fault(i, 0x201, 0x204, 0x1000);

    assert_int_equal(run("monitor", "5", "--count", "1", NULL), 0);
    assert_string_equal(out, "vcpu 0 gfn 0x201 offset 0x204 subpage 4 "
                        "rip 0x1000 deny\n");
    assert_string_equal(err, STARTED("deny")
                        "xen-subpage: monitor: domain 5 (5): 2 more faults "
                        "answered while exiting, not reported\n");
    assert_int_equal(fxc.nr_rsp, 3);
    for ( i = 0; i < 3; i++ )
        assert_int_equal(fxc.rsp[i].flags, DENY);
    expect_closed();
}

/* A domain that dies ends the monitor: nothing to answer or undo. */
static void monitor_domain_gone(void **state)
{
    (void)state;
    fxc.gone = true;
    assert_int_equal(run("monitor", "guest", NULL), 0);
    assert_string_equal(err, STARTED("deny")
                        "xen-subpage: monitor: domain guest (5) is gone\n");
    assert_string_equal(calls(), "pause monitor-enable monitor-spp=0x1 "
                        "unpause");
    /* Once to find the domain, once when idle. */
    assert_int_equal(fxc.getinfos, 2);
    assert_int_equal(fxc.binds, fxc.unbinds);
    assert_int_equal(fxc.evtchn_opens, fxc.evtchn_closes);
}

static void monitor_failures(void **state)
{
    (void)state;
    /* allow-once cannot read the map: the write is emulated instead. */
    fake_xc_fault(0, 0x201, 0x204, 0x1000);
    fxc.fail_call = 6;                  /* the get */
    fxc.fail_errno = EINVAL;
    assert_int_equal(run("monitor", "5", "--policy", "allow-once", NULL), 2);
    EXPECT_ERR("monitor: domain 5 (5), gfn 0x201: cannot read the map to "
               "lift: Invalid argument");
    assert_int_equal(fxc.rsp[0].flags,
                     VM_EVENT_FLAG_VCPU_PAUSED | VM_EVENT_FLAG_EMULATE);
    assert_null(strstr(calls(), "set:"));
    expect_closed();

    /* The map cannot be put back: said loudly. */
    fake_xc_reset();
    fxc.get_map = 0x0000ffff;
    fake_xc_fault(0, 0x201, 0x204, 0x1000);
    fake_xc_singlestep(0);
    fxc.fail_call = 8;                  /* the second set */
    fxc.fail_errno = ENOMEM;
    assert_int_equal(run("monitor", "5", "--policy", "allow-once", NULL), 2);
    EXPECT_ERR("gfn 0x201: cannot restore map 0x0000fffe: Cannot allocate "
               "memory");
    expect_closed();

    /* A request of another vm_event interface. */
    fake_xc_reset();
    fake_xc_fault(0, 0x201, 0x204, 0x1000);
    fxc.events[0].version = VM_EVENT_INTERFACE_VERSION - 1;
    assert_int_equal(run("monitor", "5", NULL), 2);
    EXPECT_ERR("vm_event interface version 6, not 7: its vCPUs are only let "
               "go\n");
    assert_string_equal(out, "");
    /* With its own version, which Xen takes; with ours, it would not. */
    assert_int_equal(fxc.rsp[0].version, VM_EVENT_INTERFACE_VERSION - 1);
    assert_int_equal(fxc.rsp[0].vcpu_id, 0);
    assert_int_equal(fxc.rsp[0].flags, VM_EVENT_FLAG_VCPU_PAUSED);
    expect_closed();
}

/* ---- guard ---- */

#define GUARD_KVA 0xffffffff82a00000ULL

/*
 * A 64-bit guest whose page tables (PCID bits in CR3) map the kernel page
 * at GUARD_KVA to gfn 3 and the next to gfn 4, which have maps already
 * (xc_get_subpage answers 0xffffffff ^ gfn); symbols in a System.map.
 */
static const char *guard_guest(void)
{
    uint64_t root = fake_xc_table();

    fxc.cr3 = (root << 12) | 0x5;
    fxc.efer = (1 << 10) | (1 << 8);
    fxc.get_map = 0xffffffff;
    fake_xc_map_va(root, GUARD_KVA, 3);
    fake_xc_map_va(root, GUARD_KVA + 0x1000, 4);

    return write_file("ffffffff82a00f80 D modprobe_path\n"
                      "ffffffff82a01080 D after_it\n"
                      "ffffffff82c00000 D far_away\n"
                      "ffffffff82c00100 D end\n"
                      "ffffffffc0000000 t mod_init [some_module]\n");
}

static void guard_expect_clean(void)
{
    assert_int_equal(fxc.frame_maps, fxc.frame_unmaps);
    assert_int_equal(fxc.fmem_opens, fxc.fmem_closes);
    expect_closed();
}

#define GUARD_PLAN \
    "guard modprobe_path 0xffffffff82a00f80 256 bytes\n" \
    "page 0xffffffff82a00000 gfn 0x3 map 0x7ffffffc\n" \
    "page 0xffffffff82a01000 gfn 0x4 map 0xfffffffa\n"

/*
 * The sub-pages of the symbol's 256 bytes, on two pages, denied on top of
 * the maps they had; a write reported with the symbol it hit; the maps put
 * back as they were.
 */
static void guard_reports_the_symbol(void **state)
{
    const char *map = guard_guest();

    (void)state;
    fake_xc_fault(0, 3, 0xfa0, 0xffffffff81234567ULL);
    assert_int_equal(run("guard", "5", map, "modprobe_path", "--count", "1",
                         NULL), 0);
    assert_string_equal(out, GUARD_PLAN
                        "modprobe_path+0x20: vcpu 0 gfn 0x3 offset 0xfa0 "
                        "subpage 31 rip 0xffffffff81234567 deny\n");
    assert_int_equal(fxc.rsp[0].flags, DENY);
    assert_non_null(strstr(calls(), "registers get:0x3 set:0x3=0x7ffffffc "
                                    "get:0x4 set:0x4=0xfffffffa pause "));
    assert_non_null(strstr(calls(), " set:0x4=0xfffffffb "
                                    "set:0x3=0xfffffffc"));
    guard_expect_clean();

    /* The same as JSON, with a length given, on vCPU 1. */
    fake_xc_reset();
    map = guard_guest();
    fake_xc_fault(1, 4, 0x8, 0x401000);
    assert_int_equal(run("--json", "guard", "guest", map, "--vcpu", "1",
                         "modprobe_path:0x90", "--policy", "emulate",
                         "--count", "1", NULL), 0);
    assert_string_equal(out,
        "{\"guard\": \"modprobe_path\", \"va\": \"0xffffffff82a00f80\", "
        "\"length\": 144}\n"
        "{\"page\": \"0xffffffff82a00000\", \"gfn\": 3, \"map\": 2147483644}\n"
        "{\"page\": \"0xffffffff82a01000\", \"gfn\": 4, \"map\": 4294967290}\n"
        "{\"symbol\": \"modprobe_path+0x88\", \"vcpu\": 1, \"gfn\": 4, "
        "\"offset\": 8, \"subpage\": 0, \"rip\": \"0x401000\", "
        "\"policy\": \"emulate\"}\n");
    assert_non_null(strstr(calls(), "registers=0x1 get:0x3"));
    guard_expect_clean();
}

/* Bad input: a clear message, and no map changed. */
static void guard_refuses_bad_input(void **state)
{
    const char *map;

    (void)state;
    usage_error("guard needs <symbol-file> <symbol>...", "guard", "5", NULL);
    usage_error("guard needs <symbol-file> <symbol>...", "guard", "5",
                "System.map", NULL);
    usage_error("bad vcpu \"x\"", "guard", "5", "f", "s", "--vcpu", "x",
                NULL);
    usage_error("bad policy \"all\"", "guard", "5", "f", "s", "--policy",
                "all", NULL);
    usage_error("guard: --count needs a value", "guard", "5", "f", "s",
                "--count", NULL);
    usage_error("guard: unknown argument \"--all\"", "guard", "5", "f", "s",
                "--all", "x", NULL);

    map = guard_guest();
    assert_int_equal(run("guard", "5", "/nonexistent/System.map", "x",
                         NULL), 2);
    assert_string_equal(err, "xen-subpage: guard: domain 5 (5): "
                        "/nonexistent/System.map: No such file or "
                        "directory\n");
    assert_int_equal(run("guard", "5", map, "nosuch", NULL), 2);
    EXPECT_ERR("domain 5 (5): nosuch: no such symbol\n");
    assert_int_equal(run("guard", "5", map, "mod_init:8", NULL), 2);
    EXPECT_ERR("mod_init: no such symbol\n");
    assert_int_equal(run("guard", "5", map, "end", NULL), 2);
    EXPECT_ERR("end: its size is unknown: give it (end:<length>)\n");
    assert_int_equal(run("guard", "5", map, "far_away", NULL), 2);
    EXPECT_ERR("far_away+0x0 (0xffffffff82c00000): not mapped\n");
    assert_string_equal(calls(), "registers");

    fxc.efer = 0;
    assert_int_equal(run("guard", "5", map, "modprobe_path", NULL), 2);
    EXPECT_ERR("vcpu 0 is not in long mode with 4-level paging\n");
    fxc.nr_calls = 0;
    fxc.efer = 1 << 10;
    fxc.fmem_errno = EACCES;
    assert_int_equal(run("guard", "5", map, "modprobe_path", NULL), 2);
    EXPECT_ERR("cannot map guest memory: Permission denied\n");
    assert_string_equal(calls(), "registers");
    fxc.fmem_errno = 0;

    fxc.nr_calls = 0;
    fxc.fail_call = 1;
    fxc.fail_errno = ESRCH;
    assert_int_equal(run("guard", "5", map, "modprobe_path", NULL), 2);
    EXPECT_ERR("cannot read the registers of vcpu 0: No such process\n");
    guard_expect_clean();
}

/* Xen failing part way: what the guard changed is put back. */
static void guard_undoes_a_partial_protection(void **state)
{
    const char *map;

    (void)state;
    fail_at(5, ENOMEM);
    map = guard_guest();
    assert_int_equal(run("guard", "5", map, "modprobe_path", NULL), 2);
    assert_string_equal(err, "xen-subpage: guard: domain 5 (5): cannot "
                        "protect gfn 0x4: Cannot allocate memory\n");
    assert_string_equal(out, "");
    assert_string_equal(calls(), "registers get:0x3 set:0x3=0x7ffffffc "
                        "get:0x4 set:0x4=0xfffffffa set:0x3=0xfffffffc");
    guard_expect_clean();
}

/* ---- profile ---- */

/* "gfn <gfn> writes <n> subpages" and 32 counts, one set in each of sub. */
static const char *profile_line(uint64_t gfn, const unsigned int *sub,
                                unsigned int nr)
{
    static char buf[512];
    unsigned int counts[32] = { 0 }, i, total = 0;
    size_t used;

    for ( i = 0; i < nr; i++ )
        counts[sub[i]]++, total++;
    used = snprintf(buf, sizeof(buf), "gfn %#" PRIx64 " writes %u subpages",
                    gfn, total);
    for ( i = 0; i < 32; i++ )
        used += snprintf(buf + used, sizeof(buf) - used, " %u", counts[i]);
    snprintf(buf + used, sizeof(buf) - used, "\n");

    return buf;
}

/*
 * The pages are write-protected once the ring is there, each write is
 * counted in its sub-page and emulated, and write access comes back with
 * the domain paused before the ring goes.
 */
static void profile_counts_writes_per_subpage(void **state)
{
    static const unsigned int first[] = { 0, 0, 31 }, second[] = { 2 };
    char want[1024];

    (void)state;
    fake_xc_write(0, 0x201, 0x0);
    fake_xc_write(0, 0x201, 0x7f);
    fake_xc_write(1, 0x202, 0x100);
    fake_xc_write(0, 0x201, 0xf80);
    fake_xc_write(0, 0x300, 0x10);          /* another page's */
    assert_int_equal(run("profile", "5", "1", "0x201", "2", NULL), 0);
    snprintf(want, sizeof(want), "%s", profile_line(0x201, first, 3));
    strcat(want, profile_line(0x202, second, 1));
    assert_string_equal(out, want);
    assert_int_equal(fxc.nr_rsp, 5);
    assert_int_equal(fxc.rsp[0].flags, EMULATE);
    assert_int_equal(fxc.rsp[4].flags, EMULATE);
    assert_non_null(strstr(calls(), "monitor-spp=0x1 access:0x201=0x5 "
                                    "access:0x202=0x5 unpause"));
    assert_non_null(strstr(calls(), "pause access:0x202=0x7 "
                                    "access:0x201=0x7 monitor-spp "
                                    "monitor-disable unpause"));
    EXPECT_ERR("1 mem_access events not from SPP, emulated");
    expect_closed();

    fake_xc_reset();
    fake_xc_write(0, 0x10, 0x80);
    assert_int_equal(run("--json", "profile", "5", "1", "0x10", NULL), 0);
    assert_string_equal(out, "{\"gfn\": 16, \"writes\": 1, \"subpages\": "
                        "[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
                        "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}\n");
    expect_closed();
}

static void profile_refuses_and_undoes(void **state)
{
    (void)state;
    usage_error("profile needs <seconds> <gfn> [count]", "profile", "5",
                "1", NULL);
    usage_error("profile needs <seconds> <gfn> [count]", "profile", "5",
                "1", "2", "3", "4", NULL);
    usage_error("bad seconds \"0\" (1 to 3600)", "profile", "5", "0", "1",
                NULL);
    usage_error("bad seconds \"3601\" (1 to 3600)", "profile", "5", "3601",
                "1", NULL);
    usage_error("bad gfn \"x\"", "profile", "5", "1", "x", NULL);
    usage_error("bad count \"65\" (1 to 64)", "profile", "5", "1", "1", "65",
                NULL);
    usage_error("bad count \"0\" (1 to 64)", "profile", "5", "1", "1", "0",
                NULL);

    /* No mem_access (AMD's hosts): the first page already undone. */
    fail_at(5, EOPNOTSUPP);
    assert_int_equal(run("profile", "5", "1", "0x201", "2", NULL), 2);
    EXPECT_ERR("gfn 0x202: cannot write-protect: Operation not supported");
    assert_string_equal(out, "");
    assert_non_null(strstr(calls(), "access:0x201=0x5 access:0x202=0x5 "
                                    "access:0x201=0x7 monitor-spp "
                                    "monitor-disable unpause"));
    expect_closed();
}

/*
 * The pages of symbols, found as guard finds them (and the frames it
 * mapped to find them unmapped): where each symbol lies, then the pages'
 * histograms; a page two symbols share is profiled once.
 */
static void profile_finds_the_symbols_pages(void **state)
{
    static const unsigned int first[] = { 31, 5 }, second[] = { 0, 1 };
    const char *map;
    char want[1024];

    (void)state;
    map = guard_guest();
    fake_xc_write(0, 3, 0xf90);
    fake_xc_write(0, 3, 0x2a0);
    fake_xc_write(0, 4, 0x10);
    fake_xc_write(0, 4, 0x80);
    assert_int_equal(run("profile", "5", "1", "--symbols", map,
                         "modprobe_path", "after_it:8", NULL), 0);
    snprintf(want, sizeof(want), "%s",
             "symbol modprobe_path+0x0 128 bytes gfn 0x3 subpages 31-31\n"
             "symbol modprobe_path+0x80 128 bytes gfn 0x4 subpages 0-0\n"
             "symbol after_it+0x0 8 bytes gfn 0x4 subpages 1-1\n");
    strcat(want, profile_line(3, first, 2));
    strcat(want, profile_line(4, second, 2));
    assert_string_equal(out, want);
    assert_string_equal(calls(), "registers pause monitor-enable "
                        "monitor-spp=0x1 access:0x3=0x5 access:0x4=0x5 "
                        "unpause pause unpause pause access:0x4=0x7 "
                        "access:0x3=0x7 monitor-spp monitor-disable "
                        "unpause");
    guard_expect_clean();

    /* Two pages of the guest on one frame: the frame profiled once. */
    fake_xc_reset();
    map = guard_guest();
    fake_xc_map_va(fxc.cr3 >> 12, 0xffffffff82c00000ULL, 4);
    assert_int_equal(run("--json", "profile", "5", "1", "--symbols", map,
                         "after_it:8", "--vcpu", "1", "far_away:8", NULL), 0);
    assert_string_equal(out, "{\"symbol\": \"after_it+0x0\", \"length\": "
                        "8, \"gfn\": 4, \"first_subpage\": 1, "
                        "\"last_subpage\": 1}\n"
                        "{\"symbol\": \"far_away+0x0\", \"length\": "
                        "8, \"gfn\": 4, \"first_subpage\": 0, "
                        "\"last_subpage\": 0}\n"
                        "{\"gfn\": 4, \"writes\": 0, \"subpages\": "
                        "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
                        "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}\n");
    assert_non_null(strstr(calls(), "registers=0x1 pause monitor-enable "
                                    "monitor-spp=0x1 access:0x4=0x5 "));
    guard_expect_clean();
}

/* Bad symbols: a clear message, and no page write-protected. */
static void profile_refuses_bad_symbols(void **state)
{
    const char *map;

    (void)state;
    usage_error("profile needs <symbol-file> <symbol>...", "profile", "5",
                "1", "--symbols", NULL);
    usage_error("profile: unknown argument \"--policy\"", "profile", "5",
                "1", "--symbols", "f", "s", "--policy", "deny", NULL);
    usage_error("profile: --vcpu needs a value", "profile", "5", "1",
                "--symbols", "f", "s", "--vcpu", NULL);

    map = guard_guest();
    assert_int_equal(run("profile", "5", "1", "--symbols", map, "nosuch",
                         NULL), 2);
    assert_string_equal(err, "xen-subpage: profile: domain 5 (5): nosuch: "
                        "no such symbol\n");
    assert_int_equal(run("profile", "5", "1", "--symbols", map, "far_away",
                         NULL), 2);
    EXPECT_ERR("far_away+0x0 (0xffffffff82c00000): not mapped\n");
    assert_string_equal(out, "");
    assert_string_equal(calls(), "registers");
    guard_expect_clean();
}

int main(void)
{
    /* A monitor that never stops fails the test rather than hangs it. */
    alarm(300);

#define T(f) cmocka_unit_test_setup_teardown(f, reset, reset)
    const struct CMUnitTest tests[] = {
        T(help_and_usage),
        T(bad_invocations),
        T(domain_checked),
        T(info),
        T(info_names_the_path),
        T(set_forms),
        T(set_failure_names_everything),
        T(get_prints_both_forms),
        T(get_json_always_valid),
        T(clear_one_and_many),
        T(apply_files),
        T(stats_and_ve),
        T(monitor_usage_errors),
        T(monitor_cannot_start),
        T(monitor_deny),
        T(monitor_foreign_access),
        T(monitor_dropped_writes),
        T(monitor_emulate_json),
        T(monitor_allow_once),
        T(monitor_allow_once_shared),
        T(monitor_allow_once_interrupted),
        T(monitor_allow_once_no_step),
        T(monitor_allow_once_late_step),
        T(monitor_stops_on_signal),
        T(monitor_late_faults),
        T(monitor_domain_gone),
        T(monitor_failures),
        T(guard_reports_the_symbol),
        T(guard_refuses_bad_input),
        T(guard_undoes_a_partial_protection),
        T(profile_counts_writes_per_subpage),
        T(profile_refuses_and_undoes),
        T(profile_finds_the_symbols_pages),
        T(profile_refuses_bad_symbols),
    };
#undef T

    return cmocka_run_group_tests_name("xen-subpage", tests, NULL, NULL);
}
