package kernel

import (
	"fmt"
	"sort"

	"github.com/kdx-dev/kdx/dwarf"
)

// maxTasks bounds every task walk: a corrupted list must not run forever
// or exhaust memory. Real systems stay far below (pid_max is 4M, but a
// dump with more tasks than this is itself a finding).
const maxTasks = 1 << 20

// Task is one task_struct.
type Task struct {
	Addr   uint64 `json:"addr"` // struct task_struct *
	PID    int    `json:"pid"`
	TGID   int    `json:"tgid"`
	PPID   int    `json:"ppid"`
	CPU    int    `json:"cpu"`
	State  string `json:"state"` // RU, IN, UN, ID, ST, TR, ZO, DE, PA, NE like crash's ps
	Comm   string `json:"comm"`  // raw bytes from the dump; Sanitize before printing
	Stack  uint64 `json:"stack"` // task->stack (base of the kernel stack)
	OnCPU  bool   `json:"on_cpu"`
	Idle   bool   `json:"idle"`   // a CPU's idle task (swapper/N)
	Kernel bool   `json:"kernel"` // no mm: a kernel thread
	Panic  bool   `json:"panic"`  // the task that panicked
}

// TaskList is every task found, in PID order, with what was wrong on the
// way.
type TaskList struct {
	Tasks    []Task
	Panic    *Task    // the panicking task, nil when the dump is not of a panic
	Running  []*Task  // the task current on each CPU, indexed by CPU (nil if unknown)
	Problems []string // list corruption, unreadable tasks, bounds hit
}

// Tasks walks init_task.tasks and every thread group, adds the per-CPU
// idle tasks, and marks what runs where. The walk is done once.
func (k *Kernel) Tasks() (*TaskList, error) {
	v, err := k.cached("tasks", func() (any, error) { return k.walkTasks() })
	if err != nil {
		return nil, err
	}
	return v.(*TaskList), nil
}

// TaskByPID finds a task by PID (the idle tasks all have PID 0: the first
// is returned).
func (k *Kernel) TaskByPID(pid int) (*Task, error) {
	tl, err := k.Tasks()
	if err != nil {
		return nil, err
	}
	i := sort.Search(len(tl.Tasks), func(i int) bool { return tl.Tasks[i].PID >= pid })
	if i < len(tl.Tasks) && tl.Tasks[i].PID == pid {
		return &tl.Tasks[i], nil
	}
	return nil, fmt.Errorf("no task with pid %d", pid)
}

// TaskByAddr finds a task by its task_struct address.
func (k *Kernel) TaskByAddr(addr uint64) (*Task, bool) {
	tl, err := k.Tasks()
	if err != nil {
		return nil, false
	}
	for i := range tl.Tasks {
		if tl.Tasks[i].Addr == addr {
			return &tl.Tasks[i], true
		}
	}
	return nil, false
}

func (k *Kernel) walkTasks() (*TaskList, error) {
	w := &taskWalk{k: k, seen: map[uint64]bool{}}
	init, err := k.Global("init_task")
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	leaders := w.listEntries(init.Addr(), "tasks", "init_task.tasks")
	for _, l := range leaders {
		w.addGroup(l)
	}
	w.addIdleTasks()
	tl := &TaskList{Tasks: w.tasks, Problems: w.problems}
	sort.SliceStable(tl.Tasks, func(i, j int) bool {
		if tl.Tasks[i].PID != tl.Tasks[j].PID {
			return tl.Tasks[i].PID < tl.Tasks[j].PID
		}
		return tl.Tasks[i].CPU < tl.Tasks[j].CPU
	})
	k.markRunning(tl)
	return tl, nil
}

// taskWalk collects tasks once each, however the lists loop.
type taskWalk struct {
	k        *Kernel
	seen     map[uint64]bool
	tasks    []Task
	problems []string
}

func (w *taskWalk) problem(format string, args ...any) {
	if len(w.problems) < 1000 {
		w.problems = append(w.problems, fmt.Sprintf(format, args...))
	}
}

// listEntries returns the task_structs on the list whose head is the
// member `member` of the task at headTask (headTask itself first), with
// every link validated by the list walker; what it finds wrong becomes a
// problem of the task list.
func (w *taskWalk) listEntries(headTask uint64, member, path string) []uint64 {
	off, err := w.k.Bin.FieldOffset("struct task_struct", member)
	if err != nil {
		w.problem("%s: %v", path, err)
		return nil
	}
	return append([]uint64{headTask}, w.walk(headTask+off, member, path)...)
}

