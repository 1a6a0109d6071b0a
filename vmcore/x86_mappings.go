package vmcore

import (
	"encoding/binary"
	"fmt"
)

// MappingFunc receives one mapped run: virtual address, physical address
// and size (4 KiB, 2 MiB or 1 GiB). A non-nil return stops the walk.
type MappingFunc func(va, pa, size uint64) error

// ForEachMapping walks the kernel page tables over [lo, hi) and calls fn
// for every present leaf in ascending virtual order. Tables that cannot be
// read are skipped (their range is reported by no call). It needs a
// page-table root.
func (m *KernelMemory) ForEachMapping(lo, hi uint64, fn MappingFunc) error {
	if !m.hasRoot {
		return &NotMappedError{Vaddr: lo, Reason: "no page-table root"}
	}
	level := m.levels
	if level == 4 {
		level = LevelP4D
	}
	budget := maxWalkTables
	return m.walkRange(m.root, level, 0, lo, hi, fn, &budget)
}

// maxWalkTables bounds one ForEachMapping walk: corrupt tables that point
// back at themselves or share lower levels would otherwise make it
// exponential. 1<<18 tables map far more than any real kernel range.
const maxWalkTables = 1 << 18

// walkRange visits the table at pa (of the given level) whose first entry
// maps base; base is sign-extended as the CPU does.
func (m *KernelMemory) walkRange(pa uint64, level int, base, lo, hi uint64, fn MappingFunc, budget *int) error {
	if *budget--; *budget < 0 {
		return &NotMappedError{Vaddr: base, Level: m.levelName(level), EntryAddr: pa, Reason: fmt.Sprintf("page-table walk read more than %d tables (looping tables?)", maxWalkTables)}
	}
	var page [4096]byte
	if _, err := m.d.ReadPhys(page[:], pa); err != nil {
		return nil
	}
	shift := uint(12 + 9*(level-1))
	span := uint64(1) << shift
	for i := uint64(0); i < tableSize; i++ {
		va := m.signExtend(base + i*span)
		if va+span-1 < lo || va >= hi {
			continue
		}
		e := binary.LittleEndian.Uint64(page[i*8:])
		if e&ptePresent == 0 {
			continue
		}
		addr := e & ptePFNMask &^ m.sme
		leaf := level == LevelPTE || (level == LevelPUD || level == LevelPMD) && e&ptePS != 0
		if leaf {
			if err := fn(va, addr&^(span-1), span); err != nil {
				return err
			}
			continue
		}
		if err := m.walkRange(addr, level-1, va, lo, hi, fn, budget); err != nil {
			return err
		}
	}
	return nil
}

func (m *KernelMemory) signExtend(va uint64) uint64 {
	bits := uint(48)
	if m.levels == 5 {
		bits = 57
	}
	return uint64(int64(va<<(64-bits)) >> (64 - bits))
}
