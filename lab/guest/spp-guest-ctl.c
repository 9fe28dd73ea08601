/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spp-guest-ctl: dom0's side of spp-guest's command page (spp-guest.h).
 *
 * It maps the page through privcmd, posts one command and waits for the
 * guest to complete it.  The guest looks at the page on each tick of its
 * timer, so the wait is a poll with short sleeps.
 *
 * Exit status: 0 done, 1 usage, 2 failure (message on stderr).
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <xenforeignmemory.h>

#include "spp-guest.h"

#define EXIT_USAGE          1
#define EXIT_FAILED         2

#define DEFAULT_TIMEOUT_S   30
#define POLL_INTERVAL_MS    10

static const char *prog = "spp-guest-ctl";

static void usage(void)
{
    fprintf(stderr,
            "usage: %s [-v <vcpu>] <domid> <command>: to vCPU 0, or vcpu\n"
            "commands: wait-ready [timeout_s]\n"
            "       %s <domid> write <gfn> <mask> [timeout_s]\n"
            "       %s <domid> copy <gfn> <mask> [timeout_s]\n"
            "                  (as write, but a hypercall writes)\n"
            "       %s <domid> movs <gfn> <mask> [timeout_s]\n"
            "                  (as write, by an instruction Xen emulates)\n"
            "       %s <domid> ve-write <gfn> <mask> <view> <agent_view>"
            " [timeout_s]\n"
            "                  (as write, on altp2m view; a #VE moves the\n"
            "                   guest to agent_view: prints ves=<n> too)\n"
            "       %s <domid> hypercall [timeout_s]\n"
            "       %s <domid> ping [timeout_s]\n"
            "       %s <domid> spin <gfn> <mask> [timeout_s]\n"
            "                  (write them over and over, a counter's next\n"
            "                   value each time, until \"stop\")\n"
            "       %s <domid> stop [timeout_s]   (prints rounds=<n>)\n"
            "       %s <domid> bench <gfn> <mask> [timeout_s]\n"
            "                  (%u timed writes to them in turn: prints\n"
            "                   writes=<n> cycles=<TSC cycles>)\n"
            "       %s <domid> runstate <gfn> [timeout_s]\n"
            "                  (the vCPU's runstate area at gfn, none with\n"
            "                   0; prints rc=<rc> nonzero=<bytes written>)\n"
            "       %s <domid> suspend [timeout_s]\n"
            "       %s <domid> hold     (keep the command page mapped\n"
            "                            until killed: a destroyed domain\n"
            "                            stays dying meanwhile)\n"
            "write, copy, movs: print landed=0x<mask> writes=<n>\n"
            "hypercall: prints self=<rc> dom0=<rc> own=<rc>\n"
            "test pages: gfn %#x-%#x\n",
            prog, prog, prog, prog, prog, prog, prog, prog, prog, prog,
            SPP_GUEST_BENCH_WRITES, prog, prog, prog,
            SPP_GUEST_TEST_GFN,
            SPP_GUEST_TEST_GFN + SPP_GUEST_NR_TEST_PAGES - 1);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A whole number in C syntax (0x... allowed) no larger than max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *val)
{
    char *end;

    if ( !*s || *s == '-' || *s == '+' )
        return false;

    errno = 0;
    *val = strtoull(s, &end, 0);

    return !errno && !*end && *val <= max;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_briefly(void)
{
    const struct timespec ts = { 0, POLL_INTERVAL_MS * 1000000L };

    nanosleep(&ts, NULL);
}

static void report_fault(const struct spp_guest_cmd *cmd)
{
    fail("the guest took exception %u (error %#x) at eip %#x",
         cmd->fault_vector, cmd->fault_error, cmd->fault_eip);
}

static int wait_ready(struct spp_guest_cmd *cmd, unsigned int timeout_s)
{
    double deadline = now() + timeout_s;

    for ( ; ; )
    {
        uint32_t magic = __atomic_load_n(&cmd->magic, __ATOMIC_ACQUIRE);

        if ( magic == SPP_GUEST_MAGIC_READY )
            return 0;
        if ( magic == SPP_GUEST_MAGIC_FAULT )
        {
            report_fault(cmd);
            return -1;
        }
        if ( now() > deadline )
        {
            fail("the guest is not ready after %u s", timeout_s);
            return -1;
        }
        pause_briefly();
    }
}

/* Post the command whose arguments are already in the page: its seq. */
static uint32_t post_command(struct spp_guest_cmd *cmd, uint32_t op)
{
    uint32_t seq;

    if ( __atomic_load_n(&cmd->magic, __ATOMIC_ACQUIRE) ==
         SPP_GUEST_MAGIC_FAULT )
    {
        report_fault(cmd);
        return 0;
    }
    if ( cmd->magic != SPP_GUEST_MAGIC_READY )
    {
        fail("the guest is not ready (see wait-ready)");
        return 0;
    }

    cmd->op = op;
    seq = cmd->seq + 1 ?: 1;          /* 0 means none */
    /* Release: the guest sees the arguments once it sees the new seq. */
    __atomic_store_n(&cmd->seq, seq, __ATOMIC_RELEASE);

    return seq;
}

/* Until *field == seq: the guest completed, or started, command seq. */
static int wait_for_seq(struct spp_guest_cmd *cmd, uint32_t *field,
                        uint32_t seq, unsigned int timeout_s)
{
    double deadline = now() + timeout_s;

    for ( ; ; )
    {
        if ( __atomic_load_n(field, __ATOMIC_ACQUIRE) == seq )
            return 0;
        if ( __atomic_load_n(&cmd->magic, __ATOMIC_ACQUIRE) ==
             SPP_GUEST_MAGIC_FAULT )
        {
            report_fault(cmd);
            return -1;
        }
        if ( now() > deadline )
        {
            fail("command %u (op %u) not %s after %u s", seq, cmd->op,
                 field == &cmd->done ? "done" : "started", timeout_s);
            return -1;
        }
        pause_briefly();
    }
}

/* Post a command and wait for the guest to complete it. */
static int run_command(struct spp_guest_cmd *cmd, uint32_t op,
                       unsigned int timeout_s)
{
    uint32_t seq = post_command(cmd, op);

    return seq ? wait_for_seq(cmd, &cmd->done, seq, timeout_s) : -1;
}

/* OP_SPIN: returns once the guest's loop runs. */
static int do_spin(struct spp_guest_cmd *cmd, uint64_t gfn, uint32_t mask,
                   unsigned int timeout_s)
{
    uint32_t seq;

    cmd->gfn = gfn;
    cmd->mask = mask;
    cmd->stop = 0;
    seq = post_command(cmd, SPP_GUEST_OP_SPIN);

    return seq ? wait_for_seq(cmd, &cmd->spinning, seq, timeout_s) : -1;
}

static int do_stop(struct spp_guest_cmd *cmd, unsigned int timeout_s)
{
    uint32_t seq = __atomic_load_n(&cmd->spinning, __ATOMIC_ACQUIRE);

    if ( !seq )
    {
        fail("the guest is not spinning");
        return -1;
    }
    __atomic_store_n(&cmd->stop, 1, __ATOMIC_RELEASE);
    if ( wait_for_seq(cmd, &cmd->done, seq, timeout_s) )
        return -1;
    printf("rounds=%u\n", cmd->writes);

    return 0;
}

/* op: SPP_GUEST_OP_WRITE (the guest writes) or _COPY (Xen writes). */
static int do_write(struct spp_guest_cmd *cmd, uint32_t op, uint64_t gfn,
                    uint32_t mask, unsigned int timeout_s)
{
    cmd->gfn = gfn;
    cmd->mask = mask;
    if ( run_command(cmd, op, timeout_s) )
        return -1;

    if ( cmd->rc[0] )
    {
        fail("the guest refused to write gfn %#" PRIx64 ": %d", gfn,
             cmd->rc[0]);
        return -1;
    }
    if ( op == SPP_GUEST_OP_VE_WRITE )
        printf("landed=0x%08x writes=%u ves=%u ve_view=%u ve_qual=%#" PRIx64
               " ve_gpa=%#" PRIx64 "\n", cmd->landed, cmd->writes, cmd->ves,
               cmd->ve_view, cmd->ve_qual, cmd->ve_gpa);
    else
        printf("landed=0x%08x writes=%u\n", cmd->landed, cmd->writes);

    return 0;
}

static int do_hypercall(struct spp_guest_cmd *cmd, uint32_t domid,
                        unsigned int timeout_s)
{
    /* The guest cannot easily learn its own domid: tell it. */
    cmd->domid = domid;
    if ( run_command(cmd, SPP_GUEST_OP_HYPERCALL, timeout_s) )
        return -1;

    printf("self=%d dom0=%d own=%d\n", cmd->rc[SPP_GUEST_RC_DOMID_SELF],
           cmd->rc[SPP_GUEST_RC_DOM0], cmd->rc[SPP_GUEST_RC_OWN_DOMID]);

    return 0;
}

/* The command line, once parsed. */
struct request {
    uint32_t domid;
    uint32_t vcpu;
    const char *verb;
    uint64_t gfn;
    uint32_t mask;
    uint32_t view, agent_view;      /* ve-write */
    unsigned int timeout_s;
};

/* Parse the optional trailing timeout; false when argv has anything else. */
static bool parse_timeout(int argc, char **argv, int i, struct request *req)
{
    uint64_t v;

    req->timeout_s = DEFAULT_TIMEOUT_S;
    if ( i == argc )
        return true;
    if ( i + 1 != argc || !parse_number(argv[i], 24 * 3600, &v) || !v )
        return false;
    req->timeout_s = v;

    return true;
}

static bool parse_request(int argc, char **argv, struct request *req)
{
    uint64_t v;

    req->vcpu = 0;
    if ( argc > 2 && !strcmp(argv[1], "-v") )
    {
        if ( !parse_number(argv[2], SPP_GUEST_MAX_VCPUS - 1, &v) )
            return false;
        req->vcpu = v;
        argc -= 2;
        argv += 2;
    }
    if ( argc < 3 || !parse_number(argv[1], DOMID_FIRST_RESERVED - 1, &v) )
        return false;
    req->domid = v;
    req->verb = argv[2];

    if ( !strcmp(req->verb, "write") || !strcmp(req->verb, "copy") ||
         !strcmp(req->verb, "movs") || !strcmp(req->verb, "spin") ||
         !strcmp(req->verb, "bench") )
    {
        if ( argc < 5 || !parse_number(argv[3], UINT64_MAX, &req->gfn) ||
             !parse_number(argv[4], UINT32_MAX, &v) )
            return false;
        req->mask = v;
        return parse_timeout(argc, argv, 5, req);
    }

    if ( !strcmp(req->verb, "ve-write") )
    {
        if ( argc < 7 || !parse_number(argv[3], UINT64_MAX, &req->gfn) ||
             !parse_number(argv[4], UINT32_MAX, &v) )
            return false;
        req->mask = v;
        if ( !parse_number(argv[5], UINT16_MAX, &v) )
            return false;
        req->view = v;
        if ( !parse_number(argv[6], UINT16_MAX, &v) )
            return false;
        req->agent_view = v;
        return parse_timeout(argc, argv, 7, req);
    }

    if ( !strcmp(req->verb, "runstate") )
        return argc >= 4 && parse_number(argv[3], UINT64_MAX, &req->gfn) &&
               parse_timeout(argc, argv, 4, req);

    if ( !strcmp(req->verb, "hold") )
        return argc == 3;

    if ( !strcmp(req->verb, "wait-ready") || !strcmp(req->verb, "ping") ||
         !strcmp(req->verb, "hypercall") || !strcmp(req->verb, "stop") ||
         !strcmp(req->verb, "suspend") )
        return parse_timeout(argc, argv, 3, req);

    return false;
}

static int run_request(struct spp_guest_cmd *cmd, const struct request *req)
{
    if ( !strcmp(req->verb, "hold") )
    {
        printf("holding gfn %#x\n", SPP_GUEST_CMD_GFN);
        fflush(stdout);
        pause();                    /* until a signal ends the program */
        return 0;
    }
    if ( !strcmp(req->verb, "wait-ready") )
        return wait_ready(cmd, req->timeout_s);
    if ( !strcmp(req->verb, "write") )
        return do_write(cmd, SPP_GUEST_OP_WRITE, req->gfn, req->mask,
                        req->timeout_s);
    if ( !strcmp(req->verb, "copy") )
        return do_write(cmd, SPP_GUEST_OP_COPY, req->gfn, req->mask,
                        req->timeout_s);
    if ( !strcmp(req->verb, "movs") )
        return do_write(cmd, SPP_GUEST_OP_MOVS, req->gfn, req->mask,
                        req->timeout_s);
    if ( !strcmp(req->verb, "hypercall") )
        return do_hypercall(cmd, req->domid, req->timeout_s);
    if ( !strcmp(req->verb, "spin") )
        return do_spin(cmd, req->gfn, req->mask, req->timeout_s);
    if ( !strcmp(req->verb, "stop") )
        return do_stop(cmd, req->timeout_s);
    if ( !strcmp(req->verb, "bench") )
    {
        cmd->gfn = req->gfn;
        cmd->mask = req->mask;
        if ( run_command(cmd, SPP_GUEST_OP_BENCH, req->timeout_s) )
            return -1;
        printf("writes=%u cycles=%" PRIu64 "\n", cmd->writes, cmd->cycles);
        return cmd->rc[0] ? -1 : 0;
    }
    if ( !strcmp(req->verb, "suspend") )
        return run_command(cmd, SPP_GUEST_OP_SUSPEND, req->timeout_s);
    if ( !strcmp(req->verb, "runstate") )
    {
        cmd->gfn = req->gfn;
        if ( run_command(cmd, SPP_GUEST_OP_RUNSTATE, req->timeout_s) )
            return -1;
        printf("rc=%d nonzero=%u\n", cmd->rc[0], cmd->landed);
        return cmd->rc[0] ? -1 : 0;
    }
    if ( !strcmp(req->verb, "ve-write") )
    {
        cmd->view = req->view;
        cmd->agent_view = req->agent_view;
        return do_write(cmd, SPP_GUEST_OP_VE_WRITE, req->gfn, req->mask,
                        req->timeout_s);
    }

    return run_command(cmd, SPP_GUEST_OP_PING, req->timeout_s);
}

int main(int argc, char **argv)
{
    struct request req;
    xenforeignmemory_handle *fmem;
    xen_pfn_t gfn = SPP_GUEST_CMD_GFN;
    struct spp_guest_cmd *cmd;
    void *page;
    int err = 0, rc;

    if ( !parse_request(argc, argv, &req) )
    {
        usage();
        return EXIT_USAGE;
    }

    fmem = xenforeignmemory_open(NULL, 0);
    if ( !fmem )
    {
        fail("cannot open foreign memory: %s", strerror(errno));
        return EXIT_FAILED;
    }

    page = xenforeignmemory_map(fmem, req.domid, PROT_READ | PROT_WRITE, 1,
                                &gfn, &err);
    if ( !page || err )
    {
        fail("cannot map gfn %#x of d%u: %s", SPP_GUEST_CMD_GFN, req.domid,
             strerror(page ? -err : errno));
        if ( page )
            xenforeignmemory_unmap(fmem, page, 1);
        xenforeignmemory_close(fmem);
        return EXIT_FAILED;
    }

    cmd = page + req.vcpu * SPP_GUEST_CMD_STRIDE;
    rc = run_request(cmd, &req);

    xenforeignmemory_unmap(fmem, page, 1);
    xenforeignmemory_close(fmem);

    return rc ? EXIT_FAILED : EXIT_SUCCESS;
}
