package vmcore

import (
	"cmp"
	"fmt"
	"slices"
)

func (d *Dump) openKdump(m *mapping, src source) error {
	k, err := parseKdump(src)
	if err != nil {
		return err
	}
	d.format = "kdump"
	if k.diskdump {
		d.format = "diskdump"
	}
	if k.split {
		d.warn("%s is one part of a split dump (PFNs 0x%x-0x%x); open all parts together", m.path, k.startPFN, k.endPFN)
	}
	d.kd = k
	d.adoptKdump(k)
	d.mem = newKdumpMem([]*KdumpFile{k}, d.level)
	return nil
}

// adoptKdump takes the dump-wide facts from one kdump file's headers.
func (d *Dump) adoptKdump(k *KdumpFile) {
	d.warnings = append(d.warnings, k.warnings...)
	d.codecs = codecNames(k.status)
	d.pageSize = int(k.blockSize)
	d.incompl = k.status&StatusIncomplete != 0
	if !k.diskdump {
		d.level, d.hasLevel = int(k.dumpLevel), true
		d.physBase, d.hasPB = k.physBase, true
	}
	if d.incompl {
		d.warn("%s: header status INCOMPLETE: pages whose descriptors were never written read as truncated", k.src.name())
	}
	if len(k.info) > 0 {
		d.info = ParseVMCoreInfo(k.info)
	}
	if len(k.notes) > 0 {
		d.parseNotes(k.notes, k.src.name())
	}
	if d.info != nil && k.release != "" && d.info.OSRelease() != "" && k.release != d.info.OSRelease() {
		d.warn("%s: header says release %q, VMCOREINFO says %q", k.src.name(), k.release, d.info.OSRelease())
	}
}

// openSplit opens the parts of a split kdump dump: each must be a kdump
// file with the split flag, the same geometry, and a PFN range disjoint
// from the others.
func (d *Dump) openSplit(paths []string) error {
	var parts []*KdumpFile
	for _, p := range paths {
		if err := exists(p); err != nil {
			return fmt.Errorf("vmcore: split dump part: %w", err)
		}
		m, err := mapFile(p)
		if err != nil {
			return err
		}
		d.maps = append(d.maps, m)
		var src source
		switch detect(m.data) {
		case kindKdump:
			src = rawSource(m)
		case kindFlat:
			if src, err = newFlatSource(m, d.warn); err != nil {
				return err
			}
		default:
			return formatErr(p, 0, "signature", "a split dump part must be kdump-compressed", printable(m.data, 16))
		}
		k, err := parseKdump(src)
		if err != nil {
			return err
		}
		parts = append(parts, k)
	}
	slices.SortFunc(parts, func(a, b *KdumpFile) int { return cmp.Compare(a.startPFN, b.startPFN) })
	if err := checkSplit(parts); err != nil {
		return err
	}
	d.format = "split kdump"
	d.adoptKdump(parts[0])
	next := uint64(0)
	for _, k := range parts {
		if k.startPFN > next {
			d.warn("split dump: no part holds PFNs 0x%x-0x%x (a part is missing?)", next, k.startPFN)
		}
		next = k.endPFN
	}
	if next < parts[0].maxMapnr {
		d.warn("split dump: no part holds PFNs 0x%x-0x%x (a part is missing?)", next, parts[0].maxMapnr)
	}
	for _, k := range parts[1:] {
		d.warnings = append(d.warnings, k.warnings...)
	}
	d.mem = newKdumpMem(parts, d.level)
	return nil
}

func checkSplit(parts []*KdumpFile) error {
	first := parts[0]
	for i, k := range parts {
		name := k.src.name()
		if !k.split {
			return formatErr(name, first.blockSize+ksSplit, "split", "file is not part of a split dump", 0)
		}
		if k.blockSize != first.blockSize || k.maxMapnr != first.maxMapnr {
			return formatErr(name, khBlockSize, "block_size/max_mapnr", "differs from "+first.src.name(), nil)
		}
		if i > 0 && k.startPFN < parts[i-1].endPFN {
			return formatErr(name, first.blockSize+ksStartPFN, "start_pfn", fmt.Sprintf("PFN range overlaps %s", parts[i-1].src.name()), k.startPFN)
		}
	}
	return nil
}
