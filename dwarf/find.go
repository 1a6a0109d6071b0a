package dwarf

import "fmt"

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
// '-' and '_' equivalent, as modprobe does. A compressed .ko.xz or .ko.zst
// is returned as found; LoadModule decompresses it.
func FindModule(name, release string, extraDirs ...string) (string, error) {
	return findModule(name, release, "/", extraDirs)
}

func findVmlinux(buildID, release, root string) (string, error) {
	return "", fmt.Errorf("FindVmlinux: %w", errTODO)
}

func checkMatch(path, haveID, haveRel, wantID, wantRel string) error {
	return fmt.Errorf("CheckMatch: %w", errTODO)
}

func findModule(name, release, root string, extra []string) (string, error) {
	return "", fmt.Errorf("FindModule: %w", errTODO)
}
