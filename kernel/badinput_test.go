package kernel

import (
	"encoding/binary"
	"strings"
	"testing"
)

// patchedMem plants words over real dump memory, so that the walkers can
// be fed the corruption a dying machine leaves behind without writing to
// the dump.
type patchedMem struct {
	Memory
	words map[uint64]uint64 // 8-byte aligned address -> value
}

func (p *patchedMem) ReadAt(b []byte, va uint64) (int, error) {
	n, err := p.Memory.ReadAt(b, va)
	for a, v := range p.words {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], v)
		for i := uint64(0); i < 8; i++ {
			if a+i >= va && a+i < va+uint64(len(b)) {
				b[a+i-va] = w[i]
			}
		}
	}
	return n, err
}

// corrupted opens the clean dump with words planted by plant, which gets
// the unpatched kernel to find addresses.
func corrupted(t *testing.T, plant func(k *Kernel, words map[uint64]uint64)) *Kernel {
	t.Helper()
	ref := openFixture(t, "clean", "elf")
	words := map[uint64]uint64{}
	plant(ref, words)
	k := openFixture(t, "clean", "elf")
	k.Mem = &patchedMem{Memory: k.Mem, words: words}
	return k
}

func tasksOffset(t *testing.T, k *Kernel) uint64 {
	off, err := k.Bin.FieldOffset("struct task_struct", "tasks")
	if err != nil {
		t.Fatal(err)
	}
	return off
}

func TestTasksSurviveCorruptList(t *testing.T) {
	cases := []struct {
		name  string
		plant func(t *testing.T, k *Kernel, tl *TaskList, w map[uint64]uint64)
		want  string
	}{
		{"cycle", func(t *testing.T, k *Kernel, tl *TaskList, w map[uint64]uint64) {
			// The 20th leader's next points back at the 10th: a loop that
			// never returns to init_task.
			a, b := tl.Tasks[20].Addr, tl.Tasks[10].Addr
			off := tasksOffset(t, k)
			w[a+off] = b + off
		}, "list-cycle"},
		{"poisoned next", func(t *testing.T, k *Kernel, tl *TaskList, w map[uint64]uint64) {
			w[tl.Tasks[15].Addr+tasksOffset(t, k)] = 0xdead00000000beef
		}, "list-poison"},
		{"unmapped next", func(t *testing.T, k *Kernel, tl *TaskList, w map[uint64]uint64) {
			w[tl.Tasks[15].Addr+tasksOffset(t, k)] = 0xffffc9ffdead0000
		}, "corrupt"},
		{"broken prev", func(t *testing.T, k *Kernel, tl *TaskList, w map[uint64]uint64) {
			w[tl.Tasks[12].Addr+tasksOffset(t, k)+8] = 0x4141414141414141
		}, "list-bad-prev"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := corrupted(t, func(ref *Kernel, w map[uint64]uint64) {
				tl, err := ref.Tasks()
				if err != nil {
					t.Fatal(err)
				}
				leaders := &TaskList{}
				for _, tk := range tl.Tasks {
					if tk.PID == tk.TGID && !tk.Idle {
						leaders.Tasks = append(leaders.Tasks, tk)
					}
				}
				c.plant(t, ref, leaders, w)
			})
			tl, err := k.Tasks()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(tl.Problems, "\n"), c.want) {
				t.Errorf("problems %q lack %q", tl.Problems, c.want)
			}
			if len(tl.Tasks) < 10 || len(tl.Tasks) > 200 {
				t.Errorf("%d tasks: the walk should keep the good part and stop", len(tl.Tasks))
			}
		})
	}
}

func TestLogSurvivesGarbageDescriptors(t *testing.T) {
	k := corrupted(t, func(ref *Kernel, w map[uint64]uint64) {
		prb, _ := ref.Global("prb")
		rb, _ := prb.Deref()
		descs, _ := ptrField(rb, "desc_ring.descs")
		head, _ := uintField(rb, "desc_ring.head_id.counter")
		cbits, _ := uintField(rb, "desc_ring.count_bits")
		dt, _ := ref.Type("struct prb_desc")
		for i := uint64(1); i <= 5; i++ {
			d := descs + ((head-i*7)&(1<<cbits-1))*uint64(dt.Size())
			w[d] = 0x4141414141414141   // state_var: wrong id and state
			w[d+8] = 0xfffffffffffffff0 // text begin: far outside the ring
		}
		// One descriptor with a valid id but a text block spanning laps.
		d := descs + ((head-3)&(1<<cbits-1))*uint64(dt.Size())
		w[d+16] = 0x7fffffffffff
	})
	lg, err := k.Log()
	if err != nil {
		t.Fatal(err)
	}
	if len(lg.Records) < 100 || len(lg.Problems) < 5 {
		t.Errorf("%d records, %d problems: want the rest of the log and the bad descriptors named", len(lg.Records), len(lg.Problems))
	}
}

func TestModulesSurviveCycle(t *testing.T) {
	k := corrupted(t, func(ref *Kernel, w map[uint64]uint64) {
		mods, err := ref.Modules()
		if err != nil || len(mods) < 2 {
			t.Fatalf("modules: %v %d", err, len(mods))
		}
		off, _ := ref.Bin.FieldOffset("struct module", "list")
		// The last module's next points back at itself.
		last := mods[len(mods)-1].Addr + off
		for _, m := range mods {
			n, _ := ref.ReadU64(m.Addr + off)
			if n == mustGlobalAddr(t, ref, "modules") {
				last = m.Addr + off
			}
		}
		w[last] = last
	})
	mods, err := k.Modules()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) == 0 || !strings.Contains(strings.Join(k.Warnings(), "\n"), "modules") {
		t.Errorf("%d modules, warnings %q: want the good modules and the broken link named", len(mods), k.Warnings())
	}
}

func mustGlobalAddr(t *testing.T, k *Kernel, name string) uint64 {
	v, err := k.Global(name)
	if err != nil {
		t.Fatal(err)
	}
	return v.Addr()
}
