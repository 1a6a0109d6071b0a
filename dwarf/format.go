package dwarf

import "fmt"

// FormatOptions control Format.
type FormatOptions struct {
	Offsets   bool       // prefix each member with its offset, like crash's struct -o
	MaxDepth  int        // nested structs deeper than this print as {...}; 0 means 8
	MaxArray  int        // array elements shown before "..."; 0 means 32
	MaxString int        // bytes of a char array or string shown; 0 means 256
	Symbolize Symbolizer // annotates pointers with their symbol, if set
	Deref     bool       // follow char pointers to print the string they point at
}

// Format prints a Value like crash's struct command: nested structs,
// unions and arrays, one member per line, with offsets on request,
// pointers annotated with their symbol, and char arrays as escaped
// strings. Unreadable members print their error in place; the error
// returned is only for a Value that cannot be printed at all.
func Format(v Value, opts FormatOptions) (string, error) {
	return "", fmt.Errorf("Format: %w", errTODO)
}
