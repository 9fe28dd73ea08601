/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spp-guest: the lab's PVH test guest for Sub-Page write Permissions.
 *
 * It writes the sub-pages dom0 names (spp-guest-ctl) on its test pages and
 * reports which writes landed, and checks that it cannot set SPP itself.
 * It runs with paging on, so that TLB flushes mean something, and with
 * interrupts on: it sleeps in "hlt" until its LAPIC timer wakes it to look
 * at the command page, because the single emulated CPU is shared with dom0
 * and Xen receives no interrupts while a guest runs with IF=0.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "spp-guest.h"

#define EEXIST                  17
#define EINVAL                  22
#define ENOSYS                  38

#define DEBUGCON_PORT           0xe9    /* "(dN) ..." on Xen's console */

#define X86_CR0_PG              (1U << 31)
#define X86_CR4_PSE             (1U << 4)
#define PDE_P                   (1U << 0)
#define PDE_RW                  (1U << 1)
#define PDE_PWT                 (1U << 3)
#define PDE_PCD                 (1U << 4)
#define PDE_PS                  (1U << 7)
#define SUPERPAGE_SHIFT         22      /* 4 MiB pages */
#define IDENTITY_MAP_SIZE       (1U << 30)

#define LAPIC_BASE              0xfee00000U
#define LAPIC_EOI               0x0b0
#define LAPIC_SVR               0x0f0
#define LAPIC_SVR_ENABLE        (1U << 8)
#define LAPIC_LVT_TIMER         0x320
#define LAPIC_LVT_MASKED        (1U << 16)
#define LAPIC_TIMER_PERIODIC    (1U << 17)
#define LAPIC_TIMER_ICR         0x380
#define LAPIC_TIMER_DCR         0x3e0
#define LAPIC_TIMER_DIV_1       0xb
/*
 * Xen's vLAPIC counts at 100 MHz (APIC_BUS_CYCLE_NS = 10 in 4.17): a tick
 * every 10 ms, short for a person, rare enough for an emulated CPU.
 */
#define LAPIC_TIMER_COUNT       1000000

#define XEN_CPUID_FIRST         0x40000000U
#define XEN_CPUID_LAST          0x40010000U

#define LAPIC_ID                0x020

static uint32_t page_directory[1024] __attribute__((aligned(4096)));
static uint64_t idt[256];
static bool hypercalls_ready;
static uint32_t ticks;

/* ---- the console: I/O port 0xe9 ---- */

static void outb(uint16_t port, uint8_t val)
{
    asm volatile ( "outb %0, %1" :: "a" (val), "Nd" (port) );
}

static void put_char(char c)
{
    outb(DEBUGCON_PORT, c);
}

static void put_string(const char *s)
{
    while ( *s )
        put_char(*s++);
}

static void put_number(uint32_t val, unsigned int base, unsigned int width,
                       char fill)
{
    char buf[12];
    unsigned int n = 0;

    do {
        buf[n++] = "0123456789abcdef"[val % base];
        val /= base;
    } while ( val );

    while ( width > n )
    {
        put_char(fill);
        width--;
    }
    while ( n )
        put_char(buf[--n]);
}

/* printf's %s %c %d %u %x, with the flags "#" and "0" and a width. */
static void print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    for ( ; *fmt; fmt++ )
    {
        char fill = ' ';
        unsigned int width = 0;
        bool alt = false;
        int32_t d;

        if ( *fmt != '%' )
        {
            put_char(*fmt);
            continue;
        }
        if ( *++fmt == '#' )
        {
            alt = true;
            fmt++;
        }
        if ( *fmt == '0' )
            fill = *fmt++;
        while ( *fmt >= '0' && *fmt <= '9' )
            width = width * 10 + *fmt++ - '0';

        switch ( *fmt )
        {
        case 's':
            put_string(va_arg(ap, const char *));
            break;
        case 'c':
            put_char(va_arg(ap, int));
            break;
        case 'd':
            d = va_arg(ap, int32_t);
            if ( d < 0 )
                put_char('-');
            put_number(d < 0 ? -(uint32_t)d : (uint32_t)d, 10, width, fill);
            break;
        case 'u':
            put_number(va_arg(ap, uint32_t), 10, width, fill);
            break;
        case 'x':
            /* Unlike printf's, the width does not count the "0x". */
            if ( alt )
                put_string("0x");
            put_number(va_arg(ap, uint32_t), 16, width, fill);
            break;
        default:
            put_char('%');
            if ( !*fmt )
                goto out;
            put_char(*fmt);
        }
    }
 out:
    va_end(ap);
}

