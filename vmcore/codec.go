package vmcore

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	lzo "github.com/anchore/go-lzo"
	"github.com/golang/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// decodePage decodes one stored page into dst (len(dst) is the page size)
// according to its descriptor flags.
func decodePage(dst, src []byte, flags uint32) error {
	switch flags {
	case 0:
		if len(src) != len(dst) {
			return fmt.Errorf("raw page stored with size %d, page size %d", len(src), len(dst))
		}
		copy(dst, src)
		return nil
	case FlagZlib:
		return decodeZlib(dst, src)
	case FlagLZO:
		n, err := lzo.Decompress(src, dst)
		return checkLen("lzo", n, len(dst), err)
	case FlagSnappy:
		n, err := snappy.DecodedLen(src)
		if err != nil {
			return fmt.Errorf("snappy: %w", err)
		}
		if n != len(dst) {
			return fmt.Errorf("snappy: decodes to %d bytes, page size %d", n, len(dst))
		}
		_, err = snappy.Decode(dst, src)
		if err != nil {
			return fmt.Errorf("snappy: %w", err)
		}
		return nil
	case FlagZstd:
		return decodeZstd(dst, src)
	}
	return fmt.Errorf("unknown page flags 0x%x", flags)
}

func checkLen(codec string, n, want int, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", codec, err)
	}
	if n != want {
		return fmt.Errorf("%s: decodes to %d bytes, page size %d", codec, n, want)
	}
	return nil
}

type zlibDec struct {
	r   io.ReadCloser
	src bytes.Reader
}

var zlibPool sync.Pool

func decodeZlib(dst, src []byte) error {
	z, _ := zlibPool.Get().(*zlibDec)
	if z == nil {
		z = &zlibDec{}
	}
	defer zlibPool.Put(z)
	z.src.Reset(src)
	var err error
	if z.r == nil {
		z.r, err = zlib.NewReader(&z.src)
	} else {
		err = z.r.(zlib.Resetter).Reset(&z.src, nil)
	}
	if err != nil {
		z.r = nil
		return fmt.Errorf("zlib: %w", err)
	}
	n, err := io.ReadFull(z.r, dst)
	if err != nil {
		return fmt.Errorf("zlib: %d of %d bytes: %w", n, len(dst), err)
	}
	var one [1]byte
	if m, _ := z.r.Read(one[:]); m != 0 {
		return fmt.Errorf("zlib: decodes to more than the page size %d", len(dst))
	}
	return nil
}

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

func decodeZstd(dst, src []byte) error {
	zstdOnce.Do(func() {
		zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxBlockSize*2), zstd.WithDecoderMaxWindow(maxBlockSize*2))
	})
	if zstdErr != nil {
		return fmt.Errorf("zstd: %w", zstdErr)
	}
	out, err := zstdDec.DecodeAll(src, dst[:0:len(dst)])
	if err != nil {
		return fmt.Errorf("zstd: %w", err)
	}
	if len(out) != len(dst) {
		return fmt.Errorf("zstd: decodes to %d bytes, page size %d", len(out), len(dst))
	}
	if &out[0] != &dst[0] {
		copy(dst, out)
	}
	return nil
}
