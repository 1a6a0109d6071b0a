package dwarf

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// maxModuleSize caps a .ko (after decompression); the largest in-tree
// modules with DWARF are tens of MB.
const maxModuleSize = 1 << 30

func loadModule(path string, sectionAddrs map[string]uint64) (*Module, error) {
	data, err := readModuleFile(path)
	if err != nil {
		return nil, err
	}
	return loadModuleData(path, data, sectionAddrs)
}

// loadModuleData loads a module from its bytes (path names it in errors).
func loadModuleData(path string, data []byte, sectionAddrs map[string]uint64) (m *Module, err error) {
	ef, err := newELF(path, data)
	if err != nil {
		return nil, err
	}
	if ef.f.Type != elf.ET_REL {
		return nil, fmt.Errorf("%s: not a kernel module (ELF type %v, want ET_REL)", path, ef.f.Type)
	}
	if ef.f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%s: machine %v: only x86-64 relocations are supported", path, ef.f.Machine)
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, recovered(fmt.Sprintf("%s: malformed module", path), r)
		}
	}()
	addrs := sectionAddresses(ef.f, sectionAddrs)
	m = &Module{name: moduleName(path), path: path, buildID: ef.buildID()}
	if m.syms, err = readSymtabAt(ef, addrs); err != nil {
		return nil, err
	}
	if m.dd, err = moduleDebug(ef, addrs); err != nil {
		return nil, err
	}
	if m.dd == nil {
		return m, nil
	}
	m.types.init(m.dd)
	if m.ix, err = buildIndex(m.dd); err != nil {
		return nil, err
	}
	m.types.ix = m.ix
	return m, nil
}

// readModuleFile reads a .ko, decompressing .ko.zst and .ko.gz.
func readModuleFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	switch {
	case strings.HasSuffix(path, ".zst"):
		d, err := zstd.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer d.Close()
		r = d
	case strings.HasSuffix(path, ".gz"):
		g, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = g
	case strings.HasSuffix(path, ".xz"):
		return nil, fmt.Errorf("%s: xz-compressed modules are not supported: decompress it (unxz -k) and name the .ko", path)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxModuleSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxModuleSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxModuleSize)
	}
	return data, nil
}

// moduleName is the module name the kernel uses: the file name without
// .ko and compression suffix, with '-' as '_'.
func moduleName(path string) string {
	base := filepath.Base(path)
	if i := strings.Index(base, ".ko"); i > 0 {
		base = base[:i]
	}
	return strings.ReplaceAll(base, "-", "_")
}

// sectionAddresses gives each section index its runtime address: the
// caller's map for allocated sections (0 when the kernel did not load
// them), 0 for the rest (debug sections relocate against offset 0).
func sectionAddresses(f *elf.File, byName map[string]uint64) []uint64 {
	addrs := make([]uint64, len(f.Sections))
	for i, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 {
			addrs[i] = byName[s.Name]
		}
	}
	return addrs
}

// moduleDebug copies the DWARF sections the index and type decoder use
// to the heap and applies their relocations; nil when there is no DWARF.
func moduleDebug(ef *elfFile, addrs []uint64) (*debugData, error) {
	d := &debugData{name: ef.path}
	for _, s := range []struct {
		name string
		dst  *[]byte
	}{
		{".debug_info", &d.info}, {".debug_abbrev", &d.abbrev}, {".debug_str", &d.str},
		{".debug_line_str", &d.lineStr}, {".debug_str_offsets", &d.strOff}, {".debug_addr", &d.addr},
		{".debug_line", &d.line}, {".debug_aranges", &d.aranges},
	} {
		sec := ef.f.Section(s.name)
		if sec == nil {
			continue
		}
		b, err := ef.sectionData(sec)
		if err != nil {
			return nil, err
		}
		b = bytes.Clone(b)
		if err := relocate(ef, sec, b, addrs); err != nil {
			return nil, err
		}
		*s.dst = b
	}
	if len(d.info) == 0 {
		return nil, nil
	}
	return d, nil
}