/* ---- the CPU ---- */

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
                  uint32_t *d)
{
    asm volatile ( "cpuid"
                   : "=a" (*a), "=b" (*b), "=c" (*c), "=d" (*d)
                   : "0" (leaf), "2" (0) );
}

static void wrmsr(uint32_t idx, uint64_t val)
{
    asm volatile ( "wrmsr"
                   :: "c" (idx), "a" ((uint32_t)val),
                      "d" ((uint32_t)(val >> 32)) );
}

static uint32_t read_cr0(void)
{
    uint32_t v;

    asm volatile ( "mov %%cr0, %0" : "=r" (v) );
    return v;
}

static void write_cr0(uint32_t v)
{
    asm volatile ( "mov %0, %%cr0" :: "r" (v) : "memory" );
}

static uint32_t read_cr4(void)
{
    uint32_t v;

    asm volatile ( "mov %%cr4, %0" : "=r" (v) );
    return v;
}

static void write_cr4(uint32_t v)
{
    asm volatile ( "mov %0, %%cr4" :: "r" (v) : "memory" );
}

static void write_cr3(uint32_t v)
{
    asm volatile ( "mov %0, %%cr3" :: "r" (v) : "memory" );
}

/*
 * Forget every translation.  The emulated CPU (bochs 2.7) keeps a page
 * writable in its TLB after a write SPP allowed, so that a later denied
 * write to the same page would not fault without this.
 */
static void flush_tlb(void)
{
    uint32_t cr3;

    asm volatile ( "mov %%cr3, %0; mov %0, %%cr3"
                   : "=r" (cr3) :: "memory" );
}

static void __attribute__((noreturn)) halt_forever(void)
{
    /* IF=1 in "hlt": Xen blocks the vCPU instead of taking it down. */
    for ( ; ; )
        asm volatile ( "sti; hlt" ::: "memory" );
}

/* ---- interrupts ---- */

static uint64_t interrupt_gate(const void *handler)
{
    uint32_t addr = (uint32_t)handler;

    /* Present, DPL 0, 32-bit interrupt gate: IF=0 inside the handler. */
    return (addr & 0xffff) | ((uint32_t)GUEST_CS << 16) |
           ((uint64_t)((addr & 0xffff0000) | 0x8e00) << 32);
}

static void load_idt(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } idtr = { sizeof(idt) - 1, (uint32_t)idt };

    asm volatile ( "lidt %0" :: "m" (idtr) );
}

static void setup_idt(void)
{
    unsigned int v;

    for ( v = 0; v < NR_EXCEPTIONS; v++ )
        idt[v] = interrupt_gate((const void *)exception_stubs[v]);
    idt[VE_VECTOR] = interrupt_gate(ve_entry);
    idt[TIMER_VECTOR] = interrupt_gate(timer_entry);
    idt[SPURIOUS_VECTOR] = interrupt_gate(spurious_entry);
    load_idt();
}

static void lapic_write(unsigned int reg, uint32_t val)
{
    *(volatile uint32_t *)(LAPIC_BASE + reg) = val;
}

