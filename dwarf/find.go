package dwarf

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
)

// FindVmlinux locates the vmlinux with DWARF for a dump: first by build-id
// (/usr/lib/debug/.build-id/xx/yyyy.debug), then by release in
// /usr/lib/debug/boot/vmlinux-<release>,
// /usr/lib/debug/lib/modules/<release>/vmlinux and /boot/vmlinux-<release>.
// Either key may be empty. A candidate found by release whose build-id
// differs from buildID is refused (see CheckMatch). The error lists every
// place tried and names the package to install.
func FindVmlinux(buildID, release string) (string, error) {
	return findVmlinux(buildID, release, "/")
}

// CheckMatch refuses a Binary that is not the kernel of a dump: the
// build-ids differ (when both are known), or else the releases differ.
// The error names both values and the file.
func (b *Binary) CheckMatch(buildID, release string) error {
	return checkMatch(b.path, b.BuildID(), b.Release(), buildID, release)
}

// FindModule finds the .ko of a module for a release: the extraDirs
// (searched recursively) first, then /usr/lib/debug/lib/modules/<release>/
// (modules with DWARF), then /lib/modules/<release>/. Names match with
// '-' and '_' equivalent, as modprobe does. A compressed .ko.zst, .ko.gz
// or .ko.xz is returned as found; LoadModule reads the first two and
// explains the third.
func FindModule(name, release string, extraDirs ...string) (string, error) {
	return findModule(name, release, "/", extraDirs)
}

// vmlinuxCandidates lists where a vmlinux with DWARF may be, best first.
func vmlinuxCandidates(buildID, release, root string) []string {
	var c []string
	if len(buildID) > 2 {
		c = append(c, filepath.Join(root, "usr/lib/debug/.build-id", buildID[:2], buildID[2:]+".debug"))
	}
	if release != "" {
		c = append(c,
			filepath.Join(root, "usr/lib/debug/boot", "vmlinux-"+release),
			filepath.Join(root, "usr/lib/debug/lib/modules", release, "vmlinux"),
			filepath.Join(root, "boot", "vmlinux-"+release))
	}
	return c
}

func findVmlinux(buildID, release, root string) (string, error) {
	buildID = strings.ToLower(buildID)
	if buildID == "" && release == "" {
		return "", errors.New("cannot look for a vmlinux: the dump names neither a build-id nor a release; name the vmlinux")
	}
	var tried []string
	for _, p := range vmlinuxCandidates(buildID, release, root) {
		why := vmlinuxMismatch(p, buildID, release)
		if why == "" {
			return p, nil
		}
		tried = append(tried, p+" ("+why+")")
	}
	return "", fmt.Errorf("no vmlinux with debug info for %s; tried %s: install linux-image-%s-dbg (Debian) or name the vmlinux",
		describeKernel(buildID, release), strings.Join(tried, ", "), orUnknown(release))
}

func describeKernel(buildID, release string) string {
	switch {
	case buildID != "" && release != "":
		return "release " + release + " (build-id " + buildID + ")"
	case buildID != "":
		return "build-id " + buildID
	}
	return "release " + release
}

// vmlinuxMismatch says why p is not the wanted vmlinux, or "" if it is.
func vmlinuxMismatch(p, buildID, release string) string {
	ef, err := openELF(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "absent"
		}
		return err.Error()
	}
	defer ef.close()
	if ef.f.Section(".debug_info") == nil {
		return "no debug info"
	}
	if err := checkMatch(p, ef.buildID(), releaseOf(ef.banner()), buildID, release); err != nil {
		return err.Error()
	}
	return ""
}

func checkMatch(path, haveID, haveRel, wantID, wantRel string) error {
	haveID, wantID = strings.ToLower(haveID), strings.ToLower(wantID)
	if wantID != "" && haveID != "" {
		if haveID != wantID {
			return fmt.Errorf("%s does not match the dump: its build-id is %s (release %s), the dump's kernel has build-id %s (release %s)",
				path, haveID, orUnknown(haveRel), wantID, orUnknown(wantRel))
		}
		return nil
	}
	if wantRel != "" && haveRel != "" && haveRel != wantRel {
		return fmt.Errorf("%s does not match the dump: it is release %s, the dump's kernel is %s", path, haveRel, wantRel)
	}
	return nil
}

// maxModuleFiles bounds a directory walk looking for modules.
const maxModuleFiles = 200000

func findModule(name, release, root string, extra []string) (string, error) {
	want := strings.ReplaceAll(name, "-", "_")
	dirs := append([]string(nil), extra...)
	if release != "" {
		dirs = append(dirs, filepath.Join(root, "usr/lib/debug/lib/modules", release), filepath.Join(root, "lib/modules", release))
	}
	for _, dir := range dirs {
		if p, ok := modulesIn(dir)[want]; ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("module %s: no %s.ko in %s: %w", name, want, strings.Join(dirs, ", "), ErrNotFound)
}

// moduleDirs caches, per directory, the module files under it by module
// name: a dump has dozens of modules and each lookup would otherwise walk
// the thousand files of /lib/modules/<release> again.
var moduleDirs sync.Map // dir -> map[string]string

func modulesIn(dir string) map[string]string {
	if m, ok := moduleDirs.Load(dir); ok {
		return m.(map[string]string)
	}
	found := map[string]string{}
	seen := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable parts of the tree are skipped
		}
		if seen++; seen > maxModuleFiles {
			return filepath.SkipAll
		}
		if !d.IsDir() && isModuleFile(d.Name()) {
			if n := moduleName(p); found[n] == "" {
				found[n] = p
			}
		}
		return nil
	})
	moduleDirs.Store(dir, found)
	return found
}

func isModuleFile(base string) bool {
	for _, suf := range []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"} {
		if strings.HasSuffix(base, suf) {
			return true
		}
	}
	return false
}

// Identify reads a kernel image's build-id, release (from its banner) and
// whether it carries DWARF, without building an index: for matching a
// vmlinux to a dump, or explaining why one cannot be used.
func Identify(path string) (buildID, release string, hasDWARF bool, err error) {
	ef, err := openELF(path)
	if err != nil {
		return "", "", false, err
	}
	defer ef.close()
	return ef.buildID(), releaseOf(ef.banner()), ef.f.Section(".debug_info") != nil, nil
}
