package dwarf

import "fmt"

// val is a decoded attribute value. References are made absolute
// (.debug_info offsets); strings are resolved to their bytes in b, with u
// keeping the .debug_str offset for DW_FORM_strp so the indexer can use it
// as a name key.
type val struct {
	form uint16
	u    uint64
	s    int64
	b    []byte
}

// isSigned reports whether the value came from a signed form.
func (v val) int() int64 {
	if v.form == formSdata || v.form == formImplicitConst {
		return v.s
	}
	return int64(v.u)
}

// maxIndirect bounds chains of DW_FORM_indirect on corrupt input.
const maxIndirect = 4

// readVal decodes one attribute value at c.
func (d *debugData) readVal(c *cursor, u *unit, form uint16, ic int64) val {
	for i := 0; form == formIndirect; i++ {
		form = uint16(c.uleb())
		if i >= maxIndirect {
			c.fail()
			return val{}
		}
	}
	v := val{form: form}
	switch form {
	case formAddr:
		v.u = c.uN(int(u.addrSize))
	case formData1, formFlag:
		v.u = uint64(c.u8())
	case formData2:
		v.u = uint64(c.u16())
	case formData4:
		v.u = uint64(c.u32())
	case formData8, formRefSig8:
		v.u = c.u64()
	case formData16:
		v.b = c.bytes(16)
	case formSdata:
		v.s = c.sleb()
		v.u = uint64(v.s)
	case formUdata, formLoclistx, formRnglistx:
		v.u = c.uleb()
	case formImplicitConst:
		v.s = ic
		v.u = uint64(ic)
	case formFlagPresent:
		v.u = 1
	case formRef1:
		v.u = u.off + uint64(c.u8())
	case formRef2:
		v.u = u.off + uint64(c.u16())
	case formRef4:
		v.u = u.off + uint64(c.u32())
	case formRef8:
		v.u = u.off + c.u64()
	case formRefUdata:
		v.u = u.off + c.uleb()
	case formRefAddr:
		if u.version <= 2 {
			v.u = c.uN(int(u.addrSize))
		} else {
			v.u = c.uN(int(u.offSize))
		}
	case formSecOffset, formRefSup4, formRefSup8, formStrpSup, formGNURefAlt, formGNUStrpAlt:
		n := int(u.offSize)
		if form == formRefSup4 {
			n = 4
		} else if form == formRefSup8 {
			n = 8
		}
		v.u = c.uN(n)
	case formString:
		v.b = c.cstr()
	case formStrp:
		v.u = c.uN(int(u.offSize))
		v.b = cstrAt(d.str, v.u)
	case formLineStrp:
		v.u = c.uN(int(u.offSize))
		v.b = cstrAt(d.lineStr, v.u)
	case formStrx, formGNUStrIndex:
		v.b = d.strx(u, c.uleb())
	case formStrx1:
		v.b = d.strx(u, uint64(c.u8()))
	case formStrx2:
		v.b = d.strx(u, uint64(c.u16()))
	case formStrx3:
		v.b = d.strx(u, uint64(c.u24()))
	case formStrx4:
		v.b = d.strx(u, uint64(c.u32()))
	case formAddrx, formGNUAddrIndex:
		v.u = d.addrx(u, c.uleb())
	case formAddrx1:
		v.u = d.addrx(u, uint64(c.u8()))
	case formAddrx2:
		v.u = d.addrx(u, uint64(c.u16()))
	case formAddrx3:
		v.u = d.addrx(u, uint64(c.u24()))
	case formAddrx4:
		v.u = d.addrx(u, uint64(c.u32()))
	case formBlock1:
		v.b = c.bytes(uint64(c.u8()))
	case formBlock2:
		v.b = c.bytes(uint64(c.u16()))
	case formBlock4:
		v.b = c.bytes(uint64(c.u32()))
	case formBlock, formExprloc:
		v.b = c.bytes(c.uleb())
	default:
		c.fail()
		if c.err == errShort {
			c.err = fmt.Errorf("unknown attribute form %#x", form)
		}
	}
	return v
}

// skipVal advances c past one attribute value without decoding it.
func skipVal(c *cursor, u *unit, form uint16) {
	if n := formSize(form, u); n >= 0 {
		c.skip(uint64(n))
		return
	}
	for i := 0; form == formIndirect; i++ {
		form = uint16(c.uleb())
		if i >= maxIndirect {
			c.fail()
			return
		}
		if n := formSize(form, u); n >= 0 {
			c.skip(uint64(n))
			return
		}
	}
	switch form {
	case formSdata, formUdata, formRefUdata, formStrx, formAddrx, formLoclistx, formRnglistx, formGNUAddrIndex, formGNUStrIndex:
		c.uleb()
	case formString:
		c.cstr()
	case formBlock1:
		c.skip(uint64(c.u8()))
	case formBlock2:
		c.skip(uint64(c.u16()))
	case formBlock4:
		c.skip(uint64(c.u32()))
	case formBlock, formExprloc:
		c.skip(c.uleb())
	default:
		c.fail()
		if c.err == errShort {
			c.err = fmt.Errorf("unknown attribute form %#x", form)
		}
	}
}

// strx resolves a DW_FORM_strx index through the unit's contribution to
// .debug_str_offsets (clang's DWARF 5; GCC uses DW_FORM_strp). Without a
// DW_AT_str_offsets_base the first contribution is assumed.
func (d *debugData) strx(u *unit, i uint64) []byte {
	off, ok := indexed(u.strOffBase, i, uint64(u.offSize), len(d.strOff))
	if !ok {
		return nil
	}
	c := cursor{b: d.strOff, pos: int(off)}
	return cstrAt(d.str, c.uN(int(u.offSize)))
}

// addrx resolves a DW_FORM_addrx index through .debug_addr (see strx).
func (d *debugData) addrx(u *unit, i uint64) uint64 {
	off, ok := indexed(u.addrBase, i, uint64(u.addrSize), len(d.addr))
	if !ok {
		return 0
	}
	c := cursor{b: d.addr, pos: int(off)}
	return c.uN(int(u.addrSize))
}

// indexed is the offset of entry i of size n in a table at base (0: the
// first table, after its 8-byte DWARF 5 header), if inside secLen bytes.
func indexed(base, i, n uint64, secLen int) (uint64, bool) {
	if base == 0 {
		base = 8
	}
	if i > uint64(secLen) || base > uint64(secLen) {
		return 0, false
	}
	off := base + i*n
	return off, off+n <= uint64(secLen)
}
