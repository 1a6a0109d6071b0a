package dwarf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdx-dev/kdx/internal/fixture"
)

// fakeRoot links files into a directory tree standing for "/".
func fakeRoot(t *testing.T, links map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, target := range links {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFindVmlinux(t *testing.T) {
	vml := fixture.Vmlinux(t)
	id := openFixture(t).BuildID()
	rel := fixture.Release
	noDebug := filepath.Join(t.TempDir(), "vmlinux-nodebug")
	os.WriteFile(noDebug, minimalELF(t), 0o644)
	other := "00112233445566778899aabbccddeeff00112233"
	for _, tc := range []struct {
		name     string
		links    map[string]string
		id, rel  string
		wantPath string // relative to root; "" means an error
		wantErr  []string
	}{
		{"by build-id", map[string]string{"usr/lib/debug/.build-id/" + id[:2] + "/" + id[2:] + ".debug": vml}, id, rel,
			"usr/lib/debug/.build-id/" + id[:2] + "/" + id[2:] + ".debug", nil},
		{"by release", map[string]string{"usr/lib/debug/boot/vmlinux-" + rel: vml}, "", rel, "usr/lib/debug/boot/vmlinux-" + rel, nil},
		{"by release, build-id checked", map[string]string{"usr/lib/debug/lib/modules/" + rel + "/vmlinux": vml}, strings.ToUpper(id), rel,
			"usr/lib/debug/lib/modules/" + rel + "/vmlinux", nil},
		{"skips one without DWARF", map[string]string{"usr/lib/debug/boot/vmlinux-" + rel: noDebug, "boot/vmlinux-" + rel: vml}, "", rel,
			"boot/vmlinux-" + rel, nil},
		{"wrong build-id", map[string]string{"usr/lib/debug/boot/vmlinux-" + rel: vml}, other, rel, "",
			[]string{"its build-id is " + id, "the dump's kernel has build-id " + other, "install linux-image-" + rel + "-dbg"}},
		{"wrong release", map[string]string{"boot/vmlinux-5.10.0-9-amd64": vml}, "", "5.10.0-9-amd64", "",
			[]string{"it is release " + rel + ", the dump's kernel is 5.10.0-9-amd64"}},
		{"nothing", nil, other, "9.9.9", "", []string{"absent", "linux-image-9.9.9-dbg"}},
		{"no keys", nil, "", "", "", []string{"neither a build-id nor a release"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fakeRoot(t, tc.links)
			got, err := findVmlinux(tc.id, tc.rel, root)
			if tc.wantPath != "" {
				if err != nil || got != filepath.Join(root, tc.wantPath) {
					t.Errorf("got %q, %v; want %s", got, err, tc.wantPath)
				}
				return
			}
			if err == nil {
				t.Fatalf("found %s", got)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCheckMatch(t *testing.T) {
	b := openFixture(t)
	if err := b.CheckMatch(b.BuildID(), b.Release()); err != nil {
		t.Error(err)
	}
	if err := b.CheckMatch("", b.Release()); err != nil {
		t.Error(err)
	}
	err := b.CheckMatch("ab12", "6.1.0-99-amd64")
	if err == nil || !strings.Contains(err.Error(), "ab12") || !strings.Contains(err.Error(), b.BuildID()) {
		t.Errorf("mismatching build-id: %v", err)
	}
	err = b.CheckMatch("", "6.1.0-99-amd64")
	if err == nil || !strings.Contains(err.Error(), "6.1.0-99-amd64") || !strings.Contains(err.Error(), b.Release()) {
		t.Errorf("mismatching release: %v", err)
	}
}

func TestFindModule(t *testing.T) {
	ko := fixture.Module(t)
	rel := "6.1.0-test"
	root := fakeRoot(t, map[string]string{
		"lib/modules/" + rel + "/kernel/fs/fat/vfat.ko":                   ko,
		"lib/modules/" + rel + "/updates/kdx-plant.ko.zst":                ko,
		"usr/lib/debug/lib/modules/" + rel + "/kernel/fs/fat/vfat.ko":     ko,
		"lib/modules/" + rel + "/kernel/drivers/block/virtio_blk.ko.xz":   ko,
		"lib/modules/" + rel + "/kernel/drivers/block/virtio_blk.ko.keep": ko,
	})
	extra := t.TempDir()
	os.Symlink(ko, filepath.Join(extra, "kdxplant.ko"))
	for _, tc := range []struct{ name, want string }{
		{"vfat", "usr/lib/debug/lib/modules/" + rel + "/kernel/fs/fat/vfat.ko"}, // the -dbg copy first
		{"kdx_plant", "lib/modules/" + rel + "/updates/kdx-plant.ko.zst"},
		{"virtio-blk", "lib/modules/" + rel + "/kernel/drivers/block/virtio_blk.ko.xz"},
	} {
		got, err := findModule(tc.name, rel, root, nil)
		if err != nil || got != filepath.Join(root, tc.want) {
			t.Errorf("%s: %q, %v", tc.name, got, err)
		}
	}
	if got, err := findModule("kdxplant", rel, root, []string{extra}); err != nil || got != filepath.Join(extra, "kdxplant.ko") {
		t.Errorf("extra dir: %q, %v", got, err)
	}
	if _, err := findModule("nope", rel, root, nil); err == nil || !strings.Contains(err.Error(), "nope.ko") {
		t.Errorf("missing module: %v", err)
	}
}

func TestIdentify(t *testing.T) {
	b := openFixture(t)
	id, rel, dw, err := Identify(b.Path())
	if err != nil || id != b.BuildID() || rel != fixture.Release || !dw {
		t.Errorf("Identify(vmlinux) = %q %q %v %v", id, rel, dw, err)
	}
	p := filepath.Join(t.TempDir(), "vmlinux")
	os.WriteFile(p, minimalELF(t), 0o644)
	if id, rel, dw, err := Identify(p); err != nil || id != "" || rel != "9.9.9-test" || dw {
		t.Errorf("Identify(no DWARF) = %q %q %v %v", id, rel, dw, err)
	}
}
