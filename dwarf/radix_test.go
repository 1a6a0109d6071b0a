package dwarf

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRadixSort checks the radix sort against a stable comparison sort on
// keys that share high bits (as kernel addresses do), that repeat, and
// that vary in every digit.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, gen := range []func() uint64{
		func() uint64 { return 0xffffffff81000000 + r.Uint64N(1<<24) },
		func() uint64 { return r.Uint64N(8) },
		r.Uint64,
	} {
		ks := make([]keyed, 5000)
		for i := range ks {
			ks[i] = keyed{gen(), uint32(i)}
		}
		want := slices.Clone(ks)
		slices.SortStableFunc(want, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
		if got := radixSort(ks); !slices.Equal(got, want) {
			t.Fatalf("radixSort differs from a stable sort (first key %#x)", want[0].key)
		}
	}
	if got := radixSort(nil); len(got) != 0 {
		t.Fatal("radixSort(nil) is not empty")
	}
}
