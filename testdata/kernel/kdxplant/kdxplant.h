/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kdxplant: plants known state and known corruption in a running kernel so
 * that kdx's fixture dumps have an exact ground truth.
 */
#ifndef KDXPLANT_H
#define KDXPLANT_H

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/types.h>

#define KDX_OBJ_MAGIC  0x6b64786f626a3031ULL /* "kdxobj01" */
#define KDX_NODE_MAGIC 0x6b64786e6f646531ULL /* "kdxnode1" */

/* The object type of the module's own slab cache. */
struct kdx_obj {
	struct kdx_obj *self;
	struct list_head link;	/* on kdx_objs */
	void *buf;		/* kmalloc'd, 64 bytes */
	u64 magic;
	u32 id;
	u32 flags;
	struct kdx_obj *peer;	/* another live object */
	char payload[136];
};

/* The node type of kdx_list and kdx_cycle. */
struct kdx_node {
	u64 magic;
	u32 id;
	struct list_head link;
	struct kdx_obj *owner;
};

/*
 * The 6.1 SLUB struct slab, restated because mm/slab.h is not shipped in the
 * headers package (and slub_def.h needs it). Its layout is checked against struct page at build time
 * (the kernel asserts the same overlay) and at run time against the cache.
 */
struct slab {
	unsigned long flags;
	union {
		struct list_head slab_list;
		struct {
			struct slab *next;
			int slabs;
		};
	};
	struct kmem_cache *slab_cache;
	void *freelist;
	union {
		unsigned long counters;
		struct {
			unsigned inuse:16;
			unsigned objects:15;
			unsigned frozen:1;
		};
	};
	unsigned int unused;
	atomic_t refcount;
	unsigned long memcg_data;
};

/* slub_def.h's inline helpers need struct slab and this (as in mm/slab.h). */
static inline void *slab_address(const struct slab *slab)
{
	return page_address((struct page *)slab);
}

#include <linux/slub_def.h>

/* The first fields of the 6.1 SLUB struct kmem_cache_node (mm/slab.h). */
struct kdx_cache_node {
	spinlock_t list_lock;
	unsigned long nr_partial;
	struct list_head partial;
};

#define KDX_OBJS 4000
#define KDX_NODES 1000
#define KDX_CYCLE 8
#define KDX_LEAK 300000

extern struct kmem_cache *kdx_cache;
extern struct kdx_obj *kdx_live[KDX_OBJS];	/* NULL where freed */
extern struct kdx_obj *kdx_freed[KDX_OBJS];	/* freed objects, in order */
extern int kdx_nfreed;
extern struct list_head kdx_list;
extern struct list_head kdx_cycle;
extern struct kdx_node *kdx_nodes[KDX_NODES];
extern struct kdx_node *kdx_cycle_nodes[KDX_CYCLE];
extern struct task_struct *kdx_worker;

int kdx_build_state(void);
void kdx_free_state(void);
int kdx_plant(const char *scenario);
void kdx_null_deref(void);

/* truth.c: one "kdxplant: TRUTH {json}" line per fact, counted. */
extern int kdx_nfacts;
#define KDX_TRUTH(fmt, ...) do {					\
	kdx_nfacts++;							\
	pr_info("kdxplant: TRUTH {" fmt "}\n", ##__VA_ARGS__);		\
} while (0)
void kdx_truth_state(const char *scenario);
const char *kdx_hex(char *buf, unsigned long v);
#define KDX_HEX(v) kdx_hex((char[20]){}, (unsigned long)(v))

struct slab *kdx_slab_of(const void *obj);
struct kdx_cache_node *kdx_node0(void);
unsigned long kdx_freeptr_addr(const void *obj);

#endif
