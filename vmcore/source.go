package vmcore

// source is the logical byte stream of a kdump-compressed file: the file
// itself, or the file a flattened stream describes (read in place).
type source interface {
	name() string
	// size is the logical length (for flattened: the end of the last
	// record).
	size() int64
	// slice returns n bytes at off without copying when they are
	// contiguous in the mapping; ok is false otherwise.
	slice(off, n int64) (b []byte, ok bool)
	// readAt copies what is there; n < len(p) means the rest is missing
	// (past the end, or a hole no record covers).
	readAt(p []byte, off int64) int
	// readStored copies len(p) bytes only if the file really holds all of
	// them (no flattened-format hole): stored pages must never read as
	// invented zeros.
	readStored(p []byte, off int64) bool
	// fileOffset maps a logical offset to the offset in the file on disk,
	// for error messages; -1 when no record holds it.
	fileOffset(off int64) int64
}

type rawSrc struct{ m *mapping }

func rawSource(m *mapping) source { return rawSrc{m} }

func (r rawSrc) name() string               { return r.m.path }
func (r rawSrc) size() int64                { return int64(len(r.m.data)) }
func (r rawSrc) fileOffset(off int64) int64 { return off }

func (r rawSrc) slice(off, n int64) ([]byte, bool) {
	if off < 0 || n < 0 || off > int64(len(r.m.data)) || n > int64(len(r.m.data))-off {
		return nil, false
	}
	return r.m.data[off : off+n : off+n], true
}

func (r rawSrc) readAt(p []byte, off int64) int {
	if off < 0 || off >= int64(len(r.m.data)) {
		return 0
	}
	return copy(p, r.m.data[off:])
}

func (r rawSrc) readStored(p []byte, off int64) bool { return r.readAt(p, off) == len(p) }

// readFull reads exactly n bytes at off, without copying when possible.
func readFull(s source, off, n int64) ([]byte, bool) {
	if b, ok := s.slice(off, n); ok {
		return b, true
	}
	if n < 0 || n > s.size() {
		return nil, false
	}
	buf := make([]byte, n)
	if s.readAt(buf, off) != int(n) {
		return nil, false
	}
	return buf, true
}