static uint32_t lapic_read(unsigned int reg)
{
    return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

/* vCPU n's command area (spp-guest.h). */
static struct spp_guest_cmd *cmd_of(unsigned int vcpu)
{
    return (void *)(SPP_GUEST_CMD_ADDR + vcpu * SPP_GUEST_CMD_STRIDE);
}

/* Xen gives vCPU n the local APIC ID 2n. */
static unsigned int this_vcpu(void)
{
    return lapic_read(LAPIC_ID) >> 25;
}

void exception_handler(const struct exception_frame *f)
{
    struct spp_guest_cmd *cmd = cmd_of(this_vcpu());

    /* Stop the timer: nothing is to run any more. */
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);

    cmd->fault_vector = f->vector;
    cmd->fault_error = f->error;
    cmd->fault_eip = f->eip;
    __atomic_store_n(&cmd->magic, SPP_GUEST_MAGIC_FAULT, __ATOMIC_RELEASE);

    print("spp-guest: vcpu %u: exception %u error %#x eip %#x: halted\n",
          this_vcpu(), f->vector, f->error, f->eip);
    halt_forever();
}

void timer_interrupt(void)
{
    ticks++;
    lapic_write(LAPIC_EOI, 0);
}

/* ---- paging: an identity map, so that TLB flushes are meaningful ---- */

static void setup_paging(void)
{
    uint32_t pa;

    for ( pa = 0; pa < IDENTITY_MAP_SIZE; pa += 1U << SUPERPAGE_SHIFT )
        page_directory[pa >> SUPERPAGE_SHIFT] =
            pa | PDE_PS | PDE_RW | PDE_P;

    /* The LAPIC's registers, uncached. */
    page_directory[LAPIC_BASE >> SUPERPAGE_SHIFT] =
        (LAPIC_BASE & ~((1U << SUPERPAGE_SHIFT) - 1)) |
        PDE_PS | PDE_PCD | PDE_PWT | PDE_RW | PDE_P;

    write_cr4(read_cr4() | X86_CR4_PSE);
    write_cr3((uint32_t)page_directory);
    write_cr0(read_cr0() | X86_CR0_PG);
}

static void setup_lapic_timer(void)
{
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | SPURIOUS_VECTOR);
    lapic_write(LAPIC_TIMER_DCR, LAPIC_TIMER_DIV_1);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | TIMER_VECTOR);
    lapic_write(LAPIC_TIMER_ICR, LAPIC_TIMER_COUNT);
}

/* ---- Xen's hypercall page ---- */

static uint32_t find_xen_cpuid_base(void)
{
    uint32_t base, a, b, c, d;

    for ( base = XEN_CPUID_FIRST; base < XEN_CPUID_LAST; base += 0x100 )
    {
        cpuid(base, &a, &b, &c, &d);
        /* "XenVMMXenVMM" */
        if ( b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e &&
             a >= base + 2 )
            return base;
    }

    return 0;
}

static void setup_hypercall_page(void)
{
    uint32_t base = find_xen_cpuid_base(), a, msr, c, d;

    if ( !base )
    {
        print("spp-guest: no Xen CPUID leaves: no hypercalls\n");
        return;
    }

    /* Leaf base + 2: EBX is the MSR that takes the page's address. */
    cpuid(base + 2, &a, &msr, &c, &d);
    wrmsr(msr, (uint32_t)hypercall_page);
    hypercalls_ready = true;
}

/*
 * A two-argument hypercall through the hypercall page.  32-bit ABI: the
 * arguments in %ebx and %ecx, the result in %eax.  A debug Xen scribbles
 * on the argument registers it does not use.
 */
#define HYPERCALL2(nr, arg1, arg2) ({                                   \
    long ret_;                                                          \
    uint32_t ebx_, ecx_;                                                \
                                                                        \
    asm volatile ( "call hypercall_page + %c[offset]"                   \
                   : "=a" (ret_), "=b" (ebx_), "=c" (ecx_)              \
                   : [offset] "i" ((nr) * 32), "1" (arg1), "2" (arg2)   \
                   : "edx", "esi", "edi", "memory" );                   \
    ret_;                                                               \
})

