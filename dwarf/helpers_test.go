package dwarf

import (
	"os"
	"sync"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

var shared struct {
	once sync.Once
	dir  string
	b    *Binary
	err  error
}

// TestMain removes the shared cache directory after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
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
		shared.dir = dir
		os.Setenv("XDG_CACHE_HOME", dir)
		shared.b, shared.err = Open(path)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.b
}
