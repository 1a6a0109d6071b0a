package dwarf

import "slices"

// keyed is an element of a sort by a 64-bit key; i indexes the slice being
// sorted.
type keyed struct {
	key uint64
	i   uint32
}

// radixSort sorts ks by key, stably, with an LSD radix sort on 11-bit
// digits, skipping digits that are the same in every key (kernel
// addresses share their top 30 bits). A symbol table of 120k entries sorts
// in a few milliseconds this way, against tens with a comparison sort.
func radixSort(ks []keyed) []keyed {
	const bits = 11
	const buckets = 1 << bits
	if len(ks) < 2 {
		return ks
	}
	var and, or uint64 = ^uint64(0), 0
	for _, k := range ks {
		and &= k.key
		or |= k.key
	}
	varying := and ^ or
	tmp := make([]keyed, len(ks))
	var count [buckets]int
	for shift := uint(0); shift < 64; shift += bits {
		if (varying>>shift)&(buckets-1) == 0 {
			continue
		}
		clear(count[:])
		for _, k := range ks {
			count[(k.key>>shift)&(buckets-1)]++
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, k := range ks {
			d := (k.key >> shift) & (buckets - 1)
			tmp[count[d]] = k
			count[d]++
		}
		ks, tmp = tmp, ks
	}
	return ks
}

// sortRuns sorts each run of equal keys in ks (already sorted by key)
// with cmp, which settles what the key cannot.
func sortRuns(ks []keyed, cmp func(a, b keyed) int) {
	for i := 0; i < len(ks); {
		j := i + 1
		for j < len(ks) && ks[j].key == ks[i].key {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(ks[i:j], cmp)
		}
		i = j
	}
}
