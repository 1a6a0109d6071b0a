"""Running one command and measuring it: wall time, peak RSS, output size.

Peak RSS is the kernel's ru_maxrss of the measured command (wait4), which
covers its own reaped descendants too. The command is not forked from this
harness but from a small intermediary (SPAWN below): Linux records the
resident set of the image a process replaces at execve in its ru_maxrss,
and a child forked from this harness starts as a copy of it, so every
command would have reported at least the harness's own RSS (100 MB once
the results pile up: /bin/true measured 113 MB). Wall time is the
intermediary's monotonic clock from fork to reap: startup, debug-info
loading and output included, because that is what a user waits for; the
intermediary's own startup is not.
"""
import os
import signal
import sys
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


# SPAWN runs argv[2:] as its child and writes the child's ru_maxrss (KiB)
# and its wall time from fork to reap (s) to argv[1]; it exits with the
# child's status. Its own few MB are what the command starts as a copy of,
# and its own startup is left out of the time.
SPAWN = """
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss} {wall}")
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
"""


def run(argv, out_path, stdin_path=None, env=None, timeout=300):
    """Run argv with stdout and stderr to out_path; kill its group on timeout."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    rss_path = out_path + ".rss"
    if os.path.exists(rss_path):
        os.unlink(rss_path)
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-S", "-c", SPAWN, rss_path, *argv], stdin=stdin,
                                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        expired = threading.Event()

        def kill():
            # The command first, so that SPAWN reaps it and records its
            # peak RSS; then whatever is left of the group.
            expired.set()
            for pid in children(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(1)
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
    rss, child_wall = child_usage(rss_path, usage.ru_maxrss, wall)
    return Run(child_wall, rss, proc.returncode, count_lines(out_path), expired.is_set())


def children(pid):
    """The direct children of pid (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return []


def child_usage(path, rss, wall):
    """The command's own peak RSS and wall time as SPAWN wrote them; when it
    could not, the intermediary's (at least as large)."""
    try:
        with open(path) as f:
            kb, secs = f.read().split()
        return int(kb), float(secs)
    except (OSError, ValueError):
        return rss, wall


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
