package kernel

import "github.com/kdx-dev/kdx/dwarf"

// Task state bits of include/linux/sched.h. They are #defines, absent from
// DWARF, and have kept their values since 4.14 (TASK_NOLOAD 0x400, ...).
const (
	taskInterruptible   = 0x0001
	taskUninterruptible = 0x0002
	taskStopped         = 0x0004
	taskTraced          = 0x0008
	exitDead            = 0x0010
	exitZombie          = 0x0020
	taskParked          = 0x0040
	taskDead            = 0x0080
	taskWaking          = 0x0200
	taskNoload          = 0x0400
	taskNew             = 0x0800
)

// taskState names a task's state the way crash's ps does (RU, IN, UN, ID,
// ...), from __state (5.14+) or state, and exit_state.
func (k *Kernel) taskState(v dwarf.Value) string {
	field := "__state"
	if !k.HasField("struct task_struct", field) {
		field = "state"
	}
	st, err := uintField(v, field)
	if err != nil {
		return "??"
	}
	exit, _ := uintField(v, "exit_state")
	return stateName(st, exit)
}

func stateName(st, exit uint64) string {
	switch {
	case exit&exitZombie != 0:
		return "ZO"
	case exit&exitDead != 0:
		return "DE"
	case st == 0:
		return "RU"
	case st&taskUninterruptible != 0 && st&taskNoload != 0:
		return "ID"
	case st&taskInterruptible != 0:
		return "IN"
	case st&taskUninterruptible != 0:
		return "UN"
	case st&taskStopped != 0:
		return "ST"
	case st&taskTraced != 0:
		return "TR"
	case st&taskParked != 0:
		return "PA"
	case st&taskDead != 0:
		return "DE"
	case st&taskWaking != 0:
		return "WA"
	case st&taskNew != 0:
		return "NE"
	}
	return "??"
}

// maxCPUs bounds CPU loops against a garbage nr_cpu_ids.
const maxCPUs = 8192

// nrCPUs is nr_cpu_ids (possible CPUs), bounded.
func (k *Kernel) nrCPUs() int {
	v, err := k.cached("nr_cpu_ids", func() (any, error) {
		g, err := k.Global("nr_cpu_ids")
		if err != nil {
			return 1, nil
		}
		n, err := g.Uint()
		if err != nil || n == 0 || n > maxCPUs {
			k.warnf("nr_cpu_ids unreadable or out of range (%d, %v): assuming 1 CPU", n, err)
			return 1, nil
		}
		return int(n), nil
	})
	if err != nil {
		return 1
	}
	return v.(int)
}

// NumCPUs is the number of possible CPUs (nr_cpu_ids).
func (k *Kernel) NumCPUs() int { return k.nrCPUs() }

// PanicCPU is the CPU that panicked (panic_cpu), or -1.
func (k *Kernel) PanicCPU() int {
	g, err := k.Global("panic_cpu")
	if err != nil {
		return -1
	}
	n, err := intField(g, "counter")
	if err != nil || n < 0 || n >= k.nrCPUs() {
		return -1
	}
	return n
}

// markRunning marks each CPU's current task (rq->curr) and the panic task.
func (k *Kernel) markRunning(tl *TaskList) {
	byAddr := map[uint64]*Task{}
	for i := range tl.Tasks {
		byAddr[tl.Tasks[i].Addr] = &tl.Tasks[i]
	}
	n := k.nrCPUs()
	tl.Running = make([]*Task, n)
	for cpu := 0; cpu < n; cpu++ {
		rq, err := k.PerCPU("runqueues", cpu)
		if err != nil {
			continue
		}
		curr, err := ptrField(rq, "curr")
		if t := byAddr[curr]; err == nil && t != nil {
			t.OnCPU = true
			tl.Running[cpu] = t
		}
	}
	if pc := k.PanicCPU(); pc >= 0 && tl.Running[pc] != nil {
		tl.Panic = tl.Running[pc]
		tl.Panic.Panic = true
	}
}
