package kernel

import "testing"

// BenchmarkBacktraceAll is `kdx bt -a` on the clean dump, the ORC tables
// and task list already loaded (as in a session that has run one bt).
func BenchmarkBacktraceAll(b *testing.B) {
	k := openFixture(b, "clean", "elf")
	if _, err := k.BacktraceAll(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	frames := 0
	for range b.N {
		bts, err := k.BacktraceAll()
		if err != nil {
			b.Fatal(err)
		}
		for _, bt := range bts {
			frames += len(bt.Frames)
		}
	}
	b.ReportMetric(float64(frames)/float64(b.N), "frames/op")
}

// BenchmarkBacktraceFirst includes loading vmlinux's ORC tables and the
// module list: the cost of the first bt in a fresh process.
func BenchmarkBacktraceFirst(b *testing.B) {
	for range b.N {
		b.StopTimer()
		k := openFixture(b, "clean", "elf")
		tl, err := k.Tasks()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := k.Backtrace(&tl.Tasks[len(tl.Tasks)-1]); err != nil {
			b.Fatal(err)
		}
	}
}
