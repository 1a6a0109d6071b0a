package vmcore

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// makedumpfile's flattened format: a 4096-byte header ("makedumpfile",
// type 1, version 1, big-endian), then records {offset int64 BE, size
// int64 BE, data}, ended by offset -1. Each record says "these bytes belong
// at this offset of the kdump file". flatSrc indexes the records once and
// reads the logical file through the index, in place.
const (
	flatHeaderSize = 4096
	flatRecHdr     = 16
	flatMaxRecords = 1 << 26 // a cap on the index (1.5 GiB of entries)
)

type flatRec struct {
	off   int64 // logical offset
	n     int64 // length
	fileO int64 // offset of the data in the flattened file
}

type flatSrc struct {
	m    *mapping
	recs []flatRec // sorted by off, non-overlapping
	end  int64
}

func newFlatSource(m *mapping, warn func(string, ...any)) (*flatSrc, error) {
	b := m.data
	if len(b) < flatHeaderSize {
		return nil, formatErr(m.path, int64(len(b)), "flattened header", "file shorter than the 4096-byte header", len(b))
	}
	if t := int64(binary.BigEndian.Uint64(b[16:])); t != 1 {
		return nil, formatErr(m.path, 16, "flattened header type", "unsupported", t)
	}
	if v := int64(binary.BigEndian.Uint64(b[24:])); v != 1 {
		warn("%s: flattened header version %d (expected 1)", m.path, v)
	}
	recs, sorted, err := scanFlatRecords(m, warn)
	if err != nil {
		return nil, err
	}
	if !sorted {
		slices.SortStableFunc(recs, func(a, b flatRec) int { return cmp.Compare(a.off, b.off) })
	}
	recs = resolveOverlaps(recs, m.path, warn)
	s := &flatSrc{m: m, recs: recs}
	if len(recs) > 0 {
		last := recs[len(recs)-1]
		s.end = last.off + last.n
	}
	return s, nil
}

// scanFlatRecords is the one sequential pass over the record headers. It
// reads them with pread rather than through the mapping: touching one
// word per record would fault in (and later unmap) most of the file.
func scanFlatRecords(m *mapping, warn func(string, ...any)) ([]flatRec, bool, error) {
	size := int64(len(m.data))
	pos := int64(flatHeaderSize)
	recs := make([]flatRec, 0, 1024)
	sorted := true
	var prevEnd int64
	var h [flatRecHdr]byte
	prevN := int64(0)
	for {
		// Headers far apart are read with pread (no page faults); close
		// together (small records, the same page) from the mapping, so a
		// stream of tiny records does not cost a system call each.
		read := 0
		if pos+flatRecHdr <= size {
			if prevN < 4096 {
				read = copy(h[:], m.data[pos:])
			} else {
				read = m.readBulk(h[:], pos)
			}
		}
		if read != flatRecHdr {
			warn("%s: flattened stream ends at 0x%x without its end marker (truncated)", m.path, pos)
			break
		}
		off := int64(binary.BigEndian.Uint64(h[:]))
		n := int64(binary.BigEndian.Uint64(h[8:]))
		if off == -1 {
			break
		}
		if off < 0 || n < 0 || off+n < off {
			return nil, false, formatErr(m.path, pos, "flattened record", "negative offset or size", [2]int64{off, n})
		}
		data := pos + flatRecHdr
		if n > size-data {
			warn("%s: flattened record at 0x%x wants 0x%x bytes, file has 0x%x (truncated)", m.path, pos, n, size-data)
			n = size - data
		}
		if len(recs) >= flatMaxRecords {
			return nil, false, formatErr(m.path, pos, "flattened record", "too many records", len(recs))
		}
		if n > 0 {
			if off < prevEnd {
				sorted = false
			}
			prevEnd = off + n
			recs = append(recs, flatRec{off: off, n: n, fileO: data})
		}
		pos, prevN = data+n, n
	}
	return recs, sorted, nil
}

