package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kdx-dev/kdx/kernel"
)

// openKernel opens the dump(s) and vmlinux named by a command's positional
// arguments, with the common flags.
func openKernel(pos []string, df *dumpFlags) (*kernel.Kernel, error) {
	dumps, opt, err := kernelOptions(pos, df)
	if err != nil {
		return nil, err
	}
	return kernel.Open(dumps, opt)
}

// kernelOptions are the dump files and the kernel options the arguments
// and flags name.
func kernelOptions(pos []string, df *dumpFlags) ([]string, kernel.Options, error) {
	dumps, vmlinux, err := dumpArgs(pos, looksLikeDump)
	if err != nil {
		return nil, kernel.Options{}, err
	}
	opt := kernel.Options{Vmlinux: vmlinux}
	if df.kaslr != "" {
		off, err := strconv.ParseUint(strings.TrimPrefix(df.kaslr, "0x"), 16, 64)
		if err != nil {
			return nil, opt, fmt.Errorf("--kaslr-offset %q: not a hex number", df.kaslr)
		}
		opt.KASLROffset, opt.HasKASLR = off, true
	}
	if df.modPath != "" {
		opt.ModPaths = filepath.SplitList(df.modPath)
	}
	return dumps, opt, nil
}

// looksLikeDump tells a dump from a vmlinux by the first bytes: a vmlinux
// is an ELF executable (ET_EXEC), a dump is anything else (ELF core,
// kdump, flattened). An unreadable file counts as a dump, so that Open
// reports the error with its name.
func looksLikeDump(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	var h [18]byte
	if n, _ := f.Read(h[:]); n < len(h) {
		return true
	}
	isELF := string(h[:4]) == "\x7fELF"
	etExec := h[16] == 2 && h[17] == 0 // little-endian e_type == ET_EXEC
	return !(isELF && etExec)
}
