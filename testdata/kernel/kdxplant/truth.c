// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth of the clean state, printed as one "kdxplant: TRUTH {json}"
 * line per fact. The fixture generator collects these lines from the serial
 * console into truth.json; they are also in the dump's own log buffer.
 * Addresses are raw (never hashed), as "0x%016lx" strings.
 */
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kdxplant.h"

extern struct list_head kdx_objs;

int kdx_nfacts;

const char *kdx_hex(char *buf, unsigned long v)
{
	snprintf(buf, 20, "0x%016lx", v);
	return buf;
}

static int kdx_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The number of distinct slabs holding live kdx_obj objects. */
static int kdx_count_slabs(void)
{
	static unsigned long slabs[KDX_OBJS];
	int i, n = 0, distinct = 0;

	for (i = 0; i < KDX_OBJS; i++)
		if (kdx_live[i])
			slabs[n++] = (unsigned long)kdx_slab_of(kdx_live[i]);
	sort(slabs, n, sizeof(slabs[0]), kdx_cmp_ulong, NULL);
	for (i = 0; i < n; i++)
		if (i == 0 || slabs[i] != slabs[i - 1])
			distinct++;
	return distinct;
}

static void kdx_truth_cache(void)
{
	unsigned int per_slab = kdx_cache->oo.x & 0xffff;
	int live = KDX_OBJS - kdx_nfreed, slabs = kdx_count_slabs();

	KDX_TRUTH("\"fact\":\"cache\",\"name\":\"%s\",\"addr\":\"%s\",\"type\":\"struct kdx_obj\",\"object_size\":%u,\"size\":%u,\"offset\":%u,\"objects_per_slab\":%u,\"order\":%u,\"slabs\":%d,\"live\":%d,\"freed\":%d,\"free\":%d,\"nr_partial\":%lu",
		kdx_cache->name, KDX_HEX(kdx_cache), kdx_cache->object_size,
		kdx_cache->size, kdx_cache->offset, per_slab,
		kdx_cache->oo.x >> 16, slabs, live, kdx_nfreed,
		slabs * per_slab - live, kdx_node0()->nr_partial);
}

static void kdx_truth_list(const char *head, struct list_head *h,
			   const char *type, int count, void *first, void *last)
{
	KDX_TRUTH("\"fact\":\"list\",\"head\":\"%s\",\"head_addr\":\"%s\",\"type\":\"%s\",\"member\":\"link\",\"count\":%d,\"first\":\"%s\",\"last\":\"%s\"",
		head, KDX_HEX(h), type, count, KDX_HEX(first), KDX_HEX(last));
}

static void kdx_sample(const char *kind, const void *addr, const void *obj)
{
	struct slab *s = kdx_slab_of(obj);

	KDX_TRUTH("\"fact\":\"sample\",\"kind\":\"%s\",\"addr\":\"%s\",\"object\":\"%s\",\"cache\":\"%s\",\"slab\":\"%s\"",
		kind, KDX_HEX(addr), KDX_HEX(obj), s->slab_cache->name,
		KDX_HEX(s));
}

void kdx_truth_state(const char *scenario)
{
	struct kdx_obj *a = kdx_live[KDX_OBJS - 10], *f = kdx_freed[kdx_nfreed / 2];
	struct kdx_node *nd = kdx_nodes[123];
	void *stack = task_stack_page(kdx_worker);

	KDX_TRUTH("\"fact\":\"scenario\",\"name\":\"%s\"", scenario);
	KDX_TRUTH("\"fact\":\"module\",\"name\":\"%s\",\"base\":\"%s\",\"size\":%u",
		THIS_MODULE->name, KDX_HEX(THIS_MODULE->core_layout.base),
		THIS_MODULE->core_layout.size);
	kdx_truth_cache();
	kdx_truth_list("kdx_list", &kdx_list, "struct kdx_node", KDX_NODES,
		       kdx_nodes[0], kdx_nodes[KDX_NODES - 1]);
	kdx_truth_list("kdx_cycle", &kdx_cycle, "struct kdx_node", KDX_CYCLE,
		       kdx_cycle_nodes[0], kdx_cycle_nodes[KDX_CYCLE - 1]);
	kdx_truth_list("kdx_objs", &kdx_objs, "struct kdx_obj",
		       KDX_OBJS - kdx_nfreed,
		       list_first_entry(&kdx_objs, struct kdx_obj, link),
		       list_last_entry(&kdx_objs, struct kdx_obj, link));
	KDX_TRUTH("\"fact\":\"kthread\",\"comm\":\"%s\",\"pid\":%d,\"task\":\"%s\",\"stack\":\"%s\",\"stack_size\":%lu",
		kdx_worker->comm, task_pid_nr(kdx_worker), KDX_HEX(kdx_worker),
		KDX_HEX(stack), THREAD_SIZE);
	kdx_sample("allocated", a, a);
	kdx_sample("allocated-interior", &a->buf, a);
	kdx_sample("free", f, f);
	kdx_sample("list-node", nd, nd);
	kdx_sample("buffer", a->buf, a->buf);
	KDX_TRUTH("\"fact\":\"sample\",\"kind\":\"stack\",\"addr\":\"%s\",\"task\":\"%s\",\"stack\":\"%s\"",
		KDX_HEX((char *)stack + 1024), KDX_HEX(kdx_worker), KDX_HEX(stack));
	KDX_TRUTH("\"fact\":\"sample\",\"kind\":\"symbol\",\"addr\":\"%s\",\"symbol\":\"kdx_list\",\"module\":\"kdxplant\"",
		KDX_HEX(&kdx_list));
}
