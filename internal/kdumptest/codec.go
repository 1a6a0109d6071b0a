package kdumptest

import (
	"bytes"
	"fmt"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Codec is a page compression of kdump-compressed files.
type Codec int

// The codecs, with the header status bit and per-page flag each sets.
const (
	Raw Codec = iota
	Zlib
	LZO
	Snappy
	Zstd
)

// Per-page flags and header status bits (makedumpfile diskdump_mod.h).
const (
	FlagZlib         = 0x1
	FlagLZO          = 0x2
	FlagSnappy       = 0x4
	FlagZstd         = 0x20
	StatusIncomplete = 0x8
	StatusCodecMask  = FlagZlib | FlagLZO | FlagSnappy | FlagZstd
)

// ParseCodec maps "raw", "zlib", "lzo", "snappy", "zstd" to a Codec.
func ParseCodec(s string) (Codec, error) {
	for c, n := range codecNames {
		if n == s {
			return Codec(c), nil
		}
	}
	return 0, fmt.Errorf("unknown codec %q (want raw, zlib, lzo, snappy or zstd)", s)
}

var codecNames = [...]string{"raw", "zlib", "lzo", "snappy", "zstd"}

func (c Codec) String() string {
	if int(c) < len(codecNames) {
		return codecNames[c]
	}
	return fmt.Sprintf("codec(%d)", int(c))
}

// Flag is the per-page flag (and header status bit) of the codec.
func (c Codec) Flag() uint32 {
	return [...]uint32{0, FlagZlib, FlagLZO, FlagSnappy, FlagZstd}[c]
}

var zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(false))

// Compress encodes one page with c. Like makedumpfile it stores the page
// raw (flags 0) when the encoding does not shrink it. Safe for concurrent
// use.
func Compress(c Codec, page []byte) (data []byte, flags uint32) {
	var out []byte
	switch c {
	case Zlib:
		var b bytes.Buffer
		w, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
		w.Write(page)
		w.Close()
		out = b.Bytes()
	case LZO:
		out = LZOLiteral(page)
	case Snappy:
		out = snappy.Encode(nil, page)
	case Zstd:
		out = zstdEnc.EncodeAll(page, nil)
	}
	if c == Raw || len(out) >= len(page) {
		return append([]byte(nil), page...), 0
	}
	return out, c.Flag()
}

// LZOLiteral encodes b as a valid LZO1X stream of one literal run and the
// end marker. It never shrinks anything (so Compress stores LZO pages raw):
// it exists to give the decoder well-formed input in tests, since no LZO
// encoder is available in Go.
func LZOLiteral(b []byte) []byte {
	out := []byte{}
	switch n := len(b); {
	case n == 0:
	case n <= 238:
		out = append(out, byte(n+17))
	default:
		// Long literal: instruction 0, then (n-3-15) as runs of 255 (zero
		// bytes) plus a final byte.
		out = append(out, 0)
		rest := n - 3 - 15
		for rest > 255 {
			out = append(out, 0)
			rest -= 255
		}
		out = append(out, byte(rest))
	}
	out = append(out, b...)
	return append(out, 0x11, 0, 0)
}
