package dwarf

import (
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

func TestOpenVmlinux(t *testing.T) {
	b, err := Open(fixture.Vmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t.Logf("units %d entries %d names %d syms %d/%d release %q build-id %s",
		len(b.dd.units), len(b.ix.entries), len(b.ix.names), len(b.syms.byAddr), len(b.syms.byName), b.Release(), b.BuildID())
	for k := kindStruct; k < kindCount; k++ {
		t.Logf("kind %d: %d", k, b.ix.count(k))
	}
}
