// Package dwarf reads symbols, types and typed values from a vmlinux and
// kernel modules (.ko).
//
// It owns the ELF symbol tables, the on-disk DWARF name index and the typed
// value API over any memory reader. It reads memory only through its own
// small Reader interface and must not import vmcore or any other kdx
// package.
//
// # Opening a vmlinux
//
// Open maps the file read-only. The first open of a build-id scans
// .debug_info once, in parallel over chunks of compile units read with
// pread into reused buffers (reading 160 MB through the mapping would
// leave it all in the process's RSS), looking only at the children of each
// unit DIE: named structs, unions, enums, typedefs and base types, and
// variables with a static address. Other DIEs are skipped whole, by
// DW_AT_sibling or by form sizes. The same name from a thousand units is
// merged (a definition wins over a declaration) into a sorted index, which
// is written with the sorted symbol tables, the unit headers and the
// banner to $XDG_CACHE_HOME/kdx/vmlinux-<build-id>.idx. Later opens read
// that file and nothing else.
//
// # Types
//
// Type decodes the DIE the index names into delve's godwarf types, on
// first use, and caches it. The decoder is this package's (typedecode.go),
// not godwarf.ReadType: that needs a debug/dwarf.Data, whose constructor
// parses every unit's abbreviations (about 130 MB for Debian's vmlinux),
// and it ignores DW_AT_data_bit_offset, which is how GCC 12 describes every
// bitfield. Bitfields here follow one convention (see typeCache): bits
// counted from the least significant bit of the little-endian bytes at
// ByteOffset.
//
// # Addresses
//
// Symbols and variables are reported at runtime addresses: kernel-image
// addresses (>= 0xffffffff80000000) plus the KASLR offset given to
// SetKASLROffset; per-CPU variables as their offsets in the per-CPU area
// (unshifted, to be added to __per_cpu_offset[cpu]); module symbols at
// the section addresses given to LoadModule.
//
// # Modules
//
// LoadModule reads a .ko (ET_REL), applies its x86-64 relocations to the
// debug sections it uses, places its symbols at the given section
// addresses, and adds it to the Binary: b.Type, b.Variable, b.Symbol,
// b.Lookup and b.LineFor search vmlinux first and then each module.
//
// # Values
//
// A Value is a type, an address, a Reader and an access path. Field,
// Deref, Index and ContainerOf navigate without reading more than the
// pointers they follow; Uint, Int, EnumName, Bool, Pointer, CString and
// Bytes read. Every error is a *PathError naming the path and address.
// Format prints a Value like crash's struct command.
//
// # Corrupt input
//
// Sizes and counts from files are checked before they size allocations or
// slices; loops over DWARF are bounded; debug/elf and debug/dwarf (used for
// ELF headers and line programs) are called behind recover. Fuzz targets
// cover the scanner, the type decoder, symbol tables, relocations and the
// cache file.
package dwarf
