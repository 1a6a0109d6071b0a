# kdx: build, fixtures, tests. See README.md; fixtures: docs/fixtures.md.
export PATH := $(PATH):/usr/local/go/bin
GO       ?= go
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
FUZZTIME ?= 20s
# A test that needs a fixture fails instead of skipping when CI is set.
export CI

.PHONY: all build fixtures test demo baselines bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o bin/kdx ./cmd/kdx

# Real dumps of a real Debian kernel under QEMU (root; installs packages),
# the benchmark's 4 GiB guest included.
fixtures:
	$(MAKE) -C testdata/kernel

test: fixtures
	$(GO) vet ./...
	$(GO) test -timeout 40m ./...
	/usr/bin/python3 -m unittest -q scripts/bench/test_bench.py testdata/kernel/test_gen.py

# The fixture directory and kernel, as testdata/kernel/Makefile has them.
DUMPS    := $(or $(KDX_FIXTURES),testdata/dumps)
RELEASE  := $(shell awk -F'"' '/^const Release/ {print $$2}' internal/fixture/fixture.go)

# The browser on the real kdump of the module's panic (q quits); without a
# terminal, the same dump's summary.
DEMO_ARGS = $(DUMPS)/panic/kdump-c31 $(DUMPS)/kernel/vmlinux-$(RELEASE) --mod-path $(DUMPS)/kernel
demo: fixtures build
	./bin/kdx version
	@if [ -t 0 ] && [ -t 1 ]; then ./bin/kdx $(DEMO_ARGS); else ./bin/kdx sys $(DEMO_ARGS); fi

# crash(8) and drgn on every dump: docs/baselines.md. Slow (crash ~9 s a dump).
baselines: fixtures
	scripts/baselines.sh

# kdx, crash(8) and drgn side by side on the 1 GiB leak fixture and the
# 4 GiB guest (both made by fixtures): docs/benchmarks.md. Root.
bench: fixtures build
	scripts/bench/bench.py --doc docs/benchmarks.md --gobench

# Every fuzz target of every package, each for $(FUZZTIME).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

clean:
	rm -rf bin
