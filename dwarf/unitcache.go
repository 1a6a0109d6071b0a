package dwarf

import (
	"container/list"
	"fmt"
	"sync"
)

// unitCacheBytes bounds the unit copies kept for type decoding. The
// largest unit of a Debian 6.1 vmlinux is a few MB; most are under 100 KB,
// and a type graph lies within one unit.
const unitCacheBytes = 16 << 20

// unitCache keeps recently read units of a pread-backed .debug_info.
// Buffers are never reused: entries decoded from an evicted unit keep
// their slices valid.
type unitCache struct {
	mu    sync.Mutex
	lru   list.List // of *unitBuf, most recent first
	byOff map[uint64]*list.Element
	bytes int
}

type unitBuf struct {
	off uint64
	b   []byte
}

// cachedUnit returns u's bytes when they are at hand without a read.
func (d *debugData) cachedUnit(u *unit) ([]byte, bool) {
	if d.infoAt == nil {
		return d.info[u.off:u.end], true
	}
	c := &d.ucache
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byOff[u.off]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*unitBuf).b, true
	}
	return nil, false
}

// unitBytes returns the bytes of unit u. A module's sections are on the
// heap and are sliced; vmlinux's .debug_info is read by pread into the
// cache instead of through the mapping, because every page touched
// through the mapping would stay in the process's resident set with its
// fault-around neighbours (64 KiB a fault): decoding types all over a
// 160 MB section would keep most of it resident.
func (d *debugData) unitBytes(u *unit) ([]byte, error) {
	if d.infoAt == nil {
		return d.info[u.off:u.end], nil
	}
	c := &d.ucache
	c.mu.Lock()
	if e, ok := c.byOff[u.off]; ok {
		c.lru.MoveToFront(e)
		b := e.Value.(*unitBuf).b
		c.mu.Unlock()
		return b, nil
	}
	c.mu.Unlock()
	b := make([]byte, u.end-u.off)
	if _, err := d.infoAt.ReadAt(b, int64(u.off)); err != nil {
		return nil, fmt.Errorf("%s: reading unit .debug_info+%#x: %w", d.name, u.off, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byOff == nil {
		c.byOff = map[uint64]*list.Element{}
	}
	if e, ok := c.byOff[u.off]; ok { // read meanwhile by another goroutine
		return e.Value.(*unitBuf).b, nil
	}
	c.byOff[u.off] = c.lru.PushFront(&unitBuf{u.off, b})
	c.bytes += len(b)
	for c.bytes > unitCacheBytes && c.lru.Len() > 1 {
		old := c.lru.Remove(c.lru.Back()).(*unitBuf)
		delete(c.byOff, old.off)
		c.bytes -= len(old.b)
	}
	return b, nil
}
