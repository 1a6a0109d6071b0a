#!/usr/bin/python3
"""Make testdata/dumps/big: the benchmark's larger dump, through gen.py.

The fixture generator boots a 1 GiB guest whose memory is almost all zeros;
a benchmark on that measures how fast a tool skips zeros. This wrapper asks
gen.py for a bigger guest (--mem, default 4 GiB) of the leak scenario
(300,000 kmalloc-256 objects) and fills it with memory actually in use,
without editing the generator: it appends an uncompressed cpio archive to a
copy of the fixture initramfs (the kernel unpacks concatenated archives), so
the guest's rootfs (tmpfs) holds

  /bench/f/NNNNNN   --files small files (default 100,000): ~100k dentries and
                    shmem inodes in slab caches, and one directory whose
                    dentry d_subdirs list has exactly --files entries (the
                    benchmark's ~100k-entry list walk);
  /bench/big/N      --big-mib MiB (default 640) of page cache, half random
                    and half text, so the dump does not compress to nothing.

The initrd's own pages are freed after unpacking and keep their bytes, as
freed memory does on a real machine. gen.py writes the scenario into a
private output directory (it names directories by scenario); the result is
moved to OUT/big. Nothing of the generator is changed.

usage: scripts/bench/bigdump.py [--out testdata/dumps] [--mem 4096M]
                                [--files 100000] [--big-mib 640] [--force]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
GEN = os.path.join(ROOT, "testdata", "kernel", "gen.py")
SCENARIO = "leak"


def release():
    """The kernel pin, from internal/fixture (gen.py needs it spelled out)."""
    with open(os.path.join(ROOT, "internal", "fixture", "fixture.go")) as f:
        for line in f:
            if line.startswith("const Release"):
                return line.split('"')[1]
    raise RuntimeError("internal/fixture/fixture.go: no `const Release`")


class Cpio:
    """A writer of the newc cpio format the kernel's initramfs unpacker reads."""

    def __init__(self, f):
        self.f, self.ino, self.off = f, 1000, 0

    def _pad(self):
        n = -self.off % 4
        self.f.write(b"\0" * n)
        self.off += n

    def _put(self, b):
        self.f.write(b)
        self.off += len(b)

    def entry(self, name, mode, data=b""):
        self.ino += 1
        fields = [self.ino, mode, 0, 0, 2 if mode & 0o040000 else 1, 0,
                  len(data), 0, 0, 0, 0, len(name) + 1, 0]
        self._put(b"070701" + b"".join(b"%08X" % v for v in fields))
        self._put(name.encode() + b"\0")
        self._pad()
        self._put(data)
        self._pad()

    def dir(self, name):
        self.entry(name, 0o040755)

    def file(self, name, data):
        self.entry(name, 0o100644, data)

    def trailer(self):
        self.entry("TRAILER!!!", 0)
        self._put(b"\0" * (-self.off % 512))


def text_pool(rng, size):
    """Compressible bytes that look like logs: words, numbers, newlines."""
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
             for _ in range(4096)]
    out, n = [], 0
    while n < size:
        line = b" ".join(rng.choice(words) for _ in range(rng.randint(4, 14)))
        line += b" %d\n" % rng.getrandbits(32)
        out.append(line)
        n += len(line)
    return b"".join(out)[:size]


def write_payload(path, files, big_mib):
    """The extra archive: many small files and a few big ones."""
    rng = random.Random(8)  # fixed seed: the same bytes on every run
    pool = text_pool(rng, 8 << 20)
    with open(path, "wb") as f:
        c = Cpio(f)
        for d in ("bench", "bench/f", "bench/big"):
            c.dir(d)
        for i in range(files):
            size = 512 + (i * 2654435761) % 7680  # 0.5..8 KiB, spread evenly
            at = (i * 40503) % (len(pool) - size)
            c.file(f"bench/f/{i:06d}", pool[at:at + size])
        chunk = 64 << 20
        for i in range(big_mib * (1 << 20) // chunk):
            data = os.urandom(chunk) if i % 2 == 0 else (pool * (chunk // len(pool) + 1))[:chunk]
            c.file(f"bench/big/{i}", data)
        c.trailer()


def build_kdir(src, dst, files, big_mib):
    """dst/kernel: gen.py's inputs, with the payload appended to the initramfs."""
    os.makedirs(dst)
    for name in ("accel",):
        if os.path.exists(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), dst)
    initrd = os.path.join(dst, "initramfs.cpio.gz")
    payload = initrd + ".payload"
    write_payload(payload, files, big_mib)
    with open(initrd, "wb") as out:
        with open(os.path.join(src, "initramfs.cpio.gz"), "rb") as f:
            shutil.copyfileobj(f, out)
        # The unpacker skips zero bytes between archives; keep the next
        # header 4-byte aligned as it requires.
        out.write(b"\0" * (-out.tell() % 512))
        with open(payload, "rb") as f:
            shutil.copyfileobj(f, out, 16 << 20)
    os.unlink(payload)
    return os.path.getsize(initrd)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(ROOT, "testdata", "dumps"))
    p.add_argument("--mem", default="4096M")
    p.add_argument("--files", type=int, default=100000)
    p.add_argument("--big-mib", type=int, default=640)
    p.add_argument("--force", action="store_true")
    args = p.parse_args()
    final = os.path.join(args.out, "big")
    if os.path.exists(os.path.join(final, "truth.json")) and not args.force:
        print(f"bigdump: {final} exists (--force to rebuild)")
        return
    kdir = os.path.join(args.out, "kernel")
    if not os.path.exists(os.path.join(kdir, "initramfs.cpio.gz")):
        sys.exit(f"bigdump: {kdir}/initramfs.cpio.gz missing: run `make fixtures` first")
    work = os.path.join(args.out, "big.work")
    shutil.rmtree(work, ignore_errors=True)
    t = time.time()
    size = build_kdir(kdir, os.path.join(work, "kernel"), args.files, args.big_mib)
    print(f"bigdump: initramfs {size >> 20} MiB in {time.time() - t:.0f} s", flush=True)
    # Enough crash kernel for makedumpfile's bitmaps over the larger memory.
    subprocess.run([sys.executable, GEN, "--scenario", SCENARIO, "--out", work,
                    "--release", release(), "--mem", args.mem, "--crashkernel", "256M",
                    "--timeout", "1200"], check=True)
    with open(os.path.join(work, SCENARIO, "bench.json"), "w") as f:
        json.dump({"scenario": SCENARIO, "mem": args.mem, "files": args.files,
                   "list_dir": "/bench/f", "big_mib": args.big_mib}, f, indent=1)
        f.write("\n")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(os.path.join(work, SCENARIO), final)
    shutil.rmtree(work)
    print(f"bigdump: wrote {final} in {time.time() - t:.0f} s")


if __name__ == "__main__":
    main()
