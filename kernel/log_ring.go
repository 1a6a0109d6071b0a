package kernel

import (
	"encoding/binary"
	"fmt"

	"github.com/kdx-dev/kdx/dwarf"
	"github.com/kdx-dev/kdx/vmcore"
)

// ringLayout says where the fields of the printk ring buffer are. It comes
// from DWARF once the vmlinux is loaded, or from VMCOREINFO, which carries
// these offsets for makedumpfile (kernel/printk/printk.c,
// log_buf_vmcoreinfo_setup), so the log can be read before the vmlinux is.
type ringLayout struct {
	descRing, textRing                      uint64 // in struct printk_ringbuffer
	countBits, descs, infos, headID, tailID uint64 // in struct prb_desc_ring
	sizeBits, data                          uint64 // in struct prb_data_ring
	counter                                 uint64 // atomic_long_t.counter
	descSize, stateVar, textLpos            uint64 // struct prb_desc
	lposBegin, lposNext                     uint64 // struct prb_data_blk_lpos
	infoSize, seq, tsNsec, textLen, caller  uint64 // struct printk_info
	blockHdr                                uint64 // offsetof(struct prb_data_block, data)

	// levels decodes printk_info's level and facility, which are
	// bitfields VMCOREINFO does not describe; nil means unknown (-1).
	levels func(info []byte) (level, facility int)
}

