// SPDX-License-Identifier: GPL-2.0
/*
 * The planted corruptions, one per scenario. Each prints its ground truth
 * before returning, and none lets the kernel walk what it damaged: nothing
 * allocates from or frees to kdx_obj afterwards, and nothing reads slabinfo.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swab.h>

#include "kdxplant.h"

#define KDX_GARBAGE 0x4141414141414141UL

/* What SLAB_FREELIST_HARDENED stores for ptr at ptr_addr (mm/slub.c). */
static unsigned long kdx_decode(unsigned long stored, unsigned long ptr_addr)
{
	return stored ^ kdx_cache->random ^ swab64(ptr_addr);
}

static void kdx_word(const char *kind, const char *field, unsigned long addr,
		     unsigned long old, unsigned long new, const char *extra)
{
	KDX_TRUTH("\"fact\":\"word\",\"kind\":\"%s\",\"field\":\"%s\",\"addr\":\"%s\",\"original\":\"%s\",\"planted\":\"%s\"%s",
		kind, field, KDX_HEX(addr), KDX_HEX(old), KDX_HEX(new), extra);
}

/*
 * Choose a slab in the middle of node 0's partial list of kdx_obj, checking
 * on the way that the mirrored structures match what the kernel keeps.
 */
static struct slab *kdx_pick_partial(void)
{
	struct kdx_cache_node *n = kdx_node0();
	struct slab *s, *pick = NULL;
	unsigned long i = 0, flags;
	bool bad = false;

	spin_lock_irqsave(&n->list_lock, flags);
	list_for_each_entry(s, &n->partial, slab_list) {
		if (s->slab_cache != kdx_cache || s->frozen || i > 100000 ||
		    !PageSlab((struct page *)s)) {
			bad = true;
			break;
		}
		if (i++ == n->nr_partial / 2)
			pick = s;
	}
	bad = bad || i != n->nr_partial;
	spin_unlock_irqrestore(&n->list_lock, flags);
	if (bad) {
		pr_err("kdxplant: node partial list does not match the 6.1 layout\n");
		return ERR_PTR(-EPROTO);
	}
	if (!pick || i < 3)
		return ERR_PTR(-ENOENT);
	return pick;
}

/* Scenario 2: a free object's hardened free pointer overwritten. */
static int kdx_plant_freelist(void)
{
	struct slab *s = kdx_pick_partial();
	unsigned long obj, addr, old;

	if (IS_ERR(s))
		return PTR_ERR(s);
	obj = (unsigned long)s->freelist;
	addr = obj + kdx_cache->offset;
	old = *(unsigned long *)addr;
	KDX_TRUTH("\"fact\":\"corruption\",\"kind\":\"bad-freelist-pointer\",\"cache\":\"kdx_obj\",\"field\":\"freepointer\",\"slab\":\"%s\",\"object\":\"%s\",\"addr\":\"%s\",\"original\":\"%s\",\"planted\":\"%s\",\"original_next\":\"%s\",\"planted_next\":\"%s\",\"free_in_slab\":%u",
		KDX_HEX(s), KDX_HEX(obj), KDX_HEX(addr), KDX_HEX(old),
		KDX_HEX(KDX_GARBAGE), KDX_HEX(kdx_decode(old, addr)),
		KDX_HEX(kdx_decode(KDX_GARBAGE, addr)), s->objects - s->inuse);
	WRITE_ONCE(*(unsigned long *)addr, KDX_GARBAGE);
	return 0;
}

/*
 * Scenario 3: a stray device write of 20 zero bytes at the start of one
 * partial slab's struct slab: the flags word, slab_list.next and the low
 * half of slab_list.prev.
 */
static int kdx_plant_slabmeta(void)
{
	struct slab *s = kdx_pick_partial();
	unsigned long base, prev, next;
	char extra[64];

	if (IS_ERR(s))
		return PTR_ERR(s);
	base = (unsigned long)s;
	prev = (unsigned long)s->slab_list.prev;
	next = (unsigned long)s->slab_list.next;
	KDX_TRUTH("\"fact\":\"corruption\",\"kind\":\"bad-slab-link\",\"cache\":\"kdx_obj\",\"slab\":\"%s\",\"addr\":\"%s\",\"len\":20,\"list\":\"node0.partial\",\"slab_list_prev\":\"%s\",\"slab_list_next\":\"%s\"",
		KDX_HEX(base), KDX_HEX(base), KDX_HEX(prev), KDX_HEX(next));
	snprintf(extra, sizeof(extra), ",\"slab\":\"%s\"", KDX_HEX(base));
	kdx_word("bad-slab-link", "__page_flags", base, s->flags, 0, extra);
	kdx_word("bad-slab-link", "slab_list.next", base + 8, next, 0, extra);
	kdx_word("bad-slab-link", "slab_list.prev", base + 16, prev,
		 prev & ~0xffffffffUL, extra);
	memset(s, 0, 20);
	return 0;
}

static void kdx_set_link(const char *kind, const char *field, struct kdx_node *n,
			 struct list_head **word, struct list_head *val,
			 const char *head, const char *extra)
{
	KDX_TRUTH("\"fact\":\"corruption\",\"kind\":\"%s\",\"list\":\"%s\",\"node\":\"%s\",\"node_id\":%u,\"field\":\"%s\",\"addr\":\"%s\",\"original\":\"%s\",\"planted\":\"%s\"%s",
		kind, head, KDX_HEX(n), n->id, field, KDX_HEX(word),
		KDX_HEX(*word), KDX_HEX(val), extra);
	WRITE_ONCE(*word, val);
}

