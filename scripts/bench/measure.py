"""Running one command and measuring it: wall time, peak RSS, output size.

Peak RSS is the kernel's ru_maxrss of the waited-for child (wait4), which
covers its own reaped descendants too. Wall time is the parent's monotonic
clock from fork to reap: startup, debug-info loading and output included,
because that is what a user waits for.
"""
import os
import signal
import subprocess
import threading
import time


class Run:
    """What one execution cost and produced."""

    def __init__(self, wall, rss_kb, rc, lines, timed_out):
        self.wall, self.rss_kb, self.rc = wall, rss_kb, rc
        self.lines, self.timed_out = lines, timed_out

    def as_dict(self):
        return {"wall": round(self.wall, 4), "rss_kb": self.rss_kb, "rc": self.rc,
                "lines": self.lines, "timed_out": self.timed_out}


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def run(argv, out_path, stdin_path=None, env=None, timeout=300):
    """Run argv with stdout and stderr to out_path; kill its group on timeout."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        expired = threading.Event()

        def kill():
            expired.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # keeps Popen from reaping again
    if stdin_path:
        stdin.close()
    return Run(wall, usage.ru_maxrss, proc.returncode, count_lines(out_path), expired.is_set())


def drop_page_cache():
    """Drop clean page cache (root only); False when not allowed."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])
