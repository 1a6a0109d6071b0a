package vmcore

import "sync"

// pageCache holds decoded pages, bounded, in shards each with its own lock
// and CLOCK replacement: a hit costs one short critical section (a map
// lookup and a 4 KiB copy), and readers of different pages rarely share a
// lock.
type pageCache struct {
	shards   []cacheShard
	pageSize int
}

type cacheShard struct {
	mu    sync.Mutex
	index map[uint64]int32
	slots []cacheSlot
	hand  int
	_     [40]byte // keep neighbouring shards' locks off one cache line
}

type cacheSlot struct {
	key  uint64
	used bool
	ref  bool
	data []byte
}

const (
	cacheShards  = 64
	defaultCache = 64 << 20 // bytes of decoded pages
)

func newPageCache(bytes, pageSize int) *pageCache {
	per := max(bytes/pageSize/cacheShards, 4)
	c := &pageCache{shards: make([]cacheShard, cacheShards), pageSize: pageSize}
	for i := range c.shards {
		c.shards[i].index = make(map[uint64]int32, per)
		c.shards[i].slots = make([]cacheSlot, per)
	}
	return c
}

func (c *pageCache) shard(key uint64) *cacheShard {
	h := key * 0x9e3779b97f4a7c15
	return &c.shards[h>>58%cacheShards]
}

// get copies page key's bytes [off, off+len(dst)) into dst.
func (c *pageCache) get(key uint64, dst []byte, off int) bool {
	s := c.shard(key)
	s.mu.Lock()
	i, ok := s.index[key]
	if ok {
		sl := &s.slots[i]
		sl.ref = true
		copy(dst, sl.data[off:])
	}
	s.mu.Unlock()
	return ok
}

// put stores a copy of page.
func (c *pageCache) put(key uint64, page []byte) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index[key]; ok {
		return
	}
	for {
		sl := &s.slots[s.hand]
		if sl.used && sl.ref {
			sl.ref = false
			s.hand = (s.hand + 1) % len(s.slots)
			continue
		}
		if sl.used {
			delete(s.index, sl.key)
		}
		if sl.data == nil {
			sl.data = make([]byte, c.pageSize)
		}
		copy(sl.data, page)
		sl.key, sl.used, sl.ref = key, true, false
		s.index[key] = int32(s.hand)
		s.hand = (s.hand + 1) % len(s.slots)
		return
	}
}
