package slab

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime"
	"sort"
	"sync"

	"github.com/kdx-dev/kdx/kernel"
)

// The outlier scan: a stray write or a flipped bit in an allocated
// object's own data is invisible to every allocator check. Objects of one
// cache are instances of one type, so a word that is a pointer of one
// shape (to the object itself, to an object start of cache X, into the
// kernel image) in nearly every object and something else in one is
// suspect. Pass one finds each word offset's dominant class by a majority
// vote; pass two, only for caches with a dominant pointer class, counts
// exactly and names the outliers.

const (
	suspectMinObjects = 64  // fewer siblings say nothing
	suspectMaxWords   = 64  // words compared per object (the first 512 bytes)
	suspectRatio      = 500 // at most 1 outlier per this many objects (and at least 1)
)

// Word classes: kind in the top byte, detail below.
const (
	clNull   = iota + 1
	clSelf   // points into its own object: detail is the offset
	clSlab   // a direct-map pointer into a slab object: cache and offset
	clDirect // another direct-map pointer: detail is its low 4 bits
	clKernel // kernel image, modules, vmalloc, vmemmap: low 3 bits
	clBad    // kernel-looking but mapping nothing (past RAM, a hole)
	clOther  // an integer, text, a non-canonical value
)

func classKind(c uint64) uint64 { return c >> 56 }

// pointerLike reports whether a dominant class means "this word is a
// pointer of a fixed shape".
func pointerLike(c uint64) bool { k := classKind(c); return k >= clSelf && k <= clKernel }

type cacheVotes struct {
	mu     sync.Mutex
	idx    uint64
	n      uint64
	words  int
	active []int       // word offsets worth voting on: mostly pointers in a sample
	typ    *objectType // the objects' DWARF type when the cache is named after it
	cand   []uint64
	cnt    []int64
	ptrs   []uint64 // words of a pointer class, per offset
	bad    []uint64 // words that are no valid pointer (clBad, clOther)
}

type suspectScan struct {
	votes     map[uint64]*cacheVotes
	slabOf    []int32  // pfn -> memmap index, -1 outside slabs
	slabCache []*Cache // memmap index -> its cache (nil if unknown)
	slabCIdx  []uint64 // memmap index -> index of its cache in s.caches
	caches    []*Cache
}

func (s *SLUB) newSuspectScan(sel []*Cache) *suspectScan {
	sus := &suspectScan{votes: map[uint64]*cacheVotes{}, caches: s.caches}
	for _, c := range sel {
		w := int(min(c.ObjectSize/8, suspectMaxWords))
		sus.votes[c.Addr] = &cacheVotes{words: w, cand: make([]uint64, w), cnt: make([]int64, w),
			ptrs: make([]uint64, w), bad: make([]uint64, w)}
	}
	for i, c := range s.caches {
		if v := sus.votes[c.Addr]; v != nil {
			v.idx = uint64(i)
		}
	}
	mm := s.mm
	idx := map[uint64]uint64{}
	for i, c := range s.caches {
		idx[c.Addr] = uint64(i)
	}
	sus.slabCache = make([]*Cache, len(mm.slabs))
	sus.slabCIdx = make([]uint64, len(mm.slabs))
	for i, r := range mm.slabs {
		sus.slabCache[i], sus.slabCIdx[i] = s.byAddr[r.cache], idx[r.cache]
	}
	defer func() {
		for _, c := range sel {
			if cv := sus.votes[c.Addr]; cv != nil {
				cv.active = s.sampleCache(c, cv.words, mm)
			}
		}
	}()
	if n := maxPFNOf(mm); n > 0 && n <= 1<<28 {
		sus.slabOf = make([]int32, n)
		for i := range sus.slabOf {
			sus.slabOf[i] = -1
		}
		for i, r := range mm.slabs {
			for p := r.pfn; p < r.pfn+1<<r.order && p < n; p++ {
				sus.slabOf[p] = int32(i)
			}
		}
	}
	s.sus = sus
	return sus
}

func maxPFNOf(mm *memmap) uint64 {
	if len(mm.slabs) == 0 {
		return 0
	}
	r := mm.slabs[len(mm.slabs)-1]
	return r.pfn + 1<<r.order
}