#define HYPERCALL3(nr, arg1, arg2, arg3) ({                             \
    long ret_;                                                          \
    uint32_t ebx_, ecx_, edx_;                                          \
                                                                        \
    asm volatile ( "call hypercall_page + %c[offset]"                   \
                   : "=a" (ret_), "=b" (ebx_), "=c" (ecx_), "=d" (edx_) \
                   : [offset] "i" ((nr) * 32), "1" (arg1), "2" (arg2),  \
                     "3" (arg3)                                         \
                   : "esi", "edi", "memory" );                          \
    ret_;                                                               \
})

static long vcpu_op(unsigned int op, unsigned int vcpu, void *arg)
{
    return HYPERCALL3(__HYPERVISOR_vcpu_op, op, vcpu, arg);
}

static long sched_op(unsigned int op, void *arg)
{
    return HYPERCALL2(__HYPERVISOR_sched_op, op, arg);
}

static long hvm_op(unsigned int op, void *arg)
{
    return HYPERCALL2(__HYPERVISOR_hvm_op, op, arg);
}

static long xen_version(unsigned int op, void *arg)
{
    return HYPERCALL2(__HYPERVISOR_xen_version, op, arg);
}

static int32_t set_subpage(uint16_t domid, uint64_t gfn, uint32_t map)
{
    struct xen_hvm_subpage a = {
        .domid = domid,
        .access_map = map,
        .gfn = gfn,
    };

    if ( !hypercalls_ready )
        return -ENOSYS;

    return hvm_op(HVMOP_set_subpage, &a);
}

/* ---- the operations ---- */

static bool is_test_page(uint64_t gfn)
{
    return gfn >= SPP_GUEST_TEST_GFN &&
           gfn < SPP_GUEST_TEST_GFN + SPP_GUEST_NR_TEST_PAGES;
}

/* Paging maps the test pages 1:1. */
static uint8_t *test_page_va(uint64_t gfn)
{
    return (uint8_t *)((uint32_t)gfn * SPP_GUEST_PAGE_SIZE);
}

/*
 * The ways to write sub-page i of the page at va, for command seq: each
 * returns 1 when the write landed, 0 when it did not, -EEXIST when it
 * cannot tell (the bytes it would write are there already).
 */
typedef int subpage_writer_t(uint8_t *va, unsigned int i, uint32_t seq);

/* The middle of sub-page i, where the writers write. */
static volatile uint32_t *subpage_middle(uint8_t *va, unsigned int i)
{
    return (volatile uint32_t *)(va + i * SPP_GUEST_SUBPAGE_SIZE +
                                 SPP_GUEST_SUBPAGE_SIZE / 2);
}

/*
 * The guest writes a value that depends on the command and differs from
 * what is there.  A write SPP denies is dropped by Xen (or its listener)
 * and the instruction completes.
 */
static int write_subpage(uint8_t *va, unsigned int i, uint32_t seq)
{
    volatile uint32_t *p = subpage_middle(va, i);
    uint32_t val = 0xa5000000U ^ (seq << 5) ^ i;

    if ( *p == val )
        val = ~val;

    flush_tlb();
    *p = val;
    flush_tlb();

    return *p == val;
}

static bool same_bytes(const volatile uint8_t *a, const uint8_t *b,
                       unsigned int n)
{
    while ( n-- )
        if ( *a++ != *b++ )
            return false;
    return true;
}

/* Xen's XENVER_changeset, which copy_subpage() has Xen write. */
static uint8_t changeset[64];

/* Xen writes for the guest: a hypercall's output (hvm_copy_to_guest()). */
static int copy_subpage(uint8_t *va, unsigned int i, uint32_t seq)
{
    uint8_t *p = va + i * SPP_GUEST_SUBPAGE_SIZE + 32;

    (void)seq;
    if ( same_bytes(p, changeset, sizeof(changeset)) )
        return -EEXIST;
    flush_tlb();
    xen_version(XENVER_changeset, p);

    return same_bytes(p, changeset, sizeof(changeset));
}