/*
 * Scenario 4: kdx_list node 300's next points into the payload of an
 * unrelated live kdx_obj; node 700's prev points at node 650 instead of
 * 699; kdx_cycle's last node points back at its fourth instead of the head.
 */
static int kdx_plant_list(void)
{
	struct kdx_node *a = kdx_nodes[300], *b = kdx_nodes[700];
	struct kdx_node *c = kdx_cycle_nodes[KDX_CYCLE - 1];
	struct kdx_obj *o = kdx_live[3500];
	char extra[96];

	snprintf(extra, sizeof(extra), ",\"into_object\":\"%s\",\"into_cache\":\"kdx_obj\"",
		 KDX_HEX(o));
	kdx_set_link("list-bad-next", "link.next", a, &a->link.next,
		     (struct list_head *)o->payload, "kdx_list", extra);
	snprintf(extra, sizeof(extra), ",\"expected_prev_node\":\"%s\"",
		 KDX_HEX(kdx_nodes[699]));
	kdx_set_link("list-bad-prev", "link.prev", b, &b->link.prev,
		     &kdx_nodes[650]->link, "kdx_list", extra);
	snprintf(extra, sizeof(extra), ",\"cycle_to_node\":\"%s\",\"cycle_len\":%d",
		 KDX_HEX(kdx_cycle_nodes[3]), KDX_CYCLE - 3);
	kdx_set_link("list-cycle", "link.next", c, &c->link.next,
		     &kdx_cycle_nodes[3]->link, "kdx_cycle", extra);
	return 0;
}

/* Scenario 5: leak KDX_LEAK kmalloc-256 objects, each with a pattern. */
static int kdx_plant_leak(void)
{
	char *p, *first = NULL, *last = NULL;
	int i;

	for (i = 0; i < KDX_LEAK; i++) {
		p = kmalloc(256, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		memset(p, 0x6b, 256);
		snprintf(p, 32, "kdxleak %d", i);
		if (!first)
			first = p;
		last = p;
	}
	KDX_TRUTH("\"fact\":\"leak\",\"cache\":\"%s\",\"size\":256,\"count\":%d,\"first\":\"%s\",\"last\":\"%s\",\"pattern\":\"kdxleak %%d\"",
		kdx_slab_of(last)->slab_cache->name, KDX_LEAK, KDX_HEX(first),
		KDX_HEX(last));
	return 0;
}

struct kdx_flip {
	int obj;
	const char *field;
	size_t off;
	int bit;
};

/* Scenario 6: one bit flipped in four live pointers of kdx_obj objects. */
static const struct kdx_flip kdx_flips[] = {
	{ 3100, "self", offsetof(struct kdx_obj, self), 12 },
	{ 3200, "link.next", offsetof(struct kdx_obj, link.next), 40 },
	{ 3300, "buf", offsetof(struct kdx_obj, buf), 3 },
	{ 3400, "peer", offsetof(struct kdx_obj, peer), 62 },
};

static int kdx_plant_bitflip(void)
{
	unsigned long *w, old;
	int i;

	for (i = 0; i < ARRAY_SIZE(kdx_flips); i++) {
		const struct kdx_flip *f = &kdx_flips[i];
		struct kdx_obj *o = kdx_live[f->obj];

		w = (unsigned long *)((char *)o + f->off);
		old = *w;
		KDX_TRUTH("\"fact\":\"corruption\",\"kind\":\"bitflip\",\"cache\":\"kdx_obj\",\"object\":\"%s\",\"slab\":\"%s\",\"field\":\"%s\",\"addr\":\"%s\",\"bit\":%d,\"original\":\"%s\",\"planted\":\"%s\"%s",
			KDX_HEX(o), KDX_HEX(kdx_slab_of(o)), f->field, KDX_HEX(w),
			f->bit, KDX_HEX(old), KDX_HEX(old ^ (1UL << f->bit)),
			f->off == offsetof(struct kdx_obj, link.next) ?
			",\"list\":\"kdx_objs\"" : "");
		WRITE_ONCE(*w, old ^ (1UL << f->bit));
	}
	return 0;
}

static int kdx_plant_panic(void)
{
	KDX_TRUTH("\"fact\":\"panic\",\"kind\":\"panic\",\"function\":\"kdx_null_deref\",\"module\":\"kdxplant\",\"fault_addr\":\"%s\",\"trigger\":\"/sys/module/kdxplant/parameters/crash\"",
		KDX_HEX(offsetof(struct kdx_node, id)));
	return 0;
}

int kdx_plant(const char *scenario)
{
	static const struct {
		const char *name;
		int (*plant)(void);
	} plants[] = {
		{ "freelist", kdx_plant_freelist },
		{ "slabmeta", kdx_plant_slabmeta },
		{ "list", kdx_plant_list },
		{ "leak", kdx_plant_leak },
		{ "bitflip", kdx_plant_bitflip },
		{ "panic", kdx_plant_panic },
	};
	int i;

	if (!strcmp(scenario, "clean"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(plants); i++)
		if (!strcmp(scenario, plants[i].name))
			return plants[i].plant();
	return -EINVAL;
}
