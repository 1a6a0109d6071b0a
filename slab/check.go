package slab

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/kdx-dev/kdx/kernel"
)

// CheckOptions select what Check verifies.
type CheckOptions struct {
	Caches  []string // cache names; empty means every cache
	Suspect bool     // also run the outlier scan over allocated objects
	Workers int      // 0 means GOMAXPROCS
	// Progress, when set, is updated as slabs are verified, for a UI to
	// poll while Check runs in the background.
	Progress *Progress
}

// Progress counts verified slabs; safe to read while Check runs.
type Progress struct {
	done, total atomic.Int64
}

// Snapshot returns the slabs verified so far and the slabs to verify (0
// until the memory map has been scanned).
func (p *Progress) Snapshot() (done, total int64) { return p.done.Load(), p.total.Load() }

// Result is what Check found, with the totals it went through.
type Result struct {
	Findings []kernel.Finding
	Caches   int
	Slabs    int
	Objects  uint64
	Stats    map[uint64]*CacheStats // per cache address
}

// CacheStats are the per-cache totals the verification walked.
type CacheStats struct {
	Slabs, Objects, InUse, Free, CPUFree uint64
	perNode                              map[int][2]uint64 // slabs, objects
}

// Check verifies the selected caches: every slab found in the memory map
// and on the lists, every freelist, the partial lists and the node
// counters; with opt.Suspect, also the outlier scan.
func (s *SLUB) Check(ctx context.Context, opt CheckOptions) (*Result, error) {
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	defer func() { s.sus = nil }()
	sel, err := s.selectCaches(opt.Caches)
	if err != nil {
		return nil, err
	}
	mm, err := s.memmap(ctx)
	if err != nil {
		return nil, err
	}
	s.probeVariant(mm)
	cpus := s.cpuStates()
	res := &Result{Stats: map[uint64]*CacheStats{}, Findings: append([]kernel.Finding(nil), s.enumFindings...)}
	var jobs []slabJob
	nodes := map[uint64][]*nodeState{}
	for _, c := range sel {
		js, ns, fs := s.planCache(c, mm, cpus[c.Addr])
		jobs = append(jobs, js...)
		nodes[c.Addr] = ns
		res.Findings = append(res.Findings, fs...)
		res.Stats[c.Addr] = &CacheStats{perNode: map[int][2]uint64{}}
	}
	if opt.Progress != nil {
		opt.Progress.total.Store(int64(len(jobs)))
	}
	var sus *suspectScan
	if opt.Suspect {
		sus = s.newSuspectScan(sel)
	}
	res.Findings = append(res.Findings, s.runJobs(ctx, jobs, mm, res, opt, sus)...)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, c := range sel {
		res.Findings = append(res.Findings, s.checkCounters(c, nodes[c.Addr], res.Stats[c.Addr])...)
	}
	if sus != nil {
		res.Findings = append(res.Findings, s.finishSuspect(ctx, sus, jobs, mm)...)
	}
	res.Caches, res.Slabs = len(sel), len(jobs)
	for _, st := range res.Stats {
		res.Objects += st.Objects
	}
	kernel.SortFindings(res.Findings)
	return res, nil
}

func (s *SLUB) selectCaches(names []string) ([]*Cache, error) {
	if len(names) == 0 {
		return s.caches, nil
	}
	var sel []*Cache
	for _, n := range names {
		c, ok := s.Cache(n)
		if !ok {
			return nil, fmt.Errorf("no slab cache named %q", n)
		}
		sel = append(sel, c)
	}
	return sel, nil
}

