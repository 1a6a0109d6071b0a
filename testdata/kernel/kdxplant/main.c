// SPDX-License-Identifier: GPL-2.0
/*
 * kdxplant module entry: parameters, the kdx_worker kthread, and the panic
 * scenario's trigger and hold.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/panic_notifier.h>
#include <linux/sched.h>

#include "kdxplant.h"

static char *scenario = "clean";
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "clean freelist slabmeta list leak bitflip panic");

struct task_struct *kdx_worker;

/* kdx_worker only sleeps, so that ps and bt see a module-owned task. */
static int kdx_worker_fn(void *unused)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(60 * HZ);
	return 0;
}

/* Read through a global so the compiler cannot prove it NULL and trap. */
struct kdx_node *kdx_null_target;

/* The panic scenario's bug: a NULL dereference inside the module. */
noinline void kdx_null_deref(void)
{
	struct kdx_node *n = READ_ONCE(kdx_null_target);

	WRITE_ONCE(n->id, 0xdead);
}

/* Writing anything to /sys/module/kdxplant/parameters/crash runs the bug. */
static int kdx_crash_set(const char *val, const struct kernel_param *kp)
{
	int cpu;

	if (strcmp(scenario, "panic") != 0)
		return -EPERM;
	/* No migration between the truth and the fault: the CPU is exact. */
	cpu = get_cpu();
	KDX_TRUTH("\"fact\":\"crash\",\"pid\":%d,\"comm\":\"%s\",\"task\":\"%s\",\"cpu\":%d",
		  task_pid_nr(current), current->comm, KDX_HEX(current), cpu);
	kdx_null_deref();
	put_cpu();
	return 0;
}

static const struct kernel_param_ops kdx_crash_ops = {
	.set = kdx_crash_set,
};
module_param_cb(crash, &kdx_crash_ops, NULL, 0200);

/*
 * With crash_kexec_post_notifiers, panic() stops the other CPUs, runs this
 * notifier and only then starts the capture kernel. Holding here lets the
 * host take QEMU's dumps of the panicked machine before kdump runs; any byte
 * on the first UART releases it. Interrupts are off, so poll the UART.
 */
#define KDX_UART 0x3f8
static int kdx_hold(struct notifier_block *nb, unsigned long ev, void *p)
{
	int i;

	pr_emerg("kdxplant: HOLD\n");
	for (i = 0; i < 300 * 100; i++) {
		if (inb(KDX_UART + 5) & 1) {
			inb(KDX_UART);
			break;
		}
		mdelay(10);
	}
	pr_emerg("kdxplant: RELEASED\n");
	return NOTIFY_DONE;
}

static struct notifier_block kdx_hold_nb = {
	.notifier_call = kdx_hold,
	.priority = INT_MIN,	/* after every other notifier */
};

static bool hold;
module_param(hold, bool, 0444);
MODULE_PARM_DESC(hold, "hold panic() until a byte arrives on ttyS0");

static int __init kdx_init(void)
{
	int err;

	kdx_worker = kthread_run(kdx_worker_fn, NULL, "kdx_worker");
	if (IS_ERR(kdx_worker))
		return PTR_ERR(kdx_worker);
	err = kdx_build_state();
	if (err)
		goto stop;
	kdx_truth_state(scenario);
	err = kdx_plant(scenario);
	if (err)
		goto stop;
	if (hold)
		atomic_notifier_chain_register(&panic_notifier_list,
					       &kdx_hold_nb);
	pr_info("kdxplant: READY %s facts=%d\n", scenario, kdx_nfacts);
	return 0;
stop:
	pr_err("kdxplant: FAILED %s: %d\n", scenario, err);
	kthread_stop(kdx_worker);
	return err;
}

/*
 * Unloading after a corruption was planted would walk the damage; the
 * fixture guest never unloads, and the module refuses to be unloaded by
 * having no exit function.
 */
module_init(kdx_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kdx fixture: plants known state and corruption");