// walk lists the task_structs linked through member from the list_head at
// head (not itself a task's).
func (w *taskWalk) walk(head uint64, member, path string) []uint64 {
	r, err := w.k.WalkList(head, ListOptions{Type: "struct task_struct", Member: member, Max: maxTasks, Name: path})
	if err != nil {
		w.problem("%s: %v", path, err)
		return nil
	}
	for _, f := range r.Findings {
		w.problem("%s", f.String())
	}
	out := make([]uint64, 0, len(r.Entries))
	for _, e := range r.Entries {
		out = append(out, e.Entry)
	}
	return out
}

// addGroup adds a thread group leader and its threads.
func (w *taskWalk) addGroup(leader uint64) {
	threads := []uint64{leader}
	if sig, err := w.signalOf(leader); err == nil && sig != 0 && w.k.HasField("struct signal_struct", "thread_head") {
		threads = w.threadNodes(sig)
	} else if w.k.HasField("struct task_struct", "thread_group") {
		threads = w.listEntries(leader, "thread_group", fmt.Sprintf("task %#x thread_group", leader))
	}
	for _, t := range threads {
		w.add(t, false)
	}
	if !containsU64(threads, leader) {
		w.add(leader, false)
	}
}

func (w *taskWalk) signalOf(task uint64) (uint64, error) {
	v, err := w.k.Object("struct task_struct", task, "task")
	if err != nil {
		return 0, err
	}
	return ptrField(v, "signal")
}

// threadNodes walks signal->thread_head through task->thread_node
// (for_each_thread).
func (w *taskWalk) threadNodes(sig uint64) []uint64 {
	hoff, err := w.k.Bin.FieldOffset("struct signal_struct", "thread_head")
	if err != nil {
		return nil
	}
	return w.walk(sig+hoff, "thread_node", fmt.Sprintf("signal %#x thread_head", sig))
}

func containsU64(s []uint64, x uint64) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// add reads one task_struct and records it once.
func (w *taskWalk) add(addr uint64, idle bool) {
	if w.seen[addr] || len(w.tasks) >= maxTasks {
		return
	}
	w.seen[addr] = true
	t, err := w.k.readTask(addr)
	if err != nil {
		w.problem("task %#x: %v", addr, err)
		return
	}
	t.Idle = idle
	w.tasks = append(w.tasks, t)
}

// addIdleTasks adds each possible CPU's idle task (rq->idle): they are not
// on init_task.tasks except CPU 0's, which is init_task itself.
func (w *taskWalk) addIdleTasks() {
	for cpu := 0; cpu < w.k.nrCPUs(); cpu++ {
		rq, err := w.k.PerCPU("runqueues", cpu)
		if err != nil {
			w.problem("cpu %d runqueue: %v", cpu, err)
			continue
		}
		idle, err := ptrField(rq, "idle")
		if err != nil || idle == 0 {
			continue
		}
		if w.seen[idle] {
			w.markIdle(idle)
			continue
		}
		w.add(idle, true)
	}
}

func (w *taskWalk) markIdle(addr uint64) {
	for i := range w.tasks {
		if w.tasks[i].Addr == addr {
			w.tasks[i].Idle = true
		}
	}
}

// readTask decodes the fields ps shows.
func (k *Kernel) readTask(addr uint64) (Task, error) {
	v, err := k.Object("struct task_struct", addr, fmt.Sprintf("task %#x", addr))
	if err != nil {
		return Task{}, err
	}
	t := Task{Addr: addr}
	pid, err := intField(v, "pid")
	if err != nil {
		return t, err
	}
	t.PID = pid
	t.TGID, _ = intField(v, "tgid")
	t.Comm, _ = stringField(v, "comm", 16)
	t.Stack, _ = ptrField(v, "stack")
	if mm, err := ptrField(v, "mm"); err == nil {
		t.Kernel = mm == 0
	}
	t.CPU = k.taskCPU(v)
	t.State = k.taskState(v)
	if parent, err := ptrField(v, "real_parent"); err == nil && parent != 0 {
		if p, err := k.Object("struct task_struct", parent, "real_parent"); err == nil {
			t.PPID, _ = intField(p, "pid")
		}
	}
	return t, nil
}

func intField(v dwarf.Value, path string) (int, error) {
	f, err := v.Field(path)
	if err != nil {
		return 0, err
	}
	n, err := f.Int()
	return int(n), err
}

// taskCPU reads the task's CPU wherever this kernel keeps it: task->cpu
// (5.16+ with THREAD_INFO_IN_TASK on some arches) or thread_info.cpu.
func (k *Kernel) taskCPU(v dwarf.Value) int {
	for _, f := range []string{"thread_info.cpu", "cpu"} {
		if k.HasField("struct task_struct", f) {
			if n, err := intField(v, f); err == nil {
				return n
			}
		}
	}
	return -1
}
