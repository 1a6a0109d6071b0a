package vmcore

import (
	"fmt"
	"runtime/debug"
)

// A mapped dump whose file shrinks while open (another process truncates
// it, a network file system loses it) makes the next access to the lost
// pages fault with SIGBUS. Readers run with debug.SetPanicOnFault so that
// the fault becomes a panic they recover here as an ErrTruncated error,
// instead of killing the program.

// faultsAsPanics turns faults into panics for the calling goroutine; the
// result restores the previous setting: defer restoreFaults(faultsAsPanics()).
func faultsAsPanics() bool { return debug.SetPanicOnFault(true) }

func restoreFaults(old bool) { debug.SetPanicOnFault(old) }

// catchFault, deferred, converts a memory fault into an error; any other
// panic (a bug) propagates.
func catchFault(file string, addr uint64, err *error) {
	r := recover()
	if r == nil {
		return
	}
	f, ok := r.(interface{ Addr() uintptr })
	if !ok {
		panic(r)
	}
	*err = &ReadError{Kind: ErrTruncated, File: file, Addr: addr, Offset: -1, DumpLevel: -1,
		Detail: fmt.Sprintf("memory fault at 0x%x reading the mapped file: it shrank while open", f.Addr())}
}
