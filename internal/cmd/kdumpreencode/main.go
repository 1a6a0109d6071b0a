// Command kdumpreencode rewrites a kdump-compressed dump (plain or
// flattened) with its pages compressed by another codec:
//
//	go run ./internal/cmd/kdumpreencode -c snappy|zstd|zlib|raw IN OUT
//
// Headers, sub-header, notes, VMCOREINFO and both bitmaps are copied
// verbatim; only the header's codec status bits change. A page that does
// not shrink is stored raw, all-zero pages share one stored copy, and a
// page whose descriptor was never written (INCOMPLETE input) stays
// unwritten. OUT is written to a temporary file, checked page by page
// against IN, and renamed into place.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kdx-dev/kdx/internal/kdumptest"
)

func main() {
	codec := flag.String("c", "zstd", "page codec: snappy, zstd, zlib, lzo (stored raw: no Go LZO encoder) or raw")
	verify := flag.Bool("verify", true, "re-read OUT and compare every page with IN before renaming it into place")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: kdumpreencode [-c codec] [-verify=false] IN OUT")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	c, err := kdumptest.ParseCodec(*codec)
	if err == nil {
		err = reencode(flag.Arg(0), flag.Arg(1), c, *verify)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kdumpreencode:", err)
		os.Exit(1)
	}
}
