package dwarf

import (
	"sync"
	"testing"
)

// TestConcurrentLookups runs type, variable, symbol and line lookups from
// several goroutines while a module is loaded (run with -race).
func TestConcurrentLookups(t *testing.T) {
	b := openFixture(t)
	names := []string{"struct task_struct", "struct kmem_cache", "struct page", "struct module", "struct rq"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				n := names[(g+i)%len(names)]
				if _, err := b.Type(n); err != nil {
					errs <- err
				}
				if _, _, err := b.Variable("init_task"); err != nil {
					errs <- err
				}
				if a, ok := b.Symbol("schedule"); ok {
					b.Lookup(a + 1)
					b.LineFor(a + 1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
