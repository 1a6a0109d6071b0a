#!/usr/bin/python3
"""Boot the fixture guest for one scenario and write all its dumps.

One boot per scenario, so that every format of a scenario shows the same
memory and one truth.json is exact for all of them:

  1. the guest loads kdxplant.ko (scenario=S), which prints its ground truth;
  2. QEMU dumps the running guest: elf, elf-virt (-p), kdump-zlib.flat (-z);
     the panic scenario first oopses and is held inside panic() (the module's
     panic notifier polls the UART) so that these show the panicked kernel;
  3. the guest panics (sysrq c, or the held panic is released), kexec starts
     the capture kernel, which copies /proc/vmcore and runs makedumpfile
     -c/-l -d 31 -F onto three raw virtio disks; the host cuts them out.

Timings go to timings.json beside the dumps, the serial log to console.log.

The benchmark's larger guest is the same run with options: more memory
(--mem), memory in use (--payload-files, --payload-mib: see payload.py), its
own directory name (--name) and only the formats it reads (--formats); its
bench.json records the payload.
"""
import argparse
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time


# What one run can write, in the order it writes them. QEMU writes the live
# family over QMP; the capture kernel always writes its three disks, and the
# host keeps what --formats names (kdump-snappy and kdump-zstd are made from
# kdump-zlib by the Makefile).
LIVE = ("elf", "elf-virt", "kdump-zlib.flat", "kdump-zlib")
CAPTURE = ("proc-vmcore.elf", "kdump-c31.flat", "kdump-c31", "kdump-l31")
FORMATS = LIVE + CAPTURE


def parse_formats(spec):
    """--formats: "all" or comma-separated names of FORMATS, in FORMATS order."""
    if spec == "all":
        return list(FORMATS)
    names = [n for n in spec.split(",") if n]
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        raise ValueError(f"--formats {spec!r}: want 'all' or some of {','.join(FORMATS)}")
    return [f for f in FORMATS if f in names]


def log(msg):
    print(f"gen[{time.strftime('%H:%M:%S')}]: {msg}", flush=True)


class Serial:
    """The guest's console on QEMU's stdio: a reader thread keeps every line."""

    def __init__(self, proc, path):
        self.proc = proc
        self.lines = []
        self.cond = threading.Condition()
        self.file = open(path, "w")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                break
            buf += chunk
            *whole, buf = buf.split(b"\n")
            with self.cond:
                for raw in whole:
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    self.file.write(line + "\n")
                    self.lines.append(line)
                self.file.flush()
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # EOF
            self.cond.notify_all()

    def wait(self, pattern, timeout, fail=r"KDX: FAILED|kdxplant: FAILED"):
        """Wait for a line matching pattern; return it. Stops on fail lines."""
        rx, bad = re.compile(pattern), re.compile(fail)
        deadline = time.time() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    if line is None:
                        raise RuntimeError(f"QEMU exited while waiting for {pattern!r}")
                    if bad.search(line):
                        raise RuntimeError(f"guest reported: {line}")
                    if rx.search(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"no {pattern!r} on the console within {timeout}s")
                self.cond.wait(left)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()


class QMP:
    """A minimal synchronous QMP client on a unix socket."""

    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rwb")
        self._recv()  # greeting
        self.cmd("qmp_capabilities")

    def _recv(self):
        line = self.file.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        self.file.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        self.file.flush()
        while True:
            msg = self._recv()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(f"QMP {name}: {msg['error']}")


def accel_works(args, accel):
    """Boot the probe scenario with accel; True if it reaches userspace soon."""
    cmd = qemu_cmd(args, "probe", accel, [])
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=args.probe_timeout)
    except subprocess.TimeoutExpired:
        return False
    return b"KDX: PROBE-OK" in out.stdout


def pick_accel(args):
    """KVM if it works (nested KVM here is unusably slow), else TCG; cached."""
    cache = os.path.join(args.kdir, "accel")
    if os.path.exists(cache):
        return open(cache).read().strip()
    accel = "tcg"
    if os.access("/dev/kvm", os.R_OK | os.W_OK) and accel_works(args, "kvm"):
        accel = "kvm"
    with open(cache, "w") as f:
        f.write(accel + "\n")
    log(f"accelerator: {accel}")
    return accel


