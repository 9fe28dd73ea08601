/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests of xen-subpage's guest virtual addresses (guest-va.c): symbols
 * from a System.map, the walk of made-up 4-level page tables in a made-up
 * guest memory, Linux's page-table isolation, and the pages and maps that
 * guard symbol ranges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "guest-va.h"

/* ---- a made-up guest memory ---- */

#define FRAMES      64
#define PRESENT     0x001ull
#define WRITABLE    0x002ull
#define PS          0x080ull
#define NX          (1ull << 63)

static uint64_t mem[FRAMES][512];
static unsigned int next_table, maps, unmaps;
static uint64_t unreadable = ~0ull;

static const void *map_frame(void *ctx, uint64_t gfn)
{
    (void)ctx;
    if ( gfn >= FRAMES || gfn == unreadable )
        return NULL;
    maps++;
    return mem[gfn];
}

static void unmap_frame(void *ctx, const void *page)
{
    (void)ctx;
    assert_non_null(page);
    unmaps++;
}

static const struct gva_memory guest = { map_frame, unmap_frame, NULL };

static int reset(void **state)
{
    (void)state;
    memset(mem, 0, sizeof(mem));
    next_table = 1;
    maps = unmaps = 0;
    unreadable = ~0ull;
    return 0;
}

static uint64_t new_table(void)
{
    assert_true(next_table < FRAMES / 2);
    return next_table++;
}

/*
 * Map va in the tables at root (a gfn) to frame gfn, as a page of level
 * 1 (4K), 2 (2M) or 3 (1G); the tables on the way are made as needed.
 * Flags: A and D set, as a kernel's, and NX, which the walk ignores.
 */
static void map_va(uint64_t root, uint64_t va, uint64_t gfn,
                   unsigned int level)
{
    uint64_t table = root;
    unsigned int l;

    for ( l = 4; l > level; l-- )
    {
        uint64_t *e = &mem[table][(va >> (12 + 9 * (l - 1))) & 511];

        if ( !(*e & PRESENT) )
            *e = (new_table() << 12) | PRESENT | WRITABLE | 0x60;
        table = (*e & 0x000ffffffffff000ull) >> 12;
    }
    mem[table][(va >> (12 + 9 * (level - 1))) & 511] =
        (gfn << 12) | PRESENT | WRITABLE | 0x60 | NX | (level > 1 ? PS : 0);
}

#define KVA 0xffffffff82a00000ull

/* ---- symbols ---- */

static const char system_map[] =
    "ffffffff82b5c8a0 D modprobe_path\n"
    "ffffffff81000000 T _text\n"
    "ffffffff82b5c9a0 D poweroff_cmd\n"
    "ffffffff82b5c9a0 d aliased_poweroff\n"
    "ffffffffc0001000 t init_module\t[xen_evtchn]\n"
    "\n"
    "ffffffff82b5caa0 B last_symbol\n";

static FILE *text(const char *s)
{
    FILE *f = fmemopen((void *)s, strlen(s), "r");

    assert_non_null(f);
    return f;
}

static void read_symbols(struct gva_symtab *t, const char *s)
{
    char why[128] = "";
    FILE *f = text(s);

    assert_int_equal(gva_symtab_read(f, t, why, sizeof(why)), 0);
    fclose(f);
}

static void symbols_sorted_sized_modules_skipped(void **state)
{
    struct gva_symtab t;
    const struct gva_symbol *s;

    (void)state;
    read_symbols(&t, system_map);
    assert_int_equal(t.nr, 5);
    assert_string_equal(t.sym[0].name, "_text");
    s = gva_symbol_find(&t, "modprobe_path");
    assert_non_null(s);
    assert_int_equal(s->addr, 0xffffffff82b5c8a0ull);
    assert_int_equal(s->type, 'D');
    assert_int_equal(s->size, 0x100);
    /* Two names at one address: each up to the next address. */
    assert_int_equal(gva_symbol_find(&t, "poweroff_cmd")->size, 0x100);
    assert_int_equal(gva_symbol_find(&t, "aliased_poweroff")->size, 0x100);
    assert_int_equal(gva_symbol_find(&t, "last_symbol")->size, 0);
    assert_null(gva_symbol_find(&t, "init_module"));
    assert_null(gva_symbol_find(&t, "modprobe"));
    gva_symtab_free(&t);
}

