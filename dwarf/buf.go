package dwarf

import (
	"encoding/binary"
	"errors"
)

// errShort is what a cursor reports when a DWARF structure runs past the end
// of its section; callers wrap it with the section offset.
var errShort = errors.New("unexpected end of data")

// cursor reads little-endian DWARF data from one section. Reads past the
// end set err and return zero, so parsing loops check err once per DIE
// instead of after every field; pos never moves past len(b).
type cursor struct {
	b   []byte
	pos int
	err error
}

func (c *cursor) fail() {
	if c.err == nil {
		c.err = errShort
	}
	c.pos = len(c.b)
}

func (c *cursor) u8() uint8 {
	if c.pos >= len(c.b) {
		c.fail()
		return 0
	}
	v := c.b[c.pos]
	c.pos++
	return v
}

func (c *cursor) u16() uint16 {
	if len(c.b)-c.pos < 2 {
		c.fail()
		return 0
	}
	v := binary.LittleEndian.Uint16(c.b[c.pos:])
	c.pos += 2
	return v
}

func (c *cursor) u24() uint32 {
	if len(c.b)-c.pos < 3 {
		c.fail()
		return 0
	}
	v := uint32(c.b[c.pos]) | uint32(c.b[c.pos+1])<<8 | uint32(c.b[c.pos+2])<<16
	c.pos += 3
	return v
}

func (c *cursor) u32() uint32 {
	if len(c.b)-c.pos < 4 {
		c.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(c.b[c.pos:])
	c.pos += 4
	return v
}

func (c *cursor) u64() uint64 {
	if len(c.b)-c.pos < 8 {
		c.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(c.b[c.pos:])
	c.pos += 8
	return v
}

// uN reads an unsigned value of n bytes (1, 2, 4 or 8).
func (c *cursor) uN(n int) uint64 {
	switch n {
	case 1:
		return uint64(c.u8())
	case 2:
		return uint64(c.u16())
	case 4:
		return uint64(c.u32())
	case 8:
		return c.u64()
	}
	c.fail()
	return 0
}

func (c *cursor) uleb() uint64 {
	var v uint64
	var shift uint
	for c.pos < len(c.b) {
		x := c.b[c.pos]
		c.pos++
		if shift < 64 {
			v |= uint64(x&0x7f) << shift
		}
		shift += 7
		if x&0x80 == 0 {
			return v
		}
	}
	c.fail()
	return 0
}

func (c *cursor) sleb() int64 {
	var v int64
	var shift uint
	for c.pos < len(c.b) {
		x := c.b[c.pos]
		c.pos++
		if shift < 64 {
			v |= int64(x&0x7f) << shift
		}
		shift += 7
		if x&0x80 == 0 {
			if shift < 64 && x&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
	c.fail()
	return 0
}

// skip advances n bytes.
func (c *cursor) skip(n uint64) {
	if n > uint64(len(c.b)-c.pos) {
		c.fail()
		return
	}
	c.pos += int(n)
}

// bytes returns the next n bytes without copying.
func (c *cursor) bytes(n uint64) []byte {
	if n > uint64(len(c.b)-c.pos) {
		c.fail()
		return nil
	}
	v := c.b[c.pos : c.pos+int(n)]
	c.pos += int(n)
	return v
}

// cstr returns a NUL-terminated string's bytes (without the NUL).
func (c *cursor) cstr() []byte {
	for i := c.pos; i < len(c.b); i++ {
		if c.b[i] == 0 {
			v := c.b[c.pos:i]
			c.pos = i + 1
			return v
		}
	}
	c.fail()
	return nil
}

// cstrAt returns the NUL-terminated string at off in b, or nil.
func cstrAt(b []byte, off uint64) []byte {
	if off >= uint64(len(b)) {
		return nil
	}
	s := b[off:]
	for i, x := range s {
		if x == 0 {
			return s[:i]
		}
	}
	return nil
}
