package kdumptest

import "errors"

// Buffer is an in-memory io.WriterAt that grows as written.
type Buffer struct{ B []byte }

// WriteAt writes p at off, growing the buffer.
func (b *Buffer) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("kdumptest: negative offset")
	}
	if end := int(off) + len(p); end > len(b.B) {
		b.B = append(b.B, make([]byte, end-len(b.B))...)
	}
	return copy(b.B[off:], p), nil
}
