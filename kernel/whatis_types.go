package kernel

// SlabObject says where an address falls in a slab: which cache, which
// object, and whether that object is allocated. The slab package computes
// it (it knows freelists); the kernel package only carries it so that
// whatis can answer without importing slab.
type SlabObject struct {
	Cache     string `json:"cache"`      // cache name, e.g. "kmalloc-256"
	CacheAddr uint64 `json:"cache_addr"` // struct kmem_cache *
	Slab      uint64 `json:"slab"`       // struct slab * (the struct page of the slab)
	Object    uint64 `json:"object"`     // start of the object
	Offset    uint64 `json:"offset"`     // addr - Object
	Size      uint64 `json:"size"`       // object size (s->size, the stride)
	Free      bool   `json:"free"`       // on a freelist
	Known     bool   `json:"known"`      // Free is known (freelist readable)
}

// SetSlabResolver lets the slab package tell whatis about slab objects.
func (k *Kernel) SetSlabResolver(fn func(addr uint64) (SlabObject, bool)) {
	k.memoMu.Lock()
	defer k.memoMu.Unlock()
	k.objectInfo = fn
}

func (k *Kernel) slabResolver() func(addr uint64) (SlabObject, bool) {
	k.memoMu.Lock()
	defer k.memoMu.Unlock()
	return k.objectInfo
}