// resolveOverlaps makes the records disjoint. A later record (in stream
// order, i.e. higher fileO) wins, as it would when the stream is replayed
// onto a file by makedumpfile -R.
func resolveOverlaps(recs []flatRec, path string, warn func(string, ...any)) []flatRec {
	overlap := false
	for i := 1; i < len(recs); i++ {
		if recs[i].off < recs[i-1].off+recs[i-1].n {
			overlap = true
			break
		}
	}
	if !overlap {
		return recs
	}
	warn("%s: flattened records overlap; later records win", path)
	out := make([]flatRec, 0, len(recs))
	for _, r := range recs {
		out = insertRec(out, r)
	}
	// insertRec handles the common cases (rewritten headers, a record
	// replaced in place); a tangle of overlaps may leave a tail out of order,
	// so restore order and disjointness unconditionally.
	slices.SortStableFunc(out, func(a, b flatRec) int { return cmp.Compare(a.off, b.off) })
	fixed := out[:0]
	for _, r := range out {
		if k := len(fixed); k > 0 {
			p := &fixed[k-1]
			if end := p.off + p.n; r.off < end {
				cut := min(end-r.off, r.n)
				r.off, r.n, r.fileO = r.off+cut, r.n-cut, r.fileO+cut
			}
		}
		if r.n > 0 {
			fixed = append(fixed, r)
		}
	}
	return fixed
}

// insertRec adds r to the disjoint list out (sorted by off, r.off >= every
// start in out), trimming whichever record is older where they overlap.
func insertRec(out []flatRec, r flatRec) []flatRec {
	for len(out) > 0 && r.n > 0 {
		p := &out[len(out)-1]
		pend := p.off + p.n
		if r.off >= pend {
			break
		}
		if r.fileO > p.fileO { // r is newer: cut p
			tail := flatRec{}
			if pend > r.off+r.n {
				cut := r.off + r.n - p.off
				tail = flatRec{off: r.off + r.n, n: pend - r.off - r.n, fileO: p.fileO + cut}
			}
			p.n = r.off - p.off
			if p.n == 0 {
				out = out[:len(out)-1]
			}
			out = append(out, r)
			if tail.n > 0 {
				out = append(out, tail)
			}
			return out
		}
		// p is newer: keep p, drop r's covered head.
		cut := min(pend-r.off, r.n)
		r.off += cut
		r.n -= cut
		r.fileO += cut
	}
	if r.n > 0 {
		out = append(out, r)
	}
	return out
}

func (s *flatSrc) name() string { return s.m.path }
func (s *flatSrc) size() int64  { return s.end }

// find returns the index of the record holding off, or -1.
func (s *flatSrc) find(off int64) int {
	i, _ := slices.BinarySearchFunc(s.recs, off, func(r flatRec, o int64) int {
		switch {
		case r.off+r.n <= o:
			return -1
		case r.off > o:
			return 1
		}
		return 0
	})
	if i < len(s.recs) && s.recs[i].off <= off && off < s.recs[i].off+s.recs[i].n {
		return i
	}
	return -1
}

func (s *flatSrc) fileOffset(off int64) int64 {
	if i := s.find(off); i >= 0 {
		return s.recs[i].fileO + off - s.recs[i].off
	}
	return -1
}

func (s *flatSrc) slice(off, n int64) ([]byte, bool) {
	i := s.find(off)
	if i < 0 || n < 0 {
		return nil, false
	}
	r := s.recs[i]
	if off+n > r.off+r.n {
		return nil, false
	}
	fo := r.fileO + off - r.off
	return s.m.data[fo : fo+n : fo+n], true
}

// readAt reads the logical file as makedumpfile -R would rebuild it: bytes
// no record covers (makedumpfile skips some, e.g. bitmap tails) read as
// zeros up to the end of the last record.
func (s *flatSrc) readAt(p []byte, off int64) int {
	if off < 0 || off >= s.end {
		return 0
	}
	p = p[:min(int64(len(p)), s.end-off)]
	done := 0
	for done < len(p) {
		at := off + int64(done)
		i := s.find(at)
		if i < 0 {
			n := int(min(int64(len(p)-done), s.nextStart(at)-at))
			clear(p[done : done+n])
			done += n
			continue
		}
		r := s.recs[i]
		done += copy(p[done:], s.m.data[r.fileO+at-r.off:r.fileO+r.n])
	}
	return done
}

// nextStart is the start of the first record after off (s.end if none).
func (s *flatSrc) nextStart(off int64) int64 {
	i, _ := slices.BinarySearchFunc(s.recs, off, func(r flatRec, o int64) int { return cmp.Compare(r.off, o) })
	if i < len(s.recs) {
		return s.recs[i].off
	}
	return s.end
}

func (s *flatSrc) readStored(p []byte, off int64) bool {
	done := 0
	for done < len(p) {
		i := s.find(off + int64(done))
		if i < 0 {
			return false
		}
		r := s.recs[i]
		at := off + int64(done) - r.off
		done += copy(p[done:], s.m.data[r.fileO+at:r.fileO+r.n])
	}
	return true
}