/*
 * Xen's x86 emulator writes for the guest: a movsl whose source is a hole
 * in the guest's physical map (no RAM there: it reads as all ones, and
 * Xen emulates the instruction).
 */
#define HOLE_ADDR               0x30000000U     /* identity-mapped, no RAM */

static int movs_subpage(uint8_t *va, unsigned int i, uint32_t seq)
{
    volatile uint32_t *p = subpage_middle(va, i);
    const void *src = (const void *)HOLE_ADDR;
    void *dst = (void *)p;

    (void)seq;
    if ( *p == ~0U )
        return -EEXIST;
    flush_tlb();
    asm volatile ( "cld; movsl" : "+S" (src), "+D" (dst) : : "memory" );

    return *p == ~0U;
}

/* Write the sub-pages of the command's mask on its gfn, one way. */
static void write_mask(struct spp_guest_cmd *cmd, uint32_t seq,
                       const char *how, subpage_writer_t *write)
{
    uint64_t gfn = cmd->gfn;
    uint32_t mask = cmd->mask, landed = 0, writes = 0;
    unsigned int i;
    int rc;

    if ( !is_test_page(gfn) )
    {
        cmd->rc[0] = -EINVAL;
        print("spp-guest: seq %u %s gfn %#x: not a test page\n",
              seq, how, (uint32_t)gfn);
        return;
    }

    for ( i = 0; i < SPP_GUEST_NR_SUBPAGES; i++ )
    {
        if ( !(mask & (1U << i)) )
            continue;
        rc = write(test_page_va(gfn), i, seq);
        if ( rc < 0 )
        {
            cmd->rc[0] = rc;            /* use a new page */
            print("spp-guest: seq %u %s gfn %#x: sub-page %u cannot tell"
                  " (%d)\n", seq, how, (uint32_t)gfn, i, rc);
            return;
        }
        if ( rc )
            landed |= 1U << i;
        writes++;
    }

    cmd->landed = landed;
    cmd->writes = writes;
    print("spp-guest: seq %u %s gfn %#x mask %#08x landed %#08x"
          " writes %u\n", seq, how, (uint32_t)gfn, mask, landed, writes);
}

/* ---- #VE: what an in-guest agent does ---- */

/* The #VE information area the CPU fills (SDM, "Virtualization Exceptions"). */
struct ve_info {
    uint32_t exit_reason;       /* 48: EPT violation */
    uint32_t busy;              /* set by the CPU: no #VE until cleared */
    uint64_t qualification;
    uint64_t gla;
    uint64_t gpa;
    uint16_t eptp_index;        /* the view it happened on */
};

static volatile struct ve_info *const ve_info = (void *)SPP_GUEST_VE_ADDR;

/* VMFUNC leaf 0, EPTP switching: run on altp2m view "view". */
static void switch_view(uint32_t view)
{
    asm volatile ( ".byte 0x0f, 0x01, 0xd4" /* vmfunc */
                   :: "a" (0), "c" (view) : "memory" );
}

/*
 * The agent's #VE handler: record the fault, then move to the agent's
 * view, where the page may be written, so that the write retried on
 * return lands.  Clearing busy lets the CPU deliver the next #VE.
 */
void ve_interrupt(void)
{
    struct spp_guest_cmd *cmd = cmd_of(0);

    cmd->ves++;
    cmd->ve_view = ve_info->eptp_index;
    cmd->ve_qual = ve_info->qualification;
    cmd->ve_gpa = ve_info->gpa;
    switch_view(cmd->agent_view);
    ve_info->busy = 0;
}

static int ve_write_subpage(uint8_t *va, unsigned int i, uint32_t seq)
{
    switch_view(cmd_of(0)->view);
    return write_subpage(va, i, seq);
}

static void op_ve_write(struct spp_guest_cmd *cmd, uint32_t seq)
{
    cmd->ves = 0;
    write_mask(cmd, seq, "ve-write", ve_write_subpage);
    switch_view(cmd->view);
    print("spp-guest: seq %u ve-write: %u #VE, the last on view %u:"
          " qualification %#x gpa %#x\n", seq, cmd->ves, cmd->ve_view,
          (uint32_t)cmd->ve_qual, (uint32_t)cmd->ve_gpa);
}