// classify puts the word w at offset off of the object at obj in a class.
func (s *SLUB) classify(w, obj, size uint64, sus *suspectScan) uint64 {
	l := s.lay
	switch {
	case w == 0:
		return clNull << 56
	case w-obj < size:
		return clSelf<<56 | (w - obj)
	case w>>47 != 0x1ffff:
		return clOther << 56
	case w >= l.pageOffset && w < l.pageOffset+s.mm.pages*l.page:
		pfn := (w - l.pageOffset) / l.page
		if pfn >= uint64(len(sus.slabOf)) {
			return clDirect<<56 | w&15
		}
		if i := sus.slabOf[pfn]; i >= 0 {
			if c := sus.slabCache[i]; c != nil {
				rel := w - l.base(s.mm.slabs[i].pfn)
				off := (rel - min(c.RedLeftPad, rel)) % c.Size
				return clSlab<<56 | sus.slabCIdx[i]<<24 | off&(1<<24-1)
			}
		}
		return clDirect<<56 | w&15
	case w >= l.pageOffset && w < l.pageOffset+1<<46:
		return clBad << 56 // the direct map past the end of memory
	}
	// Kernel image, modules, vmalloc, vmemmap, and the holes between them
	// (the KASLR gap below the direct map, say): a pointer into a hole is
	// damaged, whatever its neighbours hold.
	if _, err := s.k.Mem.Translate(w); err != nil {
		return clBad << 56
	}
	return clKernel<<56 | w&7
}

// collectSuspect votes with the allocated objects of one slab.
func (s *SLUB) collectSuspect(sus *suspectScan, c *Cache, v *slabView, mark []uint8) {
	cv := sus.votes[c.Addr]
	if cv == nil || len(cv.active) == 0 {
		return
	}
	cv.mu.Lock()
	defer cv.mu.Unlock()
	for i := uint64(0); i < v.objects; i++ {
		if mark[i] != 0 {
			continue
		}
		cv.n++
		obj := v.base + c.RedLeftPad + i*c.Size
		o := obj - v.base
		for _, k := range cv.active {
			w := binary.LittleEndian.Uint64(v.data[o+uint64(k)*8:])
			cl := s.classify(w, obj, c.Size, sus)
			if pointerLike(cl) {
				cv.ptrs[k]++
			} else if brokenPointer(w, cl) {
				cv.bad[k]++
			}
			switch {
			case cv.cnt[k] == 0:
				cv.cand[k], cv.cnt[k] = cl, 1
			case cv.cand[k] == cl:
				cv.cnt[k]++
			default:
				cv.cnt[k]--
			}
		}
	}
}

// brokenPointer reports a word that looks like a damaged kernel pointer:
// in the direct map past the end of memory, or non-canonical by at most
// two bits of its top 17 (a small integer is an integer, not a pointer).
func brokenPointer(w, cl uint64) bool {
	switch classKind(cl) {
	case clBad:
		return true
	case clOther:
		return bits.OnesCount64(w>>47^0x1ffff) <= 2
	}
	return false
}

// outlier is one object whose word broke its cache's pattern.
type outlier struct {
	obj, slab, val uint64
	off            int
}

// finishSuspect runs pass two for caches with a dominant pointer class.
func (s *SLUB) finishSuspect(ctx context.Context, sus *suspectScan, jobs []slabJob, mm *memmap) []kernel.Finding {
	var fs []kernel.Finding
	byCache := map[*Cache][]slabJob{}
	for _, j := range jobs {
		byCache[j.c] = append(byCache[j.c], j)
	}
	caches := make([]*Cache, 0, len(byCache))
	for c := range byCache {
		caches = append(caches, c)
	}
	sort.Slice(caches, func(i, j int) bool { return caches[i].Name < caches[j].Name })
	for _, c := range caches {
		if ctx.Err() != nil {
			break
		}
		cv := sus.votes[c.Addr]
		if cv == nil || cv.n < suspectMinObjects {
			continue
		}
		allow := max(1, cv.n/suspectRatio)
		var offs []int
		for _, k := range cv.active {
			dominant := pointerLike(cv.cand[k]) && uint64(cv.cnt[k]) >= cv.n-2*allow
			if !dominant && cv.ptrs[k] >= cv.n*9/10 && cv.bad[k] > 0 && cv.bad[k] <= allow {
				cv.cand[k] = 0 // mostly pointers of mixed shapes: only invalid ones are outliers
				dominant = true
			}
			if dominant {
				offs = append(offs, k)
			}
		}
		if len(offs) > 0 {
			fs = append(fs, s.confirm(c, cv, offs, allow, byCache[c])...)
		}
	}
	return fs
}

