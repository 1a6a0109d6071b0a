package vmcore

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// Translate maps a kernel virtual address to a physical address.
func (m *KernelMemory) Translate(va uint64) (uint64, error) {
	if m.hasPO && va >= m.pageOffset && va-m.pageOffset < m.maxPhys {
		return va - m.pageOffset, nil
	}
	if pa, ok := m.tlb.get(va); ok {
		return pa, nil
	}
	pa, err := m.translateSlow(va)
	if err == nil {
		m.tlb.put(va, pa)
	}
	return pa, err
}

func (m *KernelMemory) translateSlow(va uint64) (uint64, error) {
	if !m.canonical(va) {
		return 0, &NotMappedError{Vaddr: va, Reason: fmt.Sprintf("not canonical for %d-level paging", m.levels)}
	}
	if m.hasRoot {
		return m.walk(va)
	}
	if m.hasPB && va >= kernelMapBase && va < modulesBase {
		return va - kernelMapBase + m.physBase, nil
	}
	for _, v := range m.virt {
		if va >= v.start && va < v.end {
			return v.paddr + (va - v.start), nil
		}
	}
	return 0, &NotMappedError{Vaddr: va, Reason: "no page-table root and no segment maps it"}
}

func (m *KernelMemory) canonical(va uint64) bool {
	bits := uint(48)
	if m.levels == 5 {
		bits = 57
	}
	top := int64(va) >> (bits - 1)
	return top == 0 || top == -1
}

// walk follows the page tables from the root: PGD (5-level only: then
// P4D), PUD, PMD, PTE. PS at the PUD or PMD level is a 1 GiB or 2 MiB page.
func (m *KernelMemory) walk(va uint64) (uint64, error) {
	table := m.root
	level := m.levels
	if level == 4 {
		level = LevelP4D // 4-level: the top table is indexed like a P4D
	}
	for ; level >= LevelPTE; level-- {
		shift := uint(12 + 9*(level-1))
		ea := table + (va>>shift)%tableSize*8
		e, err := m.readEntry(ea)
		if err != nil {
			return 0, &NotMappedError{Vaddr: va, Level: m.levelName(level), EntryAddr: ea, Err: err}
		}
		if e&ptePresent == 0 {
			return 0, &NotMappedError{Vaddr: va, Level: m.levelName(level), EntryAddr: ea, Entry: e, Reason: "entry not present"}
		}
		addr := e & ptePFNMask &^ m.sme
		if level == LevelPTE {
			return addr | va&0xfff, nil
		}
		if (level == LevelPUD || level == LevelPMD) && e&ptePS != 0 {
			size := uint64(1) << shift
			return addr&^(size-1) | va&(size-1), nil
		}
		table = addr
	}
	return 0, &NotMappedError{Vaddr: va, Reason: "page-table walk ended without a leaf"}
}

// levelName reports the top table of a 4-level walk as the PGD, as the
// kernel does (its P4D is folded).
func (m *KernelMemory) levelName(level int) int {
	if m.levels == 4 && level == LevelP4D {
		return LevelPGD
	}
	return level
}

func (m *KernelMemory) readEntry(pa uint64) (uint64, error) {
	var b [8]byte
	if _, err := m.d.ReadPhys(b[:], pa); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// ReadAt reads kernel virtual memory. It returns the bytes read before the
// first failing page and an error naming the virtual address (wrapping a
// *NotMappedError or *ReadError). Pages that are physically contiguous are
// read with one ReadPhys, so a large read of a compressed dump decodes its
// pages in parallel.
func (m *KernelMemory) ReadAt(p []byte, va uint64) (int, error) {
	done := 0
	for done < len(p) {
		a := va + uint64(done)
		pa, err := m.Translate(a)
		if err != nil {
			return done, err
		}
		n := m.contiguous(a, pa, len(p)-done)
		got, err := m.d.ReadPhys(p[done:done+n], pa)
		done += got
		if err != nil {
			return done, fmt.Errorf("virtual 0x%x: %w", a+uint64(got), err)
		}
	}
	return done, nil
}

// contiguous is how many of the want bytes from va (at pa) continue
// physically without a break, page by page.
func (m *KernelMemory) contiguous(va, pa uint64, want int) int {
	n := min(want, int(4096-va%4096))
	for n < want {
		next, err := m.Translate(va + uint64(n))
		if err != nil || next != pa+uint64(n) {
			break
		}
		n = min(want, n+4096)
	}
	return n
}

// tlb caches page translations: direct-mapped sets under sharded locks.
type tlb struct {
	shards [16]tlbShard
}

type tlbShard struct {
	mu  sync.Mutex
	tag [256]uint64 // virtual page number + 1 (0 = empty)
	pa  [256]uint64
}

func newTLB() *tlb { return &tlb{} }

func (t *tlb) slot(va uint64) (*tlbShard, int, uint64) {
	vpn := va >> 12
	return &t.shards[vpn%16], int(vpn / 16 % 256), vpn + 1
}

func (t *tlb) get(va uint64) (uint64, bool) {
	s, i, tag := t.slot(va)
	s.mu.Lock()
	ok := s.tag[i] == tag
	pa := s.pa[i]
	s.mu.Unlock()
	return pa | va&0xfff, ok
}

func (t *tlb) put(va, pa uint64) {
	s, i, tag := t.slot(va)
	s.mu.Lock()
	s.tag[i], s.pa[i] = tag, pa&^0xfff
	s.mu.Unlock()
}