static void op_copy(struct spp_guest_cmd *cmd, uint32_t seq)
{
    if ( !hypercalls_ready || xen_version(XENVER_changeset, changeset) )
    {
        cmd->rc[0] = -ENOSYS;
        print("spp-guest: seq %u copy: no hypercalls\n", seq);
        return;
    }
    write_mask(cmd, seq, "copy", copy_subpage);
}

/*
 * Write the mask's sub-pages, the next counter value each time, until
 * dom0 says stop.  Interrupts stay on (IPIs must reach this vCPU) and
 * nothing else here exits to Xen: a write that lands after dom0 removed
 * the page's write permission shows a missing EPT flush.
 */
static void op_spin(struct spp_guest_cmd *cmd, uint32_t seq)
{
    uint32_t mask = cmd->mask, n = 0, rounds = 0;
    uint8_t *va;
    unsigned int i;

    if ( !is_test_page(cmd->gfn) )
    {
        cmd->rc[0] = -EINVAL;
        return;
    }
    va = test_page_va(cmd->gfn);

    __atomic_store_n(&cmd->spinning, seq, __ATOMIC_RELEASE);
    while ( !__atomic_load_n(&cmd->stop, __ATOMIC_ACQUIRE) )
    {
        for ( i = 0; i < SPP_GUEST_NR_SUBPAGES; i++ )
            if ( mask & (1U << i) )
                *subpage_middle(va, i) = ++n;
        rounds++;
    }
    cmd->writes = rounds;
    cmd->spinning = 0;
    cmd->stop = 0;
    print("spp-guest: vcpu %u seq %u spin gfn %#x mask %#08x: %u rounds\n",
          this_vcpu(), seq, (uint32_t)cmd->gfn, mask, rounds);
}

static uint64_t rdtsc(void)
{
    uint64_t t;

    asm volatile ( "lfence; rdtsc" : "=A" (t) :: "memory" );

    return t;
}

static void op_bench(struct spp_guest_cmd *cmd, uint32_t seq)
{
    uint32_t mask = cmd->mask, n;
    uint64_t t0;
    uint8_t *va;
    unsigned int i = 0;

    if ( !is_test_page(cmd->gfn) || !mask )
    {
        cmd->rc[0] = -EINVAL;
        return;
    }
    va = test_page_va(cmd->gfn);

    t0 = rdtsc();
    for ( n = 0; n < SPP_GUEST_BENCH_WRITES; n++ )
    {
        while ( !(mask & (1U << i)) )
            i = (i + 1) % SPP_GUEST_NR_SUBPAGES;
        *subpage_middle(va, i) = n;
        i = (i + 1) % SPP_GUEST_NR_SUBPAGES;
    }
    cmd->cycles = rdtsc() - t0;
    cmd->writes = n;
    print("spp-guest: seq %u bench gfn %#x mask %#08x: %u writes in %u"
          " cycles\n", seq, (uint32_t)cmd->gfn, mask, n,
          (uint32_t)cmd->cycles);
}

static void op_runstate(struct spp_guest_cmd *cmd, uint32_t seq)
{
    uint64_t gfn = cmd->gfn;
    uint64_t area = gfn * SPP_GUEST_PAGE_SIZE;
    const volatile uint8_t *p = (const void *)(uint32_t)area;
    uint32_t start = ticks, nonzero = 0;
    unsigned int i;

    if ( gfn && !is_test_page(gfn) )
    {
        cmd->rc[0] = -EINVAL;
        return;
    }
    cmd->rc[0] = vcpu_op(VCPUOP_register_runstate_memory_area,
                         this_vcpu(), &area);
    /*
     * Hypercall output into the same sub-page, several times in a row: an
     * engine that does not read its ring sees it fill in hypercall
     * context, so that the next runstate write, as this vCPU is switched
     * out, finds it full.
     */
    for ( i = 0; gfn && i < 8; i++ )
        xen_version(XENVER_changeset, (void *)(p + RUNSTATE_COPY_OFFSET));
    while ( ticks - start < 5 )
        asm volatile ( "sti; hlt" ::: "memory" );
    for ( i = 0; gfn && i < RUNSTATE_INFO_SIZE; i++ )
        nonzero += !!p[i];
    cmd->landed = nonzero;
    print("spp-guest: vcpu %u seq %u runstate area at gfn %#x: rc %d,"
          " %u bytes not zero\n", this_vcpu(), seq, (uint32_t)gfn,
          cmd->rc[0], nonzero);
}