static void malformed_symbol_lines(void **state)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        { "ffffffff81000000 T _text\nzz T x\n", "line 2: not" },
        { "ffffffff81000000 _text\n", "line 1: not" },
        { "ffffffff81000000 TT _text\n", "line 1: not" },
        { "0x ffffffff81000000 T _text\n", "line 1: not" },
        { "10000000000000000 T big\n", "line 1: not" },
        { "ffffffff81000000 T a\"b\n", "line 1: not" },
    };
    unsigned int i;

    (void)state;
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        struct gva_symtab t = { (void *)1, 1 };
        char why[128] = "";
        FILE *f = text(cases[i].text);

        assert_int_equal(gva_symtab_read(f, &t, why, sizeof(why)), -1);
        fclose(f);
        if ( !strstr(why, cases[i].why) )
            fail_msg("%s: %s", cases[i].text, why);
        assert_null(t.sym);
        assert_int_equal(t.nr, 0);
    }
}

static void targets_and_their_lengths(void **state)
{
    static const struct {
        const char *arg, *why;
        uint64_t len;
    } cases[] = {
        { "modprobe_path", NULL, 0x100 },
        { "modprobe_path:16", NULL, 16 },
        { "modprobe_path:0x1000", NULL, 0x1000 },
        { "modprobe_path:0", "bad length", 0 },
        { "modprobe_path:-1", "bad length", 0 },
        { "modprobe_path:", "bad length", 0 },
        { "modprobe_path:12x", "bad length", 0 },
        { "modprobe_path:0x100001", "bad length", 0 },
        { "nosuch", "no such symbol", 0 },
        { ":16", "no symbol name", 0 },
        { "last_symbol", "its size is unknown", 0 },
        { "last_symbol:8", NULL, 8 },
    };
    struct gva_symtab t;
    unsigned int i;

    (void)state;
    read_symbols(&t, system_map);
    for ( i = 0; i < sizeof(cases) / sizeof(cases[0]); i++ )
    {
        const struct gva_symbol *s = NULL;
        uint64_t len = 0;
        char why[128] = "";
        int rc = gva_parse_target(&t, cases[i].arg, &s, &len, why,
                                  sizeof(why));

        if ( cases[i].why )
        {
            if ( rc != -1 || !strstr(why, cases[i].why) )
                fail_msg("%s: rc %d, %s", cases[i].arg, rc, why);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_non_null(s);
        assert_int_equal(len, cases[i].len);
    }
    gva_symtab_free(&t);
}

/* ---- the walk ---- */

static void translate_4k_2m_1g(void **state)
{
    uint64_t root = new_table(), gfn = 0;

    (void)state;
    map_va(root, KVA, 40, 1);
    map_va(root, KVA + 0x200000, 0x200, 2);         /* 2M at frame 0x200 */
    map_va(root, 0xffff888000000000ull, 0x40000, 3); /* 1G */

    assert_int_equal(gva_translate(&guest, root << 12, KVA + 0xfff, &gfn),
                     GVA_OK);
    assert_int_equal(gfn, 40);
    assert_int_equal(gva_translate(&guest, root << 12,
                                   KVA + 0x200000 + 0x3456, &gfn), GVA_OK);
    assert_int_equal(gfn, 0x203);
    assert_int_equal(gva_translate(&guest, root << 12,
                                   0xffff888000000000ull + 0x12345678, &gfn),
                     GVA_OK);
    assert_int_equal(gfn, 0x40000 + 0x12345);
    /* Every frame mapped was unmapped. */
    assert_int_equal(maps, unmaps);
}

static void translate_failures(void **state)
{
    uint64_t root = new_table(), gfn = 77, table;

    (void)state;
    map_va(root, KVA, 40, 1);
    /* Not present at each level. */
    assert_int_equal(gva_translate(&guest, root << 12, KVA + 0x1000, &gfn),
                     GVA_NOT_MAPPED);
    assert_int_equal(gva_translate(&guest, root << 12, KVA + 0x400000, &gfn),
                     GVA_NOT_MAPPED);
    assert_int_equal(gva_translate(&guest, root << 12,
                                   KVA - 0x40000000ull, &gfn),
                     GVA_NOT_MAPPED);
    assert_int_equal(gva_translate(&guest, root << 12, 0x1000, &gfn),
                     GVA_NOT_MAPPED);
    assert_int_equal(gva_translate(&guest, root << 12, 0x0000800000000000ull,
                                   &gfn), GVA_NOT_CANONICAL);
    /* A table that cannot be mapped (the last level's). */
    table = (mem[root][(KVA >> 39) & 511] >> 12) & 0xffffffffffull;
    table = (mem[table][(KVA >> 30) & 511] >> 12) & 0xffffffffffull;
    unreadable = (mem[table][(KVA >> 21) & 511] >> 12) & 0xffffffffffull;
    assert_int_equal(gva_translate(&guest, root << 12, KVA, &gfn),
                     GVA_UNREADABLE);
    unreadable = root;
    assert_int_equal(gva_translate(&guest, root << 12, KVA, &gfn),
                     GVA_UNREADABLE);
    assert_int_equal(gfn, 77);
    assert_int_equal(maps, unmaps);
}

/*
 * Linux's PTI: the PGD is 8K, the kernel's half first; a vCPU in user mode
 * has the user half, which maps little of the kernel, in CR3 (with PCID
 * bits).  Without PTI a CR3 with bit 12 set is left alone.
 */
static void kernel_cr3_under_pti(void **state)
{
    uint64_t kernel = 4, user = 5, gfn;

    (void)state;
    next_table = 6;
    map_va(kernel, KVA, 40, 1);
    map_va(user, 0x400000, 41, 1);
    assert_int_equal(gva_translate(&guest, user << 12, KVA, &gfn),
                     GVA_NOT_MAPPED);
    assert_int_equal(gva_kernel_cr3(&guest, (user << 12) | 0x803, KVA),
                     kernel << 12);
    assert_int_equal(gva_kernel_cr3(&guest, (kernel << 12) | 0x3, KVA),
                     kernel << 12);

    /* No PTI: the PGD at an odd frame maps the kernel itself. */
    map_va(user, KVA, 42, 1);
    assert_int_equal(gva_kernel_cr3(&guest, user << 12, KVA), user << 12);
    assert_int_equal(maps, unmaps);
}

/* ---- the guard ---- */

static struct gva_symtab guard_symbols(void)
{
    struct gva_symtab t;

    read_symbols(&t,
                 "ffffffff82a00f80 D crosses\n"     /* last sub-page, on */
                 "ffffffff82a01100 D next\n"
                 "ffffffff82a00010 D small\n"
                 "ffffffff82a00100 D tail\n"
                 "ffffffff82a03000 D unmapped\n"
                 "ffffffff82a04000 D end\n");
    return t;
}

static void guard_denies_exactly_the_covered_subpages(void **state)
{
    struct gva_symtab t = guard_symbols();
    uint64_t root = new_table();
    struct gva_target targets[3];
    struct gva_guard g;
    char why[128] = "", buf[64];

    (void)state;
    map_va(root, KVA, 40, 1);
    map_va(root, KVA + 0x1000, 9, 1);
    targets[0] = (struct gva_target){ gva_symbol_find(&t, "crosses"), 0x180 };
    targets[1] = (struct gva_target){ gva_symbol_find(&t, "small"), 1 };
    targets[2] = (struct gva_target){ gva_symbol_find(&t, "tail"), 0x81 };

    assert_int_equal(gva_guard_plan(&guest, root << 12, targets, 3, &g, why,
                                     sizeof(why)), 0);
    assert_int_equal(g.nr_pages, 2);
    /* Page 0: small (sub-page 0), tail (2 and 3), crosses (31). */
    assert_int_equal(g.page[0].va, KVA);
    assert_int_equal(g.page[0].gfn, 40);
    assert_int_equal(g.page[0].map, ~((1u << 0) | (3u << 2) | (1u << 31)));
    /* Page 1: crosses's last 0x100 bytes, sub-pages 0 and 1. */
    assert_int_equal(g.page[1].va, KVA + 0x1000);
    assert_int_equal(g.page[1].gfn, 9);
    assert_int_equal(g.page[1].map, ~3u);

    assert_true(gva_guard_describe(&g, 9, 0xff, buf, sizeof(buf)));
    assert_string_equal(buf, "crosses+0x17f");
    assert_true(gva_guard_describe(&g, 40, 0x10, buf, sizeof(buf)));
    assert_string_equal(buf, "small+0x0");
    assert_true(gva_guard_describe(&g, 40, 0x180, buf, sizeof(buf)));
    assert_string_equal(buf, "tail+0x80");
    /* Guarded sub-pages hold bytes that are no target's. */
    assert_false(gva_guard_describe(&g, 40, 0x11, buf, sizeof(buf)));
    assert_false(gva_guard_describe(&g, 40, 0x181, buf, sizeof(buf)));
    assert_false(gva_guard_describe(&g, 9, 0x180, buf, sizeof(buf)));
    assert_false(gva_guard_describe(&g, 41, 0x10, buf, sizeof(buf)));
    gva_guard_free(&g);
    gva_symtab_free(&t);
    assert_int_equal(maps, unmaps);
}

static void guard_of_an_unmapped_symbol_fails_whole(void **state)
{
    struct gva_symtab t = guard_symbols();
    uint64_t root = new_table();
    struct gva_target targets[2];
    struct gva_guard g = { (void *)1, 1, (void *)1, 1 };
    char why[128] = "";

    (void)state;
    map_va(root, KVA, 40, 1);
    targets[0] = (struct gva_target){ gva_symbol_find(&t, "small"), 1 };
    targets[1] = (struct gva_target){ gva_symbol_find(&t, "unmapped"), 8 };

    assert_int_equal(gva_guard_plan(&guest, root << 12, targets, 2, &g, why,
                                     sizeof(why)), -1);
    assert_string_equal(why, "unmapped+0x0 (0xffffffff82a03000): not mapped");
    assert_null(g.page);
    assert_null(g.target);
    assert_int_equal(g.nr_pages, 0);

    /* The second page of a range that crosses into unmapped memory. */
    targets[0] = (struct gva_target){ gva_symbol_find(&t, "crosses"), 0x180 };
    assert_int_equal(gva_guard_plan(&guest, root << 12, targets, 1, &g, why,
                                     sizeof(why)), -1);
    assert_string_equal(why,
                        "crosses+0x80 (0xffffffff82a01000): not mapped");
    gva_symtab_free(&t);
    assert_int_equal(maps, unmaps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, reset)
        T(symbols_sorted_sized_modules_skipped),
        T(malformed_symbol_lines),
        T(targets_and_their_lengths),
        T(translate_4k_2m_1g),
        T(translate_failures),
        T(kernel_cr3_under_pti),
        T(guard_denies_exactly_the_covered_subpages),
        T(guard_of_an_unmapped_symbol_fails_whole),
#undef T
    };

    return cmocka_run_group_tests_name("guest-va", tests, NULL, NULL);
}
