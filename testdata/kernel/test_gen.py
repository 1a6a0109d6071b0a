#!/usr/bin/python3
"""Tests of the generator's host-side parts (no guest is booted):
python3 -m unittest testdata/kernel/test_gen.py"""
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen  # noqa: E402
import payload  # noqa: E402


def cpio_entries(data):
    """(name, data) of each newc entry up to the trailer, checking alignment."""
    out, off = [], 0
    while True:
        assert off % 4 == 0, off
        assert data[off:off + 6] == b"070701", data[off:off + 6]
        size, namesize = int(data[off + 54:off + 62], 16), int(data[off + 94:off + 102], 16)
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += -off % 4
        if name == "TRAILER!!!":
            return out
        out.append((name, data[off:off + size]))
        off += size + (-size % 4)


class CpioTest(unittest.TestCase):
    def test_newc_entries_are_aligned_and_parse_back(self):
        buf = io.BytesIO()
        c = payload.Cpio(buf)
        c.dir("d")
        c.file("d/x", b"hello")
        c.trailer()
        data = buf.getvalue()
        self.assertEqual(len(data) % 512, 0)
        self.assertEqual(cpio_entries(data), [("d", b""), ("d/x", b"hello")])


class PayloadTest(unittest.TestCase):
    def test_files_and_layout(self):
        buf = io.BytesIO()
        payload.write_payload(buf, 5, 0)
        ents = cpio_entries(buf.getvalue())
        self.assertEqual([n for n, _ in ents[:3]], ["bench", "bench/f", "bench/big"])
        files = ents[3:]
        self.assertEqual([n for n, _ in files], [f"bench/f/{i:06d}" for i in range(5)])
        for i, (_, data) in enumerate(files):
            self.assertEqual(len(data), payload.file_size(i))
            self.assertTrue(512 <= len(data) < 8192)
        self.assertEqual(payload.LIST_DIR, "/" + os.path.dirname(files[0][0]))

    def test_same_options_same_bytes(self):
        a, b = io.BytesIO(), io.BytesIO()
        payload.write_payload(a, 50, 0)
        payload.write_payload(b, 50, 0)
        self.assertEqual(a.getvalue(), b.getvalue())

    def test_appended_after_the_base_at_512(self):
        with tempfile.TemporaryDirectory() as d:
            base, out = os.path.join(d, "base"), os.path.join(d, "out")
            with open(base, "wb") as f:
                f.write(b"\x1f\x8b" + b"x" * 998)
            payload.build_initrd(base, out, 2, 0)
            data = open(out, "rb").read()
        self.assertEqual(data[:1000], b"\x1f\x8b" + b"x" * 998)
        self.assertEqual(data[1000:1024], b"\0" * 24)
        self.assertEqual(len(cpio_entries(data[1024:])), 5)


class FormatsTest(unittest.TestCase):
    def test_all_is_every_format_in_order(self):
        self.assertEqual(gen.parse_formats("all"), list(gen.FORMATS))

    def test_a_subset_comes_back_in_write_order(self):
        self.assertEqual(gen.parse_formats("kdump-c31,proc-vmcore.elf"), ["proc-vmcore.elf", "kdump-c31"])

    def test_unknown_or_empty_is_refused(self):
        for spec in ("elf,kdump-snappy", "", ","):
            with self.subTest(spec=spec), self.assertRaises(ValueError):
                gen.parse_formats(spec)


class FakeQMP:
    def __init__(self):
        self.calls = []

    def cmd(self, name, protocol, detach, **kw):
        self.calls.append(kw)
        with open(protocol.removeprefix("file:"), "wb") as f:
            f.write(b"\0" * 8192)


class LiveDumpsTest(unittest.TestCase):
    def test_only_the_named_formats_are_dumped(self):
        with tempfile.TemporaryDirectory() as d:
            q = FakeQMP()
            gen.live_dumps(q, d, {}, ["elf-virt", "proc-vmcore.elf"])
            self.assertEqual(q.calls, [{"paging": True}])
            self.assertEqual(sorted(os.listdir(d)), ["elf-virt"])

    def test_no_live_format_no_dump(self):
        q = FakeQMP()
        gen.live_dumps(q, "/nonexistent", {}, ["proc-vmcore.elf", "kdump-c31"])
        self.assertEqual(q.calls, [])


if __name__ == "__main__":
    unittest.main()
