package vmcore_test

import (
	"sync"
	"testing"

	"github.com/kdx-dev/kdx/internal/kdumptest"
)

// TestConcurrentReads hammers one dump's page cache and one KernelMemory's
// translation cache from several goroutines (run with -race).
func TestConcurrentReads(t *testing.T) {
	d := openT(t, writeTemp(t, "dump", kspec{codec: kdumptest.Zlib, maxMapnr: 2000}.build(t)))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			buf := make([]byte, pg)
			for i := 0; i < 3000; i++ {
				pfn := uint64((i*7919 + g*31) % 2000)
				if _, err := d.ReadPhys(buf, pfn*pg); err == nil {
					equalPage(t, buf, pfn)
				}
			}
		}(g)
	}
	x := x86Dump(t, 4, 0)
	km := kmem4(t, x)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 16)
			for i := 0; i < 2000; i++ {
				if _, err := km.ReadAt(buf, textVA+0x1000); err != nil || string(buf) != "second text page" {
					t.Errorf("ReadAt: %q, %v", buf, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
