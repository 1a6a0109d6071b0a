package dwarf

func (b *Binary) loadCache() bool { return false }
func (b *Binary) storeCache()     {}