static void op_suspend(struct spp_guest_cmd *cmd, uint32_t seq)
{
    uint32_t reason = SHUTDOWN_suspend;
    long rc;

    __atomic_store_n(&cmd->done, seq, __ATOMIC_RELEASE);
    rc = sched_op(SCHEDOP_shutdown, &reason);
    print("spp-guest: seq %u suspend: back (%d)\n", seq, (int)rc);
}

/* The guest must not be able to change SPP, on itself or on others. */
static void op_hypercall(struct spp_guest_cmd *cmd, uint32_t seq)
{
    uint16_t own = cmd->domid;
    int32_t *rc = cmd->rc;

    rc[SPP_GUEST_RC_DOMID_SELF] =
        set_subpage(DOMID_SELF, SPP_GUEST_TEST_GFN, 0);
    rc[SPP_GUEST_RC_DOM0] = set_subpage(0, SPP_GUEST_TEST_GFN, 0);
    rc[SPP_GUEST_RC_OWN_DOMID] = set_subpage(own, SPP_GUEST_TEST_GFN, 0);

    print("spp-guest: seq %u hypercall set_subpage gfn %#x: self %d"
          " dom0 %d d%u %d\n", seq, SPP_GUEST_TEST_GFN,
          rc[SPP_GUEST_RC_DOMID_SELF], rc[SPP_GUEST_RC_DOM0], own,
          rc[SPP_GUEST_RC_OWN_DOMID]);
}

static void run_command(struct spp_guest_cmd *cmd, uint32_t seq)
{
    unsigned int i;

    for ( i = 0; i < sizeof(cmd->rc) / sizeof(cmd->rc[0]); i++ )
        cmd->rc[i] = 0;
    cmd->landed = 0;
    cmd->writes = 0;

    switch ( cmd->op )
    {
    case SPP_GUEST_OP_WRITE:
        write_mask(cmd, seq, "write", write_subpage);
        break;
    case SPP_GUEST_OP_HYPERCALL:
        op_hypercall(cmd, seq);
        break;
    case SPP_GUEST_OP_COPY:
        op_copy(cmd, seq);
        break;
    case SPP_GUEST_OP_MOVS:
        write_mask(cmd, seq, "movs", movs_subpage);
        break;
    case SPP_GUEST_OP_VE_WRITE:
        op_ve_write(cmd, seq);
        break;
    case SPP_GUEST_OP_SPIN:
        op_spin(cmd, seq);
        break;
    case SPP_GUEST_OP_RUNSTATE:
        op_runstate(cmd, seq);
        break;
    case SPP_GUEST_OP_SUSPEND:
        op_suspend(cmd, seq);
        break;
    case SPP_GUEST_OP_BENCH:
        op_bench(cmd, seq);
        break;
    case SPP_GUEST_OP_PING:
        print("spp-guest: vcpu %u seq %u ping (%u ticks)\n", this_vcpu(),
              seq, ticks);
        break;
    default:
        cmd->rc[0] = -EINVAL;
        print("spp-guest: seq %u unknown op %u\n", seq, cmd->op);
    }
}

