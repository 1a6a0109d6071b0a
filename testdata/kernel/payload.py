"""Memory in use for a fixture guest: an uncompressed cpio archive that
gen.py appends to a copy of the fixture initramfs (--payload-files,
--payload-mib). The kernel unpacks concatenated archives into the guest's
tmpfs rootfs, which then holds

  /bench/f/NNNNNN   FILES small files (0.5-8 KiB of text each): FILES
                    dentries and shmem inodes in slab caches, and one
                    directory whose dentry d_subdirs list has exactly FILES
                    entries (the benchmark's long list walk);
  /bench/big/N      MIB MiB of page cache in 64 MiB files, alternately
                    random and text, so that a dump does not compress to
                    nothing.

The initrd's own pages are freed after unpacking and keep their bytes, as
freed memory does on a real machine. Every byte comes from fixed seeds: the
same options give the same archive.
"""
import os
import random
import shutil

LIST_DIR = "/bench/f"  # the directory whose d_subdirs list has FILES entries
CHUNK = 64 << 20       # size of one /bench/big file


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


def file_size(i):
    """Size of /bench/f/i: 0.5..8 KiB, spread evenly."""
    return 512 + (i * 2654435761) % 7680


def write_payload(f, files, mib):
    """The archive: files small files and mib MiB in big ones."""
    rng = random.Random(8)
    pool = text_pool(rng, 8 << 20)
    text = (pool * (CHUNK // len(pool) + 1))[:CHUNK]
    c = Cpio(f)
    for d in ("bench", "bench/f", "bench/big"):
        c.dir(d)
    for i in range(files):
        size = file_size(i)
        at = (i * 40503) % (len(pool) - size)
        c.file(f"bench/f/{i:06d}", pool[at:at + size])
    for i in range(mib * (1 << 20) // CHUNK):
        c.file(f"bench/big/{i}", rng.randbytes(CHUNK) if i % 2 == 0 else text)
    c.trailer()


def build_initrd(base, dst, files, mib):
    """dst: the initramfs base with the payload appended; returns its size."""
    with open(dst, "wb") as out:
        with open(base, "rb") as f:
            shutil.copyfileobj(f, out)
        # The unpacker skips zero bytes between archives; keep the next
        # header aligned as it requires.
        out.write(b"\0" * (-out.tell() % 512))
        write_payload(out, files, mib)
    return os.path.getsize(dst)
