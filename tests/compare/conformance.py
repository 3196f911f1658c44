"""make conformance: user/abi-conformance on Debian's Linux 6.1 (the reference: every case
must pass there) and on our kernel, one QEMU at a time; prints each side's failed cases and
summary line. Exit status 0 when Linux passes every case (ours may differ: information)."""
import argparse
import os
import re
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
from machine import TestFailure  # noqa: E402
import linux  # noqa: E402
from run import MEM, LIMIT_S, TimedMachine, qemu_base  # noqa: E402

PROGRAM = "abi-conformance"
SUMMARY = re.compile(rf"^{PROGRAM}: (\d+) cases, (\d+) failed$", re.M)


def run_linux(build, cpu):
    cache = os.path.join(build, "compare")
    vmlinuz = linux.fetch_kernel(os.path.join(cache, "linux"))
    initramfs = linux.make_initramfs(os.path.join(cache, "conformance.cpio"),
                                     [os.path.join(build, "user", PROGRAM)])
    return linux.boot(vmlinuz, initramfs, qemu_base(cpu), [], LIMIT_S, program=PROGRAM)


def run_ours(build, cpu):
    m = TimedMachine(build, mem=MEM, swap=None, timeout=LIMIT_S,
                     qemu_args=["-cpu", cpu, "-smp", "1"])
    try:
        m.start()
        m.wait_prompt()
        out = m.command(f"run {PROGRAM}", timeout=LIMIT_S)
        m.poweroff()
        return out
    finally:
        m.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--cpu", default="qemu64")
    ap.add_argument("--side", choices=("both", "linux", "ours"), default="both")
    args = ap.parse_args()
    status = 0
    for side, fn in (("linux", run_linux), ("ours", run_ours)):
        if args.side not in ("both", side):
            continue
        try:
            out = fn(args.build, args.cpu)
        except (RuntimeError, TestFailure) as e:
            print(f"{side}: {e}")
            return 1
        for line in re.findall(r"^FAIL .*$", out, re.M):
            print(f"{side}: {line}")
        summary = SUMMARY.search(out)
        print(f"{side}: {summary.group(0) if summary else 'no summary line:' + out[-2000:]}")
        if side == "linux" and (not summary or summary.group(2) != "0"):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
