"""A QEMU guest driven over its serial console: start it, wait for output, type commands,
power it off. Used by tests/boot/run.py; Python 3 standard library only."""
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

PROMPT = "ksm> "
PANIC_MARK = "KERNEL PANIC"


def read_qemu_mk(path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "qemu.mk")):
    """The `NAME = value` lines of qemu.mk, the one definition of the QEMU machine and its
    exit statuses that the Makefile includes too."""
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    conf = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\w+)\s*[?:]?=\s*(.*)", line)
        if not m:
            raise ValueError(f"{path}: not a NAME = value line: {line!r}")
        conf[m.group(1)] = " ".join(m.group(2).split())
    return conf


QEMU_MK = read_qemu_mk()
EXIT_POWEROFF = int(QEMU_MK["EXIT_POWEROFF"])  # a clean poweroff
EXIT_PANIC = int(QEMU_MK["EXIT_PANIC"])        # a kernel panic with panic=exit


PR_SET_PDEATHSIG = 1


def die_with_parent():
    """preexec_fn for a QEMU (or the timeout(1) around one): it gets SIGTERM when the
    process that started it dies, however that dies. A runner killed from outside (by
    timeout, or SIGKILL) otherwise leaves its guest running, and an orphaned guest slows
    every later measurement on a 2-core machine."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class TestFailure(Exception):
    """A failed expectation; the message says what was expected."""


def make_swap_image(path, size, mkswap_args=()):
    """A sparse image of `size` (e.g. "64M") at path, formatted by mkswap (unless
    mkswap_args is None: left blank)."""
    subprocess.run(["truncate", "-s", size, path], check=True)
    if mkswap_args is not None:
        subprocess.run(["/sbin/mkswap", *mkswap_args, path], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


class Machine:
    def __init__(self, build, boot="pvh", mem="128M", cmdline="panic=exit", qemu_args=(),
                 timeout=30.0, initrd=None, swap="64M", disk=None, blkdebug=None):
        """swap: size of a fresh mkswap-formatted disk for this machine (None: no disk);
        disk: an image the test made instead; blkdebug: a QEMU blkdebug config to put
        between the guest and the disk (error injection)."""
        self.build = build
        self.initrd = initrd or os.path.join(build, "initrd.cpio")
        self.boot = boot
        self.mem = mem
        self.cmdline = cmdline
        self.qemu_args = list(qemu_args)
        self.timeout = timeout
        self.proc = None
        self.log = ""       # everything the guest printed, CRs removed
        self.pos = 0        # how much of the log the test has consumed
        self.allow_panic = False
        self.tmpdir = tempfile.mkdtemp(prefix="ksm-boot-")
        self.disk = disk
        if swap and not disk:
            self.disk = make_swap_image(os.path.join(self.tmpdir, "swap.img"), swap)
        self.blkdebug = blkdebug

    # ---- life cycle ----
    def qemu_command(self):
        cmd = [QEMU_MK["QEMU"], *QEMU_MK["QEMU_MACHINE"].split(),
               "-accel", QEMU_MK["ACCEL"], "-m", self.mem]
        if "-smp" not in self.qemu_args:  # make's SMP, else qemu.mk's default
            cmd += ["-smp", os.environ.get("SMP") or QEMU_MK["SMP"]]
        if self.boot == "grub":
            cmd += ["-boot", "d", "-cdrom", os.path.join(self.build, "kernel.iso")]
        else:
            cmd += ["-kernel", os.path.join(self.build, "kernel.elf"),
                    "-initrd", self.initrd,
                    "-append", self.cmdline]
        if self.disk:
            path = f"blkdebug:{self.blkdebug}:{self.disk}" if self.blkdebug else self.disk
            cmd += ["-drive", f"file={path},if=virtio,format=raw"]
        return cmd + self.qemu_args

    def start(self, typeahead=None):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.qemu_command(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_parent)
        os.set_blocking(self.proc.stdout.fileno(), False)
        if typeahead:
            self.send(typeahead)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # ---- output ----
    def _read_some(self, wait):
        """Append what the guest printed within `wait` seconds; False once QEMU has exited
        and everything was read."""
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            self.proc.wait()
            return False
        self.log += data.decode("latin-1").replace("\r", "")
        return True

    def _check_panic(self):
        if not self.allow_panic and PANIC_MARK in self.log:
            time.sleep(0.2)
            self._read_some(0.5)
            raise TestFailure("the kernel panicked")

    def expect(self, pattern, timeout=None):
        """Wait for regex `pattern` in the unread output; return the match and consume the
        output up to its end."""
        deadline = time.monotonic() + (timeout or self.timeout)
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.log, self.pos)
            if m:
                self.pos = m.end()
                return m
            self._check_panic()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f"timed out waiting for {pattern!r}")
            if not self._read_some(min(left, 0.5)):
                m = rx.search(self.log, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise TestFailure(f"QEMU exited (status {self.proc.returncode}) while waiting for {pattern!r}")

    def wait_prompt(self, timeout=None):
        """Wait for the shell prompt; return the output before it."""
        start = self.pos
        m = self.expect(r"(?:^|\n)" + re.escape(PROMPT), timeout)
        return self.log[start:m.start()]

    def quiet_for(self, seconds):
        """Return what the guest printed during `seconds` of not being spoken to."""
        start = len(self.log)
        end = time.monotonic() + seconds
        while time.monotonic() < end and self._read_some(end - time.monotonic()):
            pass
        return self.log[start:]

    # ---- input ----
    def send(self, text):
        self.proc.stdin.write(text.encode("latin-1"))
        self.proc.stdin.flush()

    def command(self, line, timeout=None, enter="\n"):
        """Type a command line, wait for the next prompt, return the command's output
        (without the echoed line)."""
        self.send(line + enter)
        out = self.wait_prompt(timeout)
        first_nl = out.find("\n")
        return out[first_nl + 1:] if first_nl >= 0 else ""

    def sync(self, timeout=None):
        """Skip whatever output is still due (stray prompts, a background task's lines) up
        to the answer of a marker command typed now, and its prompt."""
        self.send("echo sync-mark\n")
        self.expect(r"(?m)^sync-mark$", timeout)
        self.wait_prompt(timeout)

    def poweroff(self, timeout=10):
        """`poweroff` at the shell must end QEMU quickly with the success status."""
        self.send("poweroff\n")
        return self.wait_exit(EXIT_POWEROFF, timeout)

    def wait_exit(self, status, timeout=10):
        deadline = time.monotonic() + timeout
        while self._read_some(0.2):
            self._check_panic()
            if time.monotonic() > deadline:
                raise TestFailure(f"QEMU still running {timeout} s after it should have exited")
        if self.proc.returncode != status:
            what = {0: "triple fault or reset", EXIT_PANIC: "kernel panic"}.get(self.proc.returncode, "")
            raise TestFailure(f"QEMU exit status {self.proc.returncode} {what}, expected {status}")
        return self.proc.returncode
