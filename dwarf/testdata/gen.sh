#!/bin/sh
# Regenerates tiny.o, the small ET_REL object with DWARF 5 the dwarf
# package's tests and fuzz seeds use (it relocates like a .ko).
set -e
cd "$(dirname "$0")"
gcc -g -gdwarf-5 -O0 -fno-pic -mcmodel=kernel -c tiny.c -o tiny.o
# The same with SHF_COMPRESSED debug sections.
objcopy --compress-debug-sections=zlib tiny.o tiny-zlib.o
