/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the hypervisor's environment to compile xen/common/
 * rangeset.c in user space, for p2m-spp.c's per-view exemptions: the real
 * code, whose corner cases (a range ending at ~0UL) the tests rely on.
 * Only rangesets with no domain are made here, so the domain's list of
 * them is never walked.
 */
#ifndef SPP_TEST_EMUL_RANGESET_H
#define SPP_TEST_EMUL_RANGESET_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"

#define unlikely(x)     __builtin_expect(!!(x), 0)
#define min(a, b)       ((a) < (b) ? (a) : (b))
#define max(a, b)       ((a) > (b) ? (a) : (b))
#define BUG_ON(x)       assert(!(x))
#define printk          printf
#define safe_strcpy(d, s) \
    do { strncpy(d, s, sizeof(d) - 1); (d)[sizeof(d) - 1] = '\0'; } while ( 0 )

/* The next allocation fails when the test says so (fake.c). */
bool fake_xmalloc_fails(void);
#define xmalloc(type)   (fake_xmalloc_fails() ? NULL : malloc(sizeof(type)))
#define xfree(p)        free(p)

/* One thread: the locks only have to compile. */
typedef struct { int unused; } rwlock_t, spinlock_t;
#define rwlock_init(l)      ((void)(l))
#define read_lock(l)        ((void)(l))
#define read_unlock(l)      ((void)(l))
#define write_lock(l)       ((void)(l))
#define write_unlock(l)     ((void)(l))
#define spin_lock_init(l)   ((void)(l))
#define spin_lock(l)        ((void)(l))
#define spin_unlock(l)      ((void)(l))

struct list_head {
    struct list_head *next, *prev;
};

#define INIT_LIST_HEAD(l)   ((l)->next = (l)->prev = (l))
#define LIST_HEAD(n)        struct list_head n = { &(n), &(n) }
#define list_entry(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))
#define list_for_each_entry(pos, head, member)                          \
    for ( pos = list_entry((head)->next, typeof(*pos), member);         \
          &pos->member != (head);                                       \
          pos = list_entry(pos->member.next, typeof(*pos), member) )

static inline bool list_empty(const struct list_head *l)
{
    return l->next == l;
}

static inline bool list_head_is_null(const struct list_head *l)
{
    return !l->next && !l->prev;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
    n->next = head->next;
    n->prev = head;
    head->next->prev = n;
    head->next = n;
}

static inline void list_del(struct list_head *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static inline void list_splice(struct list_head *list, struct list_head *head)
{
    if ( list_empty(list) )
        return;
    list->prev->next = head->next;
    head->next->prev = list->prev;
    head->next = list->next;
    list->next->prev = head;
}

static inline void list_splice_init(struct list_head *list,
                                    struct list_head *head)
{
    list_splice(list, head);
    INIT_LIST_HEAD(list);
}

/* What rangeset.c's per-domain functions use; never called here. */
struct domain {
    unsigned int domain_id;
    spinlock_t rangesets_lock;
    struct list_head rangesets;
};

#include "rangeset.h"

#endif /* SPP_TEST_EMUL_RANGESET_H */