// ringLayoutFromInfo reads the layout from VMCOREINFO. The data block
// header is the block's id, an unsigned long (struct prb_data_block), as
// makedumpfile also assumes.
func ringLayoutFromInfo(vi *vmcore.VMCoreInfo) (*ringLayout, error) {
	L := &ringLayout{blockHdr: 8}
	var missing []string
	for _, f := range []struct {
		dst  *uint64
		key  string
		size bool
	}{
		{&L.descRing, "printk_ringbuffer.desc_ring", false}, {&L.textRing, "printk_ringbuffer.text_data_ring", false},
		{&L.countBits, "prb_desc_ring.count_bits", false}, {&L.descs, "prb_desc_ring.descs", false},
		{&L.infos, "prb_desc_ring.infos", false}, {&L.headID, "prb_desc_ring.head_id", false},
		{&L.tailID, "prb_desc_ring.tail_id", false}, {&L.sizeBits, "prb_data_ring.size_bits", false},
		{&L.data, "prb_data_ring.data", false}, {&L.counter, "atomic_long_t.counter", false},
		{&L.descSize, "prb_desc", true}, {&L.stateVar, "prb_desc.state_var", false},
		{&L.textLpos, "prb_desc.text_blk_lpos", false}, {&L.lposBegin, "prb_data_blk_lpos.begin", false},
		{&L.lposNext, "prb_data_blk_lpos.next", false}, {&L.infoSize, "printk_info", true},
		{&L.seq, "printk_info.seq", false}, {&L.tsNsec, "printk_info.ts_nsec", false},
		{&L.textLen, "printk_info.text_len", false}, {&L.caller, "printk_info.caller_id", false},
	} {
		var ok bool
		if f.size {
			*f.dst, ok = vi.Size(f.key)
		} else {
			*f.dst, ok = vi.Offset(f.key)
		}
		if !ok {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("VMCOREINFO lacks the printk ring layout (%d entries missing, first %s)", len(missing), missing[0])
	}
	return L, nil
}

// ringLayoutFromDWARF reads the layout from the vmlinux's types.
func (k *Kernel) ringLayoutFromDWARF() (*ringLayout, error) {
	L := &ringLayout{}
	b := k.Bin
	for _, f := range []struct {
		dst        *uint64
		typ, field string
	}{
		{&L.descRing, "struct printk_ringbuffer", "desc_ring"}, {&L.textRing, "struct printk_ringbuffer", "text_data_ring"},
		{&L.countBits, "struct prb_desc_ring", "count_bits"}, {&L.descs, "struct prb_desc_ring", "descs"},
		{&L.infos, "struct prb_desc_ring", "infos"}, {&L.headID, "struct prb_desc_ring", "head_id"},
		{&L.tailID, "struct prb_desc_ring", "tail_id"}, {&L.sizeBits, "struct prb_data_ring", "size_bits"},
		{&L.data, "struct prb_data_ring", "data"}, {&L.counter, "atomic_long_t", "counter"},
		{&L.stateVar, "struct prb_desc", "state_var"}, {&L.textLpos, "struct prb_desc", "text_blk_lpos"},
		{&L.lposBegin, "struct prb_data_blk_lpos", "begin"}, {&L.lposNext, "struct prb_data_blk_lpos", "next"},
		{&L.seq, "struct printk_info", "seq"}, {&L.tsNsec, "struct printk_info", "ts_nsec"},
		{&L.textLen, "struct printk_info", "text_len"}, {&L.caller, "struct printk_info", "caller_id"},
		{&L.blockHdr, "struct prb_data_block", "data"},
	} {
		off, err := b.FieldOffset(f.typ, f.field)
		if err != nil {
			return nil, err
		}
		*f.dst = off
	}
	descT, err := k.Type("struct prb_desc")
	if err != nil {
		return nil, err
	}
	infoT, err := k.Type("struct printk_info")
	if err != nil {
		return nil, err
	}
	L.descSize, L.infoSize = uint64(descT.Size()), uint64(infoT.Size())
	L.levels = func(info []byte) (int, int) {
		v := dwarf.NewValue(infoT, 0, bytesReader(info), "printk_info")
		lvl, err1 := uintField(v, "level")
		fac, err2 := uintField(v, "facility")
		if err1 != nil || err2 != nil {
			return -1, -1
		}
		return int(lvl), int(fac)
	}
	return L, nil
}

// readRing reads the ring whose struct printk_ringbuffer is at rbAddr in
// three bulk reads (descriptors, infos, text), through read.
func readRing(L *ringLayout, rbAddr uint64, read func(addr uint64, n int) ([]byte, error)) (*ring, error) {
	hdrLen := max(L.descRing, L.textRing) + 64 // both rings' heads
	rb, err := read(rbAddr, int(hdrLen))
	if err != nil {
		return nil, fmt.Errorf("printk_ringbuffer at %#x: %w", rbAddr, err)
	}
	u32 := func(off uint64) uint64 { return uint64(binary.LittleEndian.Uint32(rb[off:])) }
	u64 := func(off uint64) uint64 { return binary.LittleEndian.Uint64(rb[off:]) }
	dr, tr := L.descRing, L.textRing
	if max(dr+L.countBits+4, dr+L.descs+8, dr+L.infos+8, dr+L.headID+L.counter+8, dr+L.tailID+L.counter+8,
		tr+L.sizeBits+4, tr+L.data+8) > hdrLen {
		return nil, fmt.Errorf("printk ring layout out of range (offsets %d, %d)", dr, tr)
	}
	cbits, sbits := u32(dr+L.countBits), u32(tr+L.sizeBits)
	if cbits > maxRingBits || sbits > maxRingBits+6 {
		return nil, fmt.Errorf("ring size out of range: count_bits %d, size_bits %d", cbits, sbits)
	}
	if L.descSize == 0 || L.infoSize == 0 || L.descSize > 256 || L.infoSize > 512 {
		return nil, fmt.Errorf("implausible printk record sizes: prb_desc %d, printk_info %d", L.descSize, L.infoSize)
	}
	r := &ring{L: L, count: 1 << cbits, tail: u64(dr + L.tailID + L.counter), head: u64(dr + L.headID + L.counter)}
	for _, a := range []struct {
		dst  *[]byte
		what string
		ptr  uint64
		n    uint64
	}{
		{(*[]byte)(&r.descs), "desc_ring.descs", u64(dr + L.descs), r.count * L.descSize},
		{(*[]byte)(&r.infos), "desc_ring.infos", u64(dr + L.infos), r.count * L.infoSize},
		{&r.data, "text_data_ring.data", u64(tr + L.data), 1 << sbits},
	} {
		if *a.dst, err = read(a.ptr, int(a.n)); err != nil {
			return nil, fmt.Errorf("%s at %#x: %w", a.what, a.ptr, err)
		}
	}
	return r, nil
}