static void poll_command(struct spp_guest_cmd *cmd)
{
    /* Acquire: the arguments dom0 wrote before seq are visible. */
    uint32_t seq = __atomic_load_n(&cmd->seq, __ATOMIC_ACQUIRE);

    if ( seq == cmd->done )
        return;

    run_command(cmd, seq);
    __atomic_store_n(&cmd->done, seq, __ATOMIC_RELEASE);
}

/* Every CPU's main loop: sleep until an interrupt, then look for work. */
static void __attribute__((noreturn)) take_commands(struct spp_guest_cmd *cmd)
{
    /* Anything dom0 posted before we were ready is not ours to run. */
    cmd->done = cmd->seq;
    __atomic_store_n(&cmd->magic, SPP_GUEST_MAGIC_READY, __ATOMIC_RELEASE);

    for ( ; ; )
    {
        /* Sleep until an interrupt: the next tick at the latest. */
        asm volatile ( "sti; hlt" ::: "memory" );
        poll_command(cmd);
    }
}

/* The other vCPUs: what guest_main() sets up for vCPU 0, for itself. */
void ap_main(void)
{
    load_idt();
    setup_paging();
    setup_lapic_timer();
    print("spp-guest: vcpu %u ready cmd=%#x\n", this_vcpu(),
          (uint32_t)cmd_of(this_vcpu()));
    take_commands(cmd_of(this_vcpu()));
}

static uint8_t ap_stacks[SPP_GUEST_MAX_VCPUS][STACK_SIZE]
    __attribute__((aligned(16)));

/*
 * Start vCPU n at ap_start as Xen starts vCPU 0: 32-bit protected mode,
 * paging off, flat segments; ap_start loads the GDT.  -ENOENT when the
 * domain has no vCPU n.
 */
static long start_vcpu(unsigned int n)
{
    struct vcpu_hvm_context ctx = { .mode = VCPU_HVM_MODE_32B };
    long rc;

    ctx.cpu_regs.x86_32.eip = (uint32_t)ap_start;
    ctx.cpu_regs.x86_32.esp = (uint32_t)ap_stacks[n] + STACK_SIZE;
    ctx.cpu_regs.x86_32.eflags = 0x2;
    ctx.cpu_regs.x86_32.cr0 = 0x11;             /* PE, ET */
    ctx.cpu_regs.x86_32.cs_limit = ~0U;
    ctx.cpu_regs.x86_32.ds_limit = ~0U;
    ctx.cpu_regs.x86_32.ss_limit = ~0U;
    ctx.cpu_regs.x86_32.es_limit = ~0U;
    ctx.cpu_regs.x86_32.tr_limit = 0x67;
    ctx.cpu_regs.x86_32.cs_ar = 0xc9b;          /* 32-bit code, present */
    ctx.cpu_regs.x86_32.ds_ar = 0xc93;          /* 32-bit data, present */
    ctx.cpu_regs.x86_32.ss_ar = 0xc93;
    ctx.cpu_regs.x86_32.es_ar = 0xc93;
    ctx.cpu_regs.x86_32.tr_ar = 0x8b;           /* busy 32-bit TSS */

    rc = vcpu_op(VCPUOP_initialise, n, &ctx);

    return rc ?: vcpu_op(VCPUOP_up, n, NULL);
}

static void start_other_vcpus(void)
{
    unsigned int n;
    long rc;

    for ( n = 1; n < SPP_GUEST_MAX_VCPUS && hypercalls_ready; n++ )
    {
        rc = start_vcpu(n);
        if ( rc )
        {
            print("spp-guest: %u vcpu(s) (vcpu %u: %d)\n", n, n, (int)rc);
            return;
        }
    }
}

void guest_main(void)
{
    setup_idt();
    setup_paging();
    setup_hypercall_page();
    setup_lapic_timer();
    start_other_vcpus();

    print("spp-guest: ready cmd=%#x pages=%#x-%#x\n", SPP_GUEST_CMD_GFN,
          SPP_GUEST_TEST_GFN,
          SPP_GUEST_TEST_GFN + SPP_GUEST_NR_TEST_PAGES - 1);
    take_commands(cmd_of(0));
}