def qemu_cmd(args, scenario, accel, disks, qmp=None):
    append = (f"console=ttyS0 oops=panic panic=1 crashkernel={args.crashkernel} "
              f"crash_kexec_post_notifiers kdx.scenario={scenario} no_timer_check")
    cmd = ["qemu-system-x86_64", "-accel", accel, "-m", args.mem, "-smp", str(args.smp),
           "-kernel", args.vmlinuz, "-initrd", args.initrd,
           "-append", append, "-device", "vmcoreinfo", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nodefaults"]
    if qmp:
        cmd += ["-qmp", f"unix:{qmp},server=on,wait=off"]
    for d in disks:
        cmd += ["-drive", f"file={d},format=raw,if=virtio,cache=unsafe"]
    return cmd


def punch(path):
    """Make a dump sparse (most of a 1 GiB guest is zeros) and world-readable."""
    subprocess.run(["fallocate", "-d", path], check=True)
    os.chmod(path, 0o644)


def elf_end(path):
    """The end of an ELF64 core file: its furthest segment or header table."""
    with open(path, "rb") as f:
        eh = f.read(64)
        if eh[:4] != b"\x7fELF" or eh[4] != 2:
            raise RuntimeError(f"{path}: not an ELF64 file")
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        end = phoff + phentsize * phnum
        f.seek(phoff)
        for _ in range(phnum):
            ph = f.read(phentsize)
            off, filesz = struct.unpack_from("<Q", ph, 8)[0], struct.unpack_from("<Q", ph, 32)[0]
            end = max(end, off + filesz)
    return end


def flat_end(path):
    """The end of a makedumpfile flattened stream: just past its end marker."""
    with open(path, "rb") as f:
        if not f.read(16).startswith(b"makedumpfile"):
            raise RuntimeError(f"{path}: no flattened header")
        pos = 4096
        while True:
            f.seek(pos)
            off, size = struct.unpack(">qq", f.read(16))
            pos += 16
            if off == -1:
                return pos
            if size < 0 or off < 0:
                raise RuntimeError(f"{path}: bad flattened record at {pos - 16}")
            pos += size


def cut(src, dst, end):
    """Move the first end bytes of a disk image to dst, sparse."""
    os.truncate(src, end)
    os.replace(src, dst)
    punch(dst)


def reassemble(flat, out):
    """makedumpfile -R (it refuses to overwrite, so the output must not exist)."""
    tmp = out + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    with open(flat, "rb") as fin:
        r = subprocess.run(["makedumpfile", "-R", tmp], stdin=fin, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"makedumpfile -R {flat}: {r.stdout.decode()} {r.stderr.decode()}")
    os.replace(tmp, out)
    punch(out)


def truth(lines, scenario, release):
    """Assemble truth.json from the module's TRUTH lines (see docs/fixtures.md)."""
    doc = {"scenario": scenario, "release": release, "lists": [], "samples": [],
           "corruptions": []}
    n, ready = 0, False
    for line in lines:
        ready = ready or "kdxplant: READY" in (line or "")
        m = re.search(r"kdxplant: TRUTH (\{.*\})\s*$", line or "")
        if not m:
            continue
        n += 0 if ready else 1  # the module counted the facts before READY
        fact = json.loads(m.group(1))
        kind = fact.pop("fact")
        if kind in ("module", "cache", "kthread"):
            doc[kind] = fact
        elif kind in ("list", "sample"):
            doc[kind + "s"].append(fact)
        elif kind == "corruption":
            fact.setdefault("words", [])
            if "original" in fact:
                fact["words"].append({k: fact[k] for k in ("field", "addr", "original", "planted")
                                      if k in fact})
            doc["corruptions"].append(fact)
        elif kind == "word":
            # The words of a multi-word corruption follow its corruption line.
            fact.pop("kind")
            fact.pop("slab", None)
            doc["corruptions"][-1]["words"].append(fact)
        elif kind == "crash":
            # Printed by the panic scenario's trigger just before the fault.
            doc["panic"].update(fact)
            doc["corruptions"][-1].update(fact)
        elif kind in ("leak", "panic"):
            doc[kind] = dict(fact)
            fact["kind"] = kind
            doc["corruptions"].append(fact)
        elif kind != "scenario":
            raise RuntimeError(f"unknown truth fact {kind!r}")
    return doc, n


def live_dumps(qmp, tmp, times, formats):
    """QEMU's own dumps of the running (or held) guest."""
    zlib = "kdump-zlib" in formats
    for name, kw in (("elf", {"paging": False}), ("elf-virt", {"paging": True}),
                     ("kdump-zlib.flat", {"paging": False, "format": "kdump-zlib"})):
        if name not in formats and not (zlib and name == "kdump-zlib.flat"):
            continue
        t = time.time()
        path = os.path.join(tmp, name)
        qmp.cmd("dump-guest-memory", protocol="file:" + path, detach=False, **kw)
        punch(path)
        times[name] = round(time.time() - t, 1)
        log(f"{name}: {times[name]} s")
    if not zlib:
        return
    t = time.time()
    flat = os.path.join(tmp, "kdump-zlib.flat")
    reassemble(flat, os.path.join(tmp, "kdump-zlib"))
    if "kdump-zlib.flat" not in formats:
        os.unlink(flat)
    times["kdump-zlib"] = round(time.time() - t, 1)


def capture_dumps(disks, tmp, times, formats):
    """Cut the capture kernel's outputs out of its raw disks."""
    t = time.time()
    elf, c31, l31 = disks
    if "proc-vmcore.elf" in formats:
        cut(elf, os.path.join(tmp, "proc-vmcore.elf"), elf_end(elf))
    else:
        os.unlink(elf)
    if "kdump-c31.flat" in formats or "kdump-c31" in formats:
        flat = os.path.join(tmp, "kdump-c31.flat")
        cut(c31, flat, flat_end(c31))
        if "kdump-c31" in formats:
            reassemble(flat, os.path.join(tmp, "kdump-c31"))
        if "kdump-c31.flat" not in formats:
            os.unlink(flat)
    else:
        os.unlink(c31)
    if "kdump-l31" in formats:
        reassemble(l31, os.path.join(tmp, "kdump-l31"))
    os.unlink(l31)
    times["extract"] = round(time.time() - t, 1)


def build_payload(args, tmp, times):
    """The initramfs the guest boots: the fixture one, or a copy of it with
    the payload appended (payload.py)."""
    base = os.path.join(args.kdir, "initramfs.cpio.gz")
    if not (args.payload_files or args.payload_mib):
        return base
    import payload
    t = time.time()
    path = os.path.join(tmp, "initramfs-payload.cpio")
    size = payload.build_initrd(base, path, args.payload_files, args.payload_mib)
    times["payload"] = round(time.time() - t, 1)
    log(f"{args.name}: initramfs with payload, {size >> 20} MiB, in {times['payload']} s")
    return path


def bench_json(args, path):
    """What the payload planted, for the benchmark and its tests."""
    import payload
    doc = {"scenario": args.scenario, "mem": args.mem, "files": args.payload_files,
           "list_dir": payload.LIST_DIR, "big_mib": args.payload_mib, "formats": args.formats}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def run(args):
    scenario = args.scenario
    final = os.path.join(args.out, args.name)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    accel = pick_accel(args)
    times = {"accel": accel}
    t0 = time.time()
    args.initrd = build_payload(args, tmp, times)
    disks = [os.path.join(tmp, n) for n in ("disk-elf", "disk-c31", "disk-l31")]
    for d, size in zip(disks, (args.mem_bytes + (64 << 20), 512 << 20, 512 << 20)):
        with open(d, "wb") as f:
            f.truncate(size)
    qmp_path = os.path.join(tmp, "qmp.sock")
    cmd = qemu_cmd(args, scenario, accel, disks, qmp_path)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        con = Serial(proc, os.path.join(tmp, "console.log"))
        qmp = QMP(qmp_path)
        ready = con.wait(r"kdxplant: READY", args.timeout)
        con.wait(r"KDX: READY", 30)
        times["boot"] = round(time.time() - t0 - times.get("payload", 0), 1)
        log(f"{args.name}: planted after {times['boot']} s ({ready.split('READY')[1].strip()})")
        if scenario == "panic":
            con.send("crash\n")
            con.wait(r"kdxplant: TRUTH \{\"fact\":\"crash\"", 60)
            con.wait(r"kdxplant: HOLD", 60)
        live_dumps(qmp, tmp, times, args.formats)
        t = time.time()
        con.send("x" if scenario == "panic" else "sysrq\n")
        con.wait(r"KDX: CAPTURE-START", 300)
        times["kexec"] = round(time.time() - t, 1)
        for name in ("proc-vmcore.elf", "kdump-c31.flat", "kdump-l31.flat"):
            t = time.time()
            con.wait(rf"KDX: CAPTURE {re.escape(name)}", args.timeout)
            times["capture " + name] = round(time.time() - t, 1)
            log(f"capture {name}: {times['capture ' + name]} s")
        con.wait(r"KDX: CAPTURE-DONE", 60)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    capture_dumps(disks, tmp, times, args.formats)
    if args.initrd.startswith(tmp):
        os.unlink(args.initrd)
    doc, n = truth(con.lines, scenario, args.release)
    want = int(re.search(r"facts=(\d+)", ready).group(1))
    if n != want:
        raise RuntimeError(f"console shows {n} TRUTH lines, the module printed {want}")
    with open(os.path.join(tmp, "truth.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    if args.payload_files or args.payload_mib:
        bench_json(args, os.path.join(tmp, "bench.json"))
    times["total"] = round(time.time() - t0, 1)
    with open(os.path.join(tmp, "timings.json"), "w") as f:
        json.dump(times, f, indent=1)
    os.unlink(qmp_path) if os.path.exists(qmp_path) else None
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    log(f"{args.name}: done in {times['total']} s")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", required=True, help="what kdxplant plants (docs/fixtures.md)")
    p.add_argument("--name", help="output directory under --out (default: the scenario)")
    p.add_argument("--out", required=True, help="fixture directory (testdata/dumps)")
    p.add_argument("--release", required=True)
    p.add_argument("--mem", default="1024M")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--crashkernel", default="192M")
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--probe-timeout", type=int, default=8)
    p.add_argument("--formats", default="all",
                   help=f"comma-separated, of {','.join(FORMATS)}; default all")
    p.add_argument("--payload-files", type=int, default=0, metavar="N",
                   help="N small files in one tmpfs directory (payload.py)")
    p.add_argument("--payload-mib", type=int, default=0, metavar="M",
                   help="M MiB of page cache, half random, half text (payload.py)")
    args = p.parse_args()
    args.name = args.name or args.scenario
    try:
        args.formats = parse_formats(args.formats)
    except ValueError as e:
        p.error(str(e))
    args.kdir = os.path.join(args.out, "kernel")
    # The fixture initramfs; run() swaps in a copy with the payload, after
    # the accelerator probe (which boots this one) has run.
    args.initrd = os.path.join(args.kdir, "initramfs.cpio.gz")
    args.vmlinuz = f"/boot/vmlinuz-{args.release}"
    args.mem_bytes = int(args.mem.rstrip("M")) << 20
    # A TCG guest on a loaded machine can miss a deadline or lose a console
    # line; one more boot costs less than a red CI run.
    for attempt in (1, 2):
        try:
            run(args)
            return
        except Exception as e:  # one clear line, then the console log's tail
            print(f"gen: {args.name}: attempt {attempt}: {e}", file=sys.stderr)
            path = os.path.join(args.out, args.name + ".tmp", "console.log")
            if os.path.exists(path):
                print("".join(open(path).readlines()[-40:]), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
