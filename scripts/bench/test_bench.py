#!/usr/bin/python3
"""Tests of the harness's pure parts: python3 -m unittest scripts/bench/test_bench.py"""
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dumpinfo  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402


def run(wall, rss_kb=1024, rc=0, timed_out=False):
    return {"wall": wall, "rss_kb": rss_kb, "rc": rc, "lines": 1, "timed_out": timed_out}


class StatsTest(unittest.TestCase):
    def test_failed_and_timed_out_runs_are_left_out(self):
        st = report.stats([run(3.0), run(1.0), run(9.0, rc=2), run(0.5, timed_out=True)], (0, 1))
        self.assertEqual((st["n"], st["failed"], st["min"], st["median"]), (2, 2, 1.0, 2.0))

    def test_no_successful_run(self):
        self.assertIsNone(report.stats([run(1.0, rc=2)], (0,)))


class TargetTest(unittest.TestCase):
    def row(self, task, k, c, d, rss=(50, 400, 200)):
        mk = lambda t, r: {"median": t, "rss_mb": r, "min": t, "n": 1}
        return {"task": task, "runs": {}, "mem_bytes": 4e9, "timeout": 60,
                "kdx": mk(k, rss[0]), "crash": mk(c, rss[1]), "drgn": mk(d, rss[2])}

    def test_cases(self):
        cases = [
            ("open-warm", 0.1, 8.0, 0.3, (50, 400, 200), "met"),
            ("open-warm", 0.2, 8.0, 0.3, (50, 400, 200), "time vs drgn: 2.00× the target"),
            ("list", 1.2, 8.0, 1.0, (50, 400, 200), "time vs drgn: 1.20× the target"),
            ("list", 0.1, 8.0, 1.0, (150, 400, 200), "RSS: 1.50× half of drgn's"),
            ("search", 4.0, 8.0, 5.0, (50, 400, 200), "search 1.00 GB/s < 2"),
        ]
        for task, k, c, d, rss, want in cases:
            with self.subTest(task=task, k=k):
                self.assertEqual(report.target(self.row(task, k, c, d, rss)), want)

    def test_ratio_against_a_timed_out_tool(self):
        row = self.row("check-all", 0.6, 8.0, 1.0)
        row["drgn"] = None
        row["runs"] = {"drgn": [run(60, rss_kb=200 * 1024, timed_out=True)]}
        self.assertEqual(report.ratio(row, "drgn"), "< 0.01× time (drgn timed out)")
        self.assertEqual(report.target(row), "met")
        row["kdx"]["rss_mb"] = 300  # against the RSS drgn had when it was killed
        row["runs"]["drgn"][0]["rss_kb"] = 400 * 1024
        self.assertEqual(report.target(row), "RSS: 1.50× half of drgn's")


class DumpInfoTest(unittest.TestCase):
    def elf(self, loads):
        eh = bytearray(64)
        eh[:5] = b"\x7fELF\x02"
        struct.pack_into("<Q", eh, 32, 64)
        struct.pack_into("<HH", eh, 54, 56, len(loads))
        phs = b""
        for typ, paddr, memsz in loads:
            ph = bytearray(56)
            struct.pack_into("<I", ph, 0, typ)
            struct.pack_into("<Q", ph, 24, paddr)
            struct.pack_into("<Q", ph, 40, memsz)
            phs += bytes(ph)
        f = tempfile.NamedTemporaryFile(delete=False)
        f.write(bytes(eh) + phs)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_counts_each_physical_range_once(self):
        path = self.elf([(4, 0, 100), (1, 0x1000, 0x2000), (1, 0x1000, 0x2000), (1, 0x10000, 0x1000)])
        self.assertEqual(dumpinfo.mem_bytes(path), 0x3000)

    def test_not_elf(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"KDUMP   " + bytes(100))
            f.flush()
            self.assertEqual(dumpinfo.pt_loads(f.name), [])


class MeasureTest(unittest.TestCase):
    def test_timeout_kills_and_says_so(self):
        with tempfile.TemporaryDirectory() as d:
            r = measure.run(["sleep", "5"], os.path.join(d, "out"), timeout=0.2)
        self.assertTrue(r.timed_out)
        self.assertLess(r.wall, 3)

    def test_output_lines_and_exit_code(self):
        with tempfile.TemporaryDirectory() as d:
            r = measure.run(["sh", "-c", "printf 'a\\nb\\n'; exit 3"], os.path.join(d, "out"))
        self.assertEqual((r.lines, r.rc, r.timed_out), (2, 3, False))
        self.assertGreater(r.rss_kb, 0)

    def test_rss_is_the_commands_not_the_harness(self):
        # A child forked from a big process reports at least that process's
        # RSS; the harness must not pass its own size on to what it measures.
        ballast = bytearray(200 << 20)
        for i in range(0, len(ballast), 4096):
            ballast[i] = 1
        with tempfile.TemporaryDirectory() as d:
            r = measure.run(["true"], os.path.join(d, "out"))
        self.assertLess(r.rss_kb, 50 << 10)
        del ballast

    def test_timeout_keeps_the_commands_rss(self):
        grow = "b = bytearray(64 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nimport time; time.sleep(30)"
        with tempfile.TemporaryDirectory() as d:
            r = measure.run([sys.executable, "-c", grow], os.path.join(d, "out"), timeout=1.5)
        self.assertTrue(r.timed_out)
        self.assertGreater(r.rss_kb, 64 << 10)


if __name__ == "__main__":
    unittest.main()
