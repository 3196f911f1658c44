#!/usr/bin/env python3
"""make compare: the same workload binaries (user/ksm-compare.c, user/vmsim.c) on Debian's
Linux 6.1 and on this kernel, in the same QEMU machine (TCG, same -M, -cpu, memory, one
vCPU), boots interleaved Linux, ours, Linux, ours, ...; prints one table (medians over the
runs, ratio ours/Linux, the goal) and key=value lines with the median and min of each side.
TCG timings are not native timings: compare the ratios. docs/compare.md has the method.

usage: run.py --build DIR [--cpu qemu64] [--runs 3] [--workload all|NAME]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "boot"))
from machine import Machine, QEMU_MK, TestFailure  # noqa: E402
import linux  # noqa: E402

MEM = "2G"
WORKLOADS = ["merge_same_64", "merge_four_64", "merge_unique_64", "merge_same_256",
             "merge_four_256", "merge_unique_256", "zero_pages", "faults", "syscall", "fork",
             "mixed"]
LIMIT_S = 1800  # one boot, all its workloads

# Table rows: key, what it is, and the goal as (comparison, factor) on ours/Linux.
FASTER, MORE, NO_MORE = ("<=", 0.5), (">=", 2.0), ("<=", 1.0)
ROWS = []
for n in ("same", "four", "unique"):
    what = {"same": "identical pages", "four": "4 contents", "unique": "25 % unique"}[n]
    for mib in (64, 256):
        w = f"merge_{n}_{mib}"
        ROWS += [(f"{w}_merge_mib_s", f"merge MiB/s, {mib} MiB {what}", MORE),
                 (f"{w}_ksmd_ns_page", f"ksmd ns per page visited, {mib} MiB {what}", FASTER),
                 (f"{w}_unmerge_mib_s", f"MADV_UNMERGEABLE MiB/s, {mib} MiB {what}", MORE)]
ROWS += [
    ("zero_pages_use_zero_pages0_mib_s", "merge MiB/s, 64 MiB zeros, use_zero_pages 0", MORE),
    ("zero_pages_use_zero_pages1_mib_s", "merge MiB/s, 64 MiB zeros, use_zero_pages 1", MORE),
    ("zero_pages_longest_poll_ms", "longest 5 ms poll beside ksmd, zero pages, ms", None),
    ("merge_unique_256_longest_poll_ms", "longest 5 ms poll beside ksmd, 256 MiB, ms", None),
    ("faults_ksm_cow_ns", "KSM COW fault ns", FASTER),
    ("faults_first_touch_ns", "first-touch fault ns", FASTER),
    ("faults_zero_cow_ns", "zero-page COW fault ns", FASTER),
    ("faults_present_write_ns", "write to a present page ns", FASTER),
    ("syscall_ns", "null system call (getppid) ns", FASTER),
    ("fork_us", "fork+exit+wait, 64 MiB touched, us", FASTER),
    ("mixed_ksmd_cpu_pct", "mixed: ksmd CPU % (100/20 knobs)", NO_MORE),
    ("mixed_s_per_scan", "mixed: seconds per full scan", None),
    ("mixed_merged_s", "mixed: seconds until merged", None),
    ("boot_ms", "boot ms (ours: prompt; Linux: /init)", None),
]

FIGURE = re.compile(r"^(\w+)=(-?[\d.]+)$", re.M)
# a workload that ended badly (/init's line, or run_ours's), and what it said
FAILED = re.compile(r"^failed=(\w+)$", re.M)
COMPLAINT = re.compile(r"^ksm-compare: .*$", re.M)


def figures(text):
    return {k: float(v) for k, v in FIGURE.findall(text)}


def qemu_base(cpu):
    """The QEMU machine both kernels boot on: qemu.mk's, with the CPU model and one vCPU."""
    return [QEMU_MK["QEMU"], *QEMU_MK["QEMU_MACHINE"].split(), "-accel", "tcg",
            "-cpu", cpu, "-smp", "1", "-m", MEM]


class TimedMachine(Machine):
    """Our kernel on the shared machine, QEMU under timeout(1) like every QEMU here."""
    def qemu_command(self):
        return ["timeout", "--kill-after=5", str(LIMIT_S), *super().qemu_command()]

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # timeout passes it on to QEMU
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        super().kill()