// planCache reads the lists of cache c and makes one job per slab of c
// found in the memory map (KFENCE pages aside), each with its location.
func (s *SLUB) planCache(c *Cache, mm *memmap, cs *cpuState) ([]slabJob, []*nodeState, []kernel.Finding) {
	var fs []kernel.Finding
	loc := map[uint64]location{}
	var cpuRef map[uint64]cpuSlabRef
	if cs != nil {
		fs = append(fs, cs.findings...)
		cpuRef = cs.active
		for sl := range cs.partial {
			loc[sl] = cpuPartial
		}
		for sl := range cs.active {
			loc[sl] = cpuSlab
		}
	}
	var nodes []*nodeState
	for n := range c.Nodes {
		ns := s.readNode(c, n, mm)
		nodes = append(nodes, ns)
		fs = append(fs, ns.findings...)
		for _, sl := range ns.partial {
			loc[sl] = nodePartial
		}
	}
	for sl, where := range loc {
		if where == nodePartial {
			continue
		}
		if f, bad := s.notOurSlab(c, sl, mm); bad {
			f.Path = c.Path + " -> " + where.String()
			fs = append(fs, f)
		}
	}
	var jobs []slabJob
	for _, i := range mm.byCache[c.Addr] {
		r := &mm.slabs[i]
		if s.inKfence(r.pfn) {
			continue
		}
		sl := s.lay.slabOfPFN(r.pfn)
		jobs = append(jobs, slabJob{c: c, idx: i, loc: loc[sl], cpu: cpuRef[sl]})
	}
	return jobs, nodes, fs
}

// runJobs verifies slabs in parallel and sums the per-cache counters.
func (s *SLUB) runJobs(ctx context.Context, jobs []slabJob, mm *memmap, res *Result, opt CheckOptions, sus *suspectScan) []kernel.Finding {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	var fs []kernel.Finding
	next := make(chan int, 64)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := s.getScratch(mm)
			defer s.scratch.Put(sc)
			for i := range next {
				j := jobs[i]
				r := &mm.slabs[j.idx]
				var vs *suspectScan
				if sus != nil && len(sus.votes[j.c.Addr].active) > 0 {
					vs = sus
				}
				o := s.verifySlab(j, r, sc, vs != nil, vs)
				mu.Lock()
				fs = append(fs, o.findings...)
				st := res.Stats[j.c.Addr]
				st.Slabs++
				st.Objects += o.objects
				st.InUse += o.inuse
				st.Free += o.free
				st.CPUFree += o.cpuFree
				n := s.nodeOf(r.pfn)
				pn := st.perNode[n]
				st.perNode[n] = [2]uint64{pn[0] + 1, pn[1] + o.objects}
				mu.Unlock()
				if opt.Progress != nil {
					opt.Progress.done.Add(1)
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return fs
}

// checkCounters compares each node's counters with what the walk found.
func (s *SLUB) checkCounters(c *Cache, nodes []*nodeState, st *CacheStats) []kernel.Finding {
	var fs []kernel.Finding
	for _, ns := range nodes {
		if ns.addr == 0 {
			continue
		}
		got := st.perNode[ns.node]
		for _, sl := range ns.strays {
			if w, err := s.k.ReadU64(sl + s.lay.counters); err == nil {
				got[0], got[1] = got[0]+1, got[1]+s.lay.objects.get(w)
			}
		}
		mk := func(what string, addr, want, have uint64) {
			fs = append(fs, kernel.Finding{Kind: kernel.KindCacheCounterMismatch, Severity: kernel.Corrupt, Addr: addr, Cache: c.Name,
				Path:     fmt.Sprintf("%s -> node[%d].%s", c.Path, ns.node, what),
				Expected: fmt.Sprintf("%d (found by the walk)", have), Found: fmt.Sprintf("%d", want)})
		}
		if ns.complete && uint64(len(ns.partial)) != ns.nrPartial {
			mk("nr_partial", ns.addr+s.nodeOff("nr_partial"), ns.nrPartial, uint64(len(ns.partial)))
		}
		if ns.hasCounts && ns.nrSlabs != got[0] {
			mk("nr_slabs", ns.addr+s.nodeOff("nr_slabs"), ns.nrSlabs, got[0])
		}
		if ns.hasCounts && ns.totalObjs != got[1] {
			mk("total_objects", ns.addr+s.nodeOff("total_objects"), ns.totalObjs, got[1])
		}
	}
	return fs
}

// nodeOff is the offset of a struct kmem_cache_node field, so that a
// counter finding points at the counter itself.
func (s *SLUB) nodeOff(field string) uint64 {
	off, _ := s.k.Bin.FieldOffset("struct kmem_cache_node", field)
	return off
}
