// SPDX-License-Identifier: GPL-2.0
/*
 * The clean state every scenario starts from: the kdx_obj cache with live
 * and freed objects over many slabs, the kdx_list of KDX_NODES nodes, and
 * the small kdx_cycle list.
 */
#include <linux/build_bug.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kdxplant.h"

/* The overlay the kernel itself asserts between struct slab and page. */
static_assert(sizeof(struct slab) == sizeof(struct page));
static_assert(offsetof(struct slab, slab_list) == offsetof(struct page, lru));
static_assert(offsetof(struct slab, slab_cache) == offsetof(struct page, mapping));
static_assert(offsetof(struct slab, freelist) == offsetof(struct page, index));
static_assert(offsetof(struct slab, counters) == offsetof(struct page, private));
static_assert(offsetof(struct slab, refcount) == offsetof(struct page, _refcount));

struct kmem_cache *kdx_cache;
struct kdx_obj *kdx_live[KDX_OBJS];
struct kdx_obj *kdx_freed[KDX_OBJS];
int kdx_nfreed;
LIST_HEAD(kdx_list);
LIST_HEAD(kdx_cycle);
LIST_HEAD(kdx_objs);	/* live kdx_obj objects */
struct kdx_node *kdx_nodes[KDX_NODES];
struct kdx_node *kdx_cycle_nodes[KDX_CYCLE];

struct slab *kdx_slab_of(const void *obj)
{
	return (struct slab *)compound_head(virt_to_page(obj));
}

struct kdx_cache_node *kdx_node0(void)
{
	return (struct kdx_cache_node *)kdx_cache->node[0];
}

unsigned long kdx_freeptr_addr(const void *obj)
{
	return (unsigned long)obj + kdx_cache->offset;
}

/*
 * A usercopy region makes the cache unmergeable (slab_unmergeable) without
 * a constructor, which would move the free pointer behind the object; this
 * way it stays in the middle, where 6.1 puts it for most caches.
 */
static int kdx_make_cache(void)
{
	kdx_cache = kmem_cache_create_usercopy("kdx_obj", sizeof(struct kdx_obj),
		0, 0, offsetof(struct kdx_obj, payload),
		sizeof_field(struct kdx_obj, payload), NULL);
	return kdx_cache ? 0 : -ENOMEM;
}

static int kdx_make_objs(void)
{
	struct kdx_obj *o;
	int i;

	for (i = 0; i < KDX_OBJS; i++) {
		o = kmem_cache_alloc(kdx_cache, GFP_KERNEL);
		if (!o)
			return -ENOMEM;
		memset(o, 0, sizeof(*o));
		o->self = o;
		o->magic = KDX_OBJ_MAGIC;
		o->id = i;
		o->buf = kmalloc(64, GFP_KERNEL);
		if (!o->buf)
			return -ENOMEM;
		snprintf(o->buf, 64, "kdx_obj %d buffer", i);
		snprintf(o->payload, sizeof(o->payload), "kdx_obj %d", i);
		o->peer = i ? kdx_live[i - 1] : o;
		list_add_tail(&o->link, &kdx_objs);
		kdx_live[i] = o;
	}
	return 0;
}

/*
 * Free every tenth object of the first three quarters, so that many slabs
 * become partial (a few stay on the per-CPU partial list, most move to the
 * node's partial list) while the last quarter stays full. Peers pointing at
 * a freed object are redirected to a live one, and the kmalloc'd buffer of
 * a freed object is freed with it.
 */
static void kdx_free_some(void)
{
	struct kdx_obj *o;
	int i;

	for (i = 0; i < KDX_OBJS * 3 / 4; i++) {
		if (i % 10 != 3)
			continue;
		o = kdx_live[i];
		kdx_live[i] = NULL;
		if (kdx_live[i + 1] && kdx_live[i + 1]->peer == o)
			kdx_live[i + 1]->peer = kdx_live[i + 1];
		list_del(&o->link);
		kfree(o->buf);
		kmem_cache_free(kdx_cache, o);
		kdx_freed[kdx_nfreed++] = o;
	}
}

static struct kdx_node *kdx_new_node(u32 id, struct list_head *head)
{
	struct kdx_node *n = kzalloc(sizeof(*n), GFP_KERNEL);

	if (!n)
		return NULL;
	n->magic = KDX_NODE_MAGIC;
	n->id = id;
	n->owner = kdx_live[KDX_OBJS - 1 - id % 100];
	list_add_tail(&n->link, head);
	return n;
}

static int kdx_make_lists(void)
{
	int i;

	for (i = 0; i < KDX_NODES; i++) {
		kdx_nodes[i] = kdx_new_node(i, &kdx_list);
		if (!kdx_nodes[i])
			return -ENOMEM;
	}
	for (i = 0; i < KDX_CYCLE; i++) {
		kdx_cycle_nodes[i] = kdx_new_node(i, &kdx_cycle);
		if (!kdx_cycle_nodes[i])
			return -ENOMEM;
	}
	return 0;
}

int kdx_build_state(void)
{
	int err;

	err = kdx_make_cache();
	if (!err)
		err = kdx_make_objs();
	if (!err)
		err = kdx_make_lists();
	if (!err)
		kdx_free_some();
	return err;
}
