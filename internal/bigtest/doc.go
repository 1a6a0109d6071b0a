// Package bigtest checks the benchmark's 4 GiB fixture guest, $KDX_FIXTURES/big
// (testdata/kernel/Makefile, gen.py --name big), against what the generator
// says it planted in its truth.json and bench.json, so that the benchmark
// never times kdx on a dump nobody has looked at. It has only tests.
package bigtest
