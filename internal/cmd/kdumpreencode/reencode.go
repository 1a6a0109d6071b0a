package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/kdx-dev/kdx/internal/kdumptest"
	"github.com/kdx-dev/kdx/vmcore"
)

func reencode(in, out string, c kdumptest.Codec, verify bool) error {
	d, err := vmcore.Open(in)
	if err != nil {
		return err
	}
	defer d.Close()
	k := d.Kdump()
	if k == nil {
		return fmt.Errorf("%s: a %s dump, not kdump-compressed", in, d.Format())
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := write(tmp, k, c); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if verify {
		if err := compare(d, tmp.Name()); err != nil {
			return fmt.Errorf("verification of the re-encoded file failed: %w", err)
		}
	}
	return os.Rename(tmp.Name(), out)
}

// write copies the headers with the new codec bits, then the pages in
// descriptor order, compressed in parallel a batch at a time.
func write(f *os.File, k *vmcore.KdumpFile, c kdumptest.Codec) error {
	prefix, err := k.HeaderBytes()
	if err != nil {
		return err
	}
	status := k.Status()&^kdumptest.StatusCodecMask | c.Flag()
	binary.LittleEndian.PutUint32(prefix[vmcore.StatusOffset:], status)
	w, err := kdumptest.NewWriter(f, prefix, k.BlockSize(), k.NumPages(), c)
	if err != nil {
		return err
	}
	var batch []uint64
	var unwritten bool
	flush := func() error {
		res := encodeBatch(k, batch, c)
		batch = batch[:0]
		for _, r := range res {
			switch {
			case errors.Is(r.err, vmcore.ErrTruncated):
				unwritten = true
				err = w.AddUnwritten()
			case r.err != nil:
				return r.err
			default:
				err = w.AddStored(r.data, r.flags, r.desc.PageFlags, r.zero)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	err = k.ForEachDumped(func(pfn, idx uint64) error {
		batch = append(batch, pfn, idx)
		if len(batch) == 2*4096 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil && unwritten && status&kdumptest.StatusIncomplete == 0 {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], status|kdumptest.StatusIncomplete)
		_, err = f.WriteAt(b[:], vmcore.StatusOffset)
	}
	return err
}

type encoded struct {
	data  []byte
	flags uint32
	desc  vmcore.PageDesc
	zero  bool
	err   error
}

// encodeBatch decodes and re-encodes the pages of batch (pairs of PFN and
// descriptor index) on all cores, results in batch order.
func encodeBatch(k *vmcore.KdumpFile, batch []uint64, c kdumptest.Codec) []encoded {
	res := make([]encoded, len(batch)/2)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			page := make([]byte, k.BlockSize())
			for i := w; i < len(res); i += workers {
				res[i] = encodeOne(k, batch[2*i], batch[2*i+1], page, c)
			}
		}(w)
	}
	wg.Wait()
	return res
}

func encodeOne(k *vmcore.KdumpFile, pfn, idx uint64, page []byte, c kdumptest.Codec) encoded {
	desc, err := k.Descriptor(idx)
	if err != nil {
		return encoded{err: err}
	}
	if err := k.ReadPage(pfn, page); err != nil {
		return encoded{err: err, desc: desc}
	}
	data, flags := kdumptest.Compress(c, page)
	return encoded{data: data, flags: flags, desc: desc, zero: isZero(page)}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// compare checks that every page of the original reads the same (or fails
// the same way) in the new file.
func compare(orig *vmcore.Dump, path string) error {
	d, err := vmcore.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	a, b := orig.Kdump(), d.Kdump()
	if a.NumPages() != b.NumPages() {
		return fmt.Errorf("%d pages, original has %d", b.NumPages(), a.NumPages())
	}
	pa, pb := make([]byte, a.BlockSize()), make([]byte, b.BlockSize())
	return a.ForEachDumped(func(pfn, _ uint64) error {
		ea, eb := a.ReadPage(pfn, pa), b.ReadPage(pfn, pb)
		if (ea == nil) != (eb == nil) {
			return fmt.Errorf("PFN 0x%x: original error %v, new error %v", pfn, ea, eb)
		}
		if ea == nil && !bytes.Equal(pa, pb) {
			return fmt.Errorf("PFN 0x%x: contents differ", pfn)
		}
		return nil
	})
}