def run_ours(build, cpu, workloads):
    m = TimedMachine(build, mem=MEM, swap=None, timeout=LIMIT_S,
                     qemu_args=["-cpu", cpu, "-smp", "1"])
    try:
        m.start()
        out = "boot_ms=%s\n" % m.expect(r"boot: prompt after (\d+) ms").group(1)
        m.wait_prompt()
        for w in workloads:
            text = m.command(f"run ksm-compare {w}", timeout=LIMIT_S)
            out += text + "\n"
            if "exited, status=0" not in text:  # as Linux's /init says it
                out += f"failed={w}\n"
        m.poweroff()
        return out
    finally:
        m.kill()


def ratio(ours, theirs):
    return ours / theirs if theirs else float("nan")


def report(results, runs, cpu):
    """The table, then key=value lines."""
    med = {side: {k: statistics.median(v) for k, v in r.items()} for side, r in results.items()}
    low = {side: {k: min(v) for k, v in r.items()} for side, r in results.items()}
    width = max(len(r[1]) for r in ROWS)
    print(f"\nmake compare: RUNS={runs} QEMU_CPU={cpu} -m {MEM} -smp 1, TCG; medians; "
          "ratio = ours / Linux; timer = ns of a clock_gettime pair, Linux / ours")
    print(f"{'metric':<{width}} {'Linux':>10} {'ours':>10} {'ratio':>7}  {'goal':<6} {'met':<4} timer")
    lines = []
    def cell(side, key, fmt):
        return format(med[side][key], fmt) if key in med[side] else "-"
    for key, what, goal in ROWS:
        if key not in med["linux"] and key not in med["ours"]:
            continue  # a workload not asked for
        goal_txt, r_txt, met = "", "-", ""
        if goal:
            goal_txt = f"{goal[0]}{goal[1]:g}x"
        if key in med["linux"] and key in med["ours"]:
            r = ratio(med["ours"][key], med["linux"][key])
            r_txt = f"{r:.2f}"
            lines.append(f"ratio_{key}={r:.3f}")
            if goal:
                met = "yes" if (r <= goal[1] if goal[0] == "<=" else r >= goal[1]) else "no"
        # the clock_gettime pair of the workload the figure comes from
        tkey = next((w + "_timer_ns" for w in WORKLOADS if key.startswith(w + "_")), None)
        timer = f"{cell('linux', tkey, '.0f')}/{cell('ours', tkey, '.0f')}" if tkey else ""
        print(f"{what:<{width}} {cell('linux', key, '10.1f'):>10} {cell('ours', key, '10.1f'):>10} "
              f"{r_txt:>7}  {goal_txt:<6} {met:<4} {timer}")
    for side in ("linux", "ours"):
        for key in sorted(med[side]):
            lines.append(f"{side}_{key}_median={med[side][key]:g}")
            lines.append(f"{side}_{key}_min={low[side][key]:g}")
    print("\n" + "\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--cpu", default="qemu64")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workload", default="all")
    args = ap.parse_args()
    workloads = WORKLOADS if args.workload == "all" else [args.workload]
    if any(w not in WORKLOADS for w in workloads):
        print(f"unknown workload {args.workload}; one of: all {' '.join(WORKLOADS)}")
        return 2
    cache = os.path.join(args.build, "compare")
    vmlinuz = linux.fetch_kernel(os.path.join(cache, "linux"))
    user = os.path.join(args.build, "user")
    initramfs = linux.make_initramfs(os.path.join(cache, "initramfs.cpio"),
                                     [os.path.join(user, p) for p in ("ksm-compare", "vmsim")])
    results = {"linux": {}, "ours": {}}
    failures = []
    start = time.monotonic()
    for run in range(args.runs):
        for side in ("linux", "ours"):
            t0 = time.monotonic()
            try:
                if side == "linux":
                    out = linux.boot(vmlinuz, initramfs, qemu_base(args.cpu), workloads, LIMIT_S)
                else:
                    out = run_ours(args.build, args.cpu, workloads)
            except (RuntimeError, TestFailure) as e:
                print(f"run {run + 1}, {side}: {e}")
                return 1
            for k, v in figures(out).items():
                results[side].setdefault(k, []).append(v)
            for w in FAILED.findall(out):
                failures.append(f"run {run + 1}, {side}: {w} failed: "
                                + "; ".join(COMPLAINT.findall(out)))
            print(f"run {run + 1}/{args.runs}: {side} done in {time.monotonic() - t0:.0f} s",
                  flush=True)
    report(results, args.runs, args.cpu)
    print("".join(f"{f}\n" for f in failures), end="")
    print(f"wall_s={time.monotonic() - start:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
