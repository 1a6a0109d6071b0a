package kdumptest

import (
	"bytes"
	"encoding/binary"
	"testing"

	lzo "github.com/anchore/go-lzo"
)

func TestCompressStoresRawWhenNotSmaller(t *testing.T) {
	page := bytes.Repeat([]byte("kdx "), 1024)
	noise := make([]byte, 4096)
	x := uint64(88172645463325252)
	for i := 0; i < len(noise); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(noise[i:], x)
	}
	for _, c := range []Codec{Zlib, Snappy, Zstd} {
		if data, flags := Compress(c, page); flags != c.Flag() || len(data) >= len(page) {
			t.Errorf("%v: compressible page stored with flags 0x%x, %d bytes", c, flags, len(data))
		}
		if data, flags := Compress(c, noise); flags != 0 || !bytes.Equal(data, noise) {
			t.Errorf("%v: random page not stored raw (flags 0x%x)", c, flags)
		}
	}
}

func TestLZOLiteralDecodes(t *testing.T) {
	for _, n := range []int{1, 200, 238, 239, 300, 4096} {
		in := bytes.Repeat([]byte{0xab}, n)
		out := make([]byte, n)
		got, err := lzo.Decompress(LZOLiteral(in), out)
		if err != nil || got != n || !bytes.Equal(out, in) {
			t.Errorf("%d bytes: %d, %v", n, got, err)
		}
	}
}

func TestParseCodec(t *testing.T) {
	for _, s := range []string{"raw", "zlib", "lzo", "snappy", "zstd"} {
		if c, err := ParseCodec(s); err != nil || c.String() != s {
			t.Errorf("%s: %v %v", s, c, err)
		}
	}
	if _, err := ParseCodec("gzip"); err == nil {
		t.Error("gzip accepted")
	}
}
