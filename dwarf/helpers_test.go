package dwarf

import (
	"os"
	"sync"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

var shared struct {
	once sync.Once
	b    *Binary
	err  error
}

// openFixture opens the fixture vmlinux once per test binary (tests only
// read from it), with the index cache in a private directory.
func openFixture(t testing.TB) *Binary {
	t.Helper()
	path := fixture.Vmlinux(t)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "kdx-dwarf-test-")
		if err != nil {
			shared.err = err
			return
		}
		os.Setenv("XDG_CACHE_HOME", dir)
		shared.b, shared.err = Open(path)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.b
}
