package dwarf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// Value is a typed object in kernel memory: a type, an address, the
// memory to read it from, and the access path that led to it
// ("slab_caches.next->name"), which every error carries. Values are
// small and immutable; methods return new Values. Nothing is read until an
// accessor (Uint, Pointer, Bytes, ...) asks.
type Value struct {
	typ  godwarf.Type
	addr uint64
	mem  Reader
	path string
	// A bitfield member: bits [bitOff, bitOff+bitSize) of the
	// little-endian integer at addr (bitSize 0: not a bitfield).
	bitOff, bitSize uint8
}

// NewValue makes a Value of type t at addr. path names it in errors.
func NewValue(t godwarf.Type, addr uint64, mem Reader, path string) Value {
	return Value{typ: t, addr: addr, mem: mem, path: path}
}

// Global is the Value of a global variable of vmlinux or a loaded module,
// at its runtime address.
func (b *Binary) Global(name string, mem Reader) (Value, error) {
	addr, t, err := b.Variable(name)
	if err != nil {
		return Value{}, err
	}
	return NewValue(t, addr, mem, name), nil
}

// Object is the Value of type typeName at addr: NewValue with the type
// looked up by name, for an address found by other means.
func (b *Binary) Object(typeName string, addr uint64, mem Reader, path string) (Value, error) {
	t, err := b.Type(typeName)
	if err != nil {
		return Value{}, err
	}
	return NewValue(t, addr, mem, path), nil
}

// Addr is the Value's address.
func (v Value) Addr() uint64 { return v.addr }

// Type is the Value's type as declared (typedefs and qualifiers kept).
func (v Value) Type() godwarf.Type { return v.typ }

// Path is the access path that produced the Value.
func (v Value) Path() string { return v.path }

// Mem is the memory the Value reads from.
func (v Value) Mem() Reader { return v.mem }

// Size is the byte size of the Value's type (0 for void, flexible arrays
// and functions).
func (v Value) Size() int64 { return sizeOf(completeType(v.typ)) }

// Bitfield reports the bit offset and width when the Value is a bitfield.
func (v Value) Bitfield() (bitOff, bitSize int, ok bool) {
	return int(v.bitOff), int(v.bitSize), v.bitSize != 0
}

// Cast reinterprets the Value's memory as type t (a struct page as a
// struct slab, say).
func (v Value) Cast(t godwarf.Type) Value {
	return Value{typ: t, addr: v.addr, mem: v.mem, path: fmt.Sprintf("((%s)%s)", typeString(t), v.path)}
}

// WithPath returns the Value renamed, for callers that build their own
// paths ("slab_caches -> kmalloc-256").
func (v Value) WithPath(path string) Value {
	v.path = path
	return v
}

// String describes the Value without reading memory:
// "slab_caches (struct list_head) @ 0xffffffff82b5e1a0".
func (v Value) String() string {
	return fmt.Sprintf("%s (%s) @ %#x", v.path, typeString(v.typ), v.addr)
}

// PathError is the error of every Value operation: what failed, on which
// access path, at which address.
type PathError struct {
	Path string
	Addr uint64
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

func (v Value) errorf(format string, args ...any) error {
	return &PathError{Path: v.path, Addr: v.addr, Err: fmt.Errorf(format, args...)}
}

// maxValueBytes caps a single read (a corrupt array length must not size
// an allocation).
const maxValueBytes = 16 << 20

// read reads n bytes at the Value's address.
func (v Value) read(n int64) ([]byte, error) {
	if n < 0 || n > maxValueBytes {
		return nil, v.errorf("refusing to read %d bytes at %#x", n, v.addr)
	}
	if v.mem == nil {
		return nil, v.errorf("no memory to read %#x from", v.addr)
	}
	p := make([]byte, n)
	if err := readFull(v.mem, p, v.addr); err != nil {
		return nil, &PathError{Path: v.path, Addr: v.addr, Err: err}
	}
	return p, nil
}

// readFull reads all of p at addr, as a "read 0x...: cause" error.
func readFull(mem Reader, p []byte, addr uint64) error {
	n, err := mem.ReadAt(p, addr)
	if n == len(p) {
		return nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read %#x (%d bytes): %w", addr+uint64(n), len(p)-n, err)
}

// ErrType is wrapped by errors of operations that do not apply to the
// Value's type (Deref of an int, Field of a pointer to int).
var ErrType = errors.New("wrong type")

// Bytes reads the Value's raw bytes (its type's size).
func (v Value) Bytes() ([]byte, error) {
	return v.read(v.Size())
}

// Pointer reads a pointer (or an unsigned long holding an address).
func (v Value) Pointer() (uint64, error) {
	switch resolve(v.typ).(type) {
	case *godwarf.PtrType, *godwarf.UintType, *godwarf.IntType, *godwarf.AddrType:
	default:
		return 0, v.errorf("%s is not a pointer: %w", typeString(v.typ), ErrType)
	}
	return v.Uint()
}

// Uint reads an integer, enum, bool, char or pointer as unsigned,
// extracting bitfields.
func (v Value) Uint() (uint64, error) {
	n := v.Size()
	if v.bitSize != 0 {
		n = (int64(v.bitOff) + int64(v.bitSize) + 7) / 8
	}
	if !isScalar(v.typ) || n < 1 || n > 8 {
		return 0, v.errorf("%s is not an integer (%d bytes): %w", typeString(v.typ), n, ErrType)
	}
	p, err := v.read(n)
	if err != nil {
		return 0, err
	}
	var buf [8]byte
	copy(buf[:], p)
	x := binary.LittleEndian.Uint64(buf[:])
	if v.bitSize != 0 {
		x >>= v.bitOff
		if v.bitSize < 64 {
			x &= 1<<v.bitSize - 1
		}
	}
	return x, nil
}

// Int reads an integer as signed, sign-extending from its width (or from
// its bit width, for a bitfield of a signed type). Unsigned types are
// zero-extended.
func (v Value) Int() (int64, error) {
	x, err := v.Uint()
	if err != nil {
		return 0, err
	}
	bits := uint(v.bitSize)
	if bits == 0 {
		bits = uint(v.Size()) * 8
	}
	if !isSigned(v.typ) || bits >= 64 {
		return int64(x), nil
	}
	shift := 64 - bits
	return int64(x<<shift) >> shift, nil
}

// Bool reads a value as a C truth value (non-zero is true).
func (v Value) Bool() (bool, error) {
	x, err := v.Uint()
	return x != 0, err
}

// EnumName reads an enum and returns the enumerator's name, or the number
// in decimal when no enumerator has that value (flags, corruption).
func (v Value) EnumName() (string, error) {
	et, ok := resolve(v.typ).(*godwarf.EnumType)
	if !ok {
		return "", v.errorf("%s is not an enum: %w", typeString(v.typ), ErrType)
	}
	x, err := v.Int()
	if err != nil {
		return "", err
	}
	return enumName(et, x), nil
}

func enumName(et *godwarf.EnumType, x int64) string {
	for _, e := range et.Val {
		if e.Val == x || uint64(e.Val)&mask(et.ByteSize) == uint64(x)&mask(et.ByteSize) {
			return e.Name
		}
	}
	return fmt.Sprint(x)
}

func mask(size int64) uint64 {
	if size <= 0 || size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*size) - 1
}