// confirm re-reads the cache's slabs, collects the objects whose word at a
// candidate offset is not of the dominant class, and reports those that
// are null, invalid, one bit off the pattern, or inside the same target
// cache at another offset, when the outliers are few enough.
func (s *SLUB) confirm(c *Cache, cv *cacheVotes, offs []int, allow uint64, jobs []slabJob) []kernel.Finding {
	var mu sync.Mutex
	outs := make([][]outlier, len(offs))
	next := make(chan slabJob)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := s.getScratch(s.mm)
			defer s.scratch.Put(sc)
			for j := range next {
				local := s.scanOutliers(c, cv, offs, j, sc)
				mu.Lock()
				for i := range local {
					if uint64(len(outs[i])) <= allow {
						outs[i] = append(outs[i], local[i]...)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	var fs, nulls []kernel.Finding
	typed := false
	for i, k := range offs {
		if uint64(len(outs[i])) > allow || len(outs[i]) == 0 {
			continue
		}
		// The DWARF type is looked up only for a cache with something to
		// report (decoding big types costs): a word DWARF says is not a
		// pointer field is not judged as one, and findings name the field.
		if !typed {
			cv.typ, typed = s.objectTypeOf(c), true
		}
		if cv.typ != nil && !cv.typ.ptr[k] {
			continue
		}
		for _, o := range outs[i] {
			if f, ok := s.judge(c, cv, k, o); ok && o.val == 0 {
				nulls = append(nulls, f)
			} else if ok {
				fs = append(fs, f)
			}
		}
	}
	return append(fs, keepNulls(nulls, fs)...)
}

// keepNulls reports NULL outliers only in objects that are damaged
// otherwise too, or where at least suspectNullRun words are NULL: a single
// NULL where siblings hold a pointer is the root of a tree or an
// unlinked node far more often than a stray write.
func keepNulls(nulls, others []kernel.Finding) []kernel.Finding {
	per := map[uint64]int{}
	for _, f := range nulls {
		per[f.Object]++
	}
	for _, f := range others {
		per[f.Object] += suspectNullRun
	}
	var out []kernel.Finding
	for _, f := range nulls {
		if per[f.Object] >= suspectNullRun {
			out = append(out, f)
		}
	}
	return out
}

// suspectNullRun is how many NULL outliers make an object suspect alone.
const suspectNullRun = 3

// scanOutliers returns, per candidate offset, the allocated objects of
// one slab whose word is not of the dominant class.
func (s *SLUB) scanOutliers(c *Cache, cv *cacheVotes, offs []int, j slabJob, sc *scratch) [][]outlier {
	l := s.lay
	r := &s.mm.slabs[j.idx]
	objects := l.objects.get(r.counters)
	slabBytes := l.page << r.order
	if objects == 0 || slabBytes > uint64(len(sc.data)) || objects*c.Size > slabBytes {
		return nil
	}
	v := slabView{base: l.base(r.pfn), objects: objects, size: c.Size, offset: c.Offset, redLeft: c.RedLeftPad, random: c.Random}
	if _, err := s.k.Dump.ReadPhys(sc.data[:slabBytes], r.pfn*l.page); err != nil {
		return nil
	}
	v.data = sc.data[:slabBytes]
	mark := sc.mark[:objects]
	clear(mark)
	if !v.walkFreelist(r.freelist, 0, mark, 1, l.hardened, s.swab).complete {
		return nil
	}
	if j.loc == cpuSlab && !v.walkFreelist(j.cpu.freelist, 0, mark, 2, l.hardened, s.swab).complete {
		return nil
	}
	out := make([][]outlier, len(offs))
	for i := uint64(0); i < objects; i++ {
		if mark[i] != 0 {
			continue
		}
		obj := v.base + c.RedLeftPad + i*c.Size
		for n, k := range offs {
			w := binary.LittleEndian.Uint64(v.data[obj-v.base+uint64(k)*8:])
			if cl := s.classify(w, obj, c.Size, s.sus); cl != cv.cand[k] && (cv.cand[k] != 0 || brokenPointer(w, cl)) {
				out[n] = append(out[n], outlier{obj: obj, slab: l.slabOfPFN(r.pfn), val: w, off: k})
			}
		}
	}
	return out
}

// judge decides whether an outlier is reported, and how.
func (s *SLUB) judge(c *Cache, cv *cacheVotes, k int, o outlier) (kernel.Finding, bool) {
	dom := cv.cand[k]
	share := uint64(max(0, int64(cv.n)-(int64(cv.n)-cv.cnt[k])/2))
	if dom == 0 {
		share = cv.ptrs[k]
	}
	got := s.classify(o.val, o.obj, c.Size, s.sus)
	why := ""
	switch kind := classKind(got); {
	case kind == clNull:
		why = "NULL"
	case kind == clBad || kind == clOther:
		why = "not a valid kernel pointer"
	case classKind(dom) == clSelf && bits.OnesCount64(o.val^(o.obj+dom&(1<<56-1))) == 1:
		why = "one bit away from the object's own address"
	case classKind(dom) == clSlab && kind == clSlab && (dom>>24)&(1<<32-1) == (got>>24)&(1<<32-1):
		why = fmt.Sprintf("inside an object at +%#x where the others point at +%#x", got&(1<<24-1), dom&(1<<24-1))
	default:
		return kernel.Finding{}, false
	}
	field := fmt.Sprintf("+%#x", k*8)
	if cv.typ != nil && cv.typ.field[k] != "" {
		field = fmt.Sprintf("+%#x (%s.%s)", k*8, cv.typ.name, cv.typ.field[k])
	}
	return kernel.Finding{Kind: kernel.KindSuspectWord, Severity: kernel.Suspect, Addr: o.obj + uint64(k)*8,
		Cache: c.Name, Slab: o.slab, Object: o.obj,
		Path:     fmt.Sprintf("%s -> slab %#x -> object %#x %s", c.Path, o.slab, o.obj, field),
		Expected: fmt.Sprintf("%s, as in about %d of %d allocated objects", s.describe(dom), share, cv.n),
		Found:    fmt.Sprintf("%#x: %s", o.val, why)}, true
}

// describe names a class for a finding.
func (s *SLUB) describe(cl uint64) string {
	d := cl & (1<<56 - 1)
	switch classKind(cl) {
	case clSelf:
		return fmt.Sprintf("a pointer to the object itself +%#x", d)
	case clSlab:
		name := "?"
		if i := d >> 24; i < uint64(len(s.caches)) {
			name = s.caches[i].Name
		}
		return fmt.Sprintf("a pointer to +%#x of a %s object", d&(1<<24-1), name)
	case clDirect:
		return "a direct-map pointer"
	case clKernel:
		return "a kernel pointer"
	}
	return "a pointer"
}

// sampleSlabs is how many slabs of a cache the pre-scan reads.
const sampleSlabs = 16

// sampleCache reads a few slabs spread over the cache and returns the word
// offsets where at least half the objects hold a pointer (or a broken
// one): only those can have a dominant pointer class, so only those are
// voted on, and a cache with none (a buffer cache full of text) is not
// read at all by the outlier scan.
func (s *SLUB) sampleCache(c *Cache, words int, mm *memmap) []int {
	idx := mm.byCache[c.Addr]
	if words == 0 || uint64(len(idx))*c.PerSlab < suspectMinObjects {
		return nil
	}
	ptrs := make([]int, words)
	seen := 0
	step := max(1, len(idx)/sampleSlabs)
	var buf []byte
	for n := 0; n < len(idx); n += step {
		r := &mm.slabs[idx[n]]
		objects := s.lay.objects.get(r.counters)
		size := s.lay.page << r.order
		if s.inKfence(r.pfn) || size > maxSlabBytes || objects*c.Size > size {
			continue
		}
		if uint64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		b := buf[:size]
		if _, err := s.k.Dump.ReadPhys(b, r.pfn*s.lay.page); err != nil {
			continue
		}
		base := s.lay.base(r.pfn)
		for i := uint64(0); i < objects; i++ {
			o := c.RedLeftPad + i*c.Size
			seen++
			for k := 0; k < words; k++ {
				w := binary.LittleEndian.Uint64(b[o+uint64(k)*8:])
				if cl := s.classify(w, base+o, c.Size, s.sus); pointerLike(cl) || brokenPointer(w, cl) {
					ptrs[k]++
				}
			}
		}
	}
	var active []int
	for k, p := range ptrs {
		if seen > 0 && p*2 >= seen {
			active = append(active, k)
		}
	}
	return active
}
