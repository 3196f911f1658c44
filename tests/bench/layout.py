#!/usr/bin/env python3
"""make layout-bench: the same mixed workload on kernels and initramfs that differ only in
where things land in memory, to show (or rule out) that ksmd's cost depends on layout.
Under TCG it can: a store to a frame QEMU once translated code from takes a slow path
(README: The layout bench), so which frames a kernel's hot objects get matters.

Each variant boots (256 MiB), runs a busy user program first (busybox listing the tree:
the frames of its text, once translated by QEMU, go back to the allocator when it ends),
then starts three vmsim guests with KSM at Linux's default knobs (pages_to_scan 100,
sleep_millisecs 20), waits until they are merged, measures ksmd over a fixed window and
profiles it (`profile start 2`: top functions and callers). One more boot of the normal
kernel skips the busy program: the same layout with a different history. Prints key=value
lines per boot with ksmd's top functions, each variant's median and worst over the boots
(the slow case comes and goes: --runs), and the spread between variants. Timing is
reported, never asserted.

usage: layout.py --build DIR --pad-build DIR --filler-initrd CPIO [--window 10] [--runs 2]
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/boot")
from machine import Machine, TestFailure  # noqa: E402

KSM = "/sys/kernel/mm/ksm"
WORKLOAD = "vmsim -n 3 -m 8 -s 50 -z 25"
KNOBS = {"pages_to_scan": 100, "sleep_millisecs": 20}
KSMD_PID = 2
MERGE_TIMEOUT_S = 180
TOP = 8
WARMUP = 'busybox sh -c "ls -lR / >/dev/null; free; ps; top -b -n 1 >/dev/null"'


def read_state(m):
    """Guest uptime (s), ksmd's CPU time (ns) and the KSM counters that matter here."""
    out = m.command(f"cat /proc/uptime /proc/{KSMD_PID}/schedstat {KSM}/full_scans "
                    f"{KSM}/pages_scanned {KSM}/pages_sharing")
    nums = re.findall(r"[\d.]+", out)
    if len(nums) != 2 + 3 + 3:
        raise TestFailure(f"unexpected state:\n{out}")
    return dict(uptime=float(nums[0]), cpu_ns=int(nums[2]), full_scans=int(nums[5]),
                scanned=int(nums[6]), sharing=int(nums[7]))


def wait_merged(m):
    """Wait until two full scans have passed since the guests were ready and the number
    of merged pages stopped growing over the last one."""
    first = read_state(m)
    last = first
    deadline = first["uptime"] + MERGE_TIMEOUT_S
    while True:
        m.quiet_for(1)
        s = read_state(m)
        if s["full_scans"] >= first["full_scans"] + 2 and s["full_scans"] > last["full_scans"]:
            if s["sharing"] and s["sharing"] == last["sharing"]:
                return s
            last = s
        if s["uptime"] > deadline:
            raise TestFailure(f"not merged after {MERGE_TIMEOUT_S} s: {s}")


def measure(variant, window):
    """Boot the variant, run the workload, measure ksmd: (figures dict, profile text)."""
    m = Machine(variant["build"], boot=variant["boot"], initrd=variant["initrd"], mem="256M",
                swap=None, timeout=120)
    try:
        m.start()
        m.wait_prompt()
        if variant["warmup"]:
            out = m.command(f"run {WARMUP}", timeout=300)
            if "exited, status=0" not in out:
                raise TestFailure(f"the busy program failed:\n{out}")
        for knob, value in KNOBS.items():
            m.command(f"echo {value} > {KSM}/{knob}")
        m.command(f"echo 1 > {KSM}/run")
        m.command(f"run {WORKLOAD} &")
        m.expect(r"vmsim: 3 guests ready")
        m.sync()
        wait_merged(m)
        m.command("profile reset")
        m.command(f"profile start {KSMD_PID}")
        a = read_state(m)
        m.quiet_for(window)
        b = read_state(m)
        m.command("profile stop")
        profile = m.command(f"profile show {TOP}") + m.command(f"profile callers {TOP}")
        m.poweroff()
    except TestFailure as e:
        print(f"layout bench: {variant['name']} failed: {e}\n{m.log}")
        return None, None
    finally:
        m.kill()
    wall_ns = (b["uptime"] - a["uptime"]) * 1e9
    cpu, scans, pages = b["cpu_ns"] - a["cpu_ns"], b["full_scans"] - a["full_scans"], b["scanned"] - a["scanned"]
    return dict(ksmd_cpu_pct=100 * cpu / wall_ns,
                s_per_full_scan=wall_ns / 1e9 / scans if scans else float("inf"),
                ksmd_ns_per_page_visited=cpu / pages if pages else float("inf"),
                full_scans=scans, pages_visited=pages, pages_sharing=b["sharing"],
                window_s=wall_ns / 1e9), profile


def top_rows(profile, by_caller):
    """'name pct%, ...' from `profile show` rows, or 'name<-caller pct%, ...' from
    `profile callers` rows."""
    rx = r"^ *\d+ +(\d+\.\d) +(\S+ <- \S+)$" if by_caller else r"^ *\d+ +(\d+\.\d) +(\S+)$"
    rows = re.findall(rx, profile or "", re.M)
    return ", ".join(f"{name.replace(' ', '')} {pct}%" for pct, name in rows)


KEYS = ("ksmd_cpu_pct", "s_per_full_scan", "ksmd_ns_per_page_visited")


def ratio(hi, lo):
    return hi / lo if lo else float("inf")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--pad-build", required=True, help="the kernel built with LAYOUT_PAD")
    ap.add_argument("--filler-initrd", required=True, help="the initramfs with filler")
    ap.add_argument("--window", type=float, default=10.0, help="seconds measured")
    ap.add_argument("--runs", type=int, default=2, help="boots of each variant (the slow case comes and goes)")
    args = ap.parse_args()
    initrd = os.path.join(args.build, "initrd.cpio")
    variants = [
        dict(name="normal", build=args.build, initrd=initrd, boot="pvh", warmup=True),
        dict(name="pad", build=args.pad_build, initrd=initrd, boot="pvh", warmup=True),
        dict(name="filler", build=args.build, initrd=args.filler_initrd, boot="pvh", warmup=True),
        dict(name="grub", build=args.build, initrd=initrd, boot="grub", warmup=True),
        dict(name="normal_no_busy_program", build=args.build, initrd=initrd, boot="pvh", warmup=False),
    ]
    results = {v["name"]: [] for v in variants}
    for run in range(1, args.runs + 1):  # rounds, so a slow spell of the host hits every variant
        for v in variants:
            figures, profile = measure(v, args.window)
            if figures is None:
                return 1
            results[v["name"]].append(figures)
            tag = f"layout={v['name']} run={run}"
            print(f"{tag} " + " ".join(f"{k}={val:.3g}" if isinstance(val, float) else f"{k}={val}"
                                     for k, val in figures.items()), flush=True)
            print(f"{tag} ksmd_top: {top_rows(profile, False)}", flush=True)
            print(f"{tag} ksmd_top_callers: {top_rows(profile, True)}", flush=True)
    for name, runs in results.items():
        print(f"layout={name} " + " ".join(
            f"{k}_median={statistics.median(r[k] for r in runs):.3g} {k}_max={max(r[k] for r in runs):.3g}"
            for k in KEYS))
    for key in KEYS:
        medians = {n: statistics.median(r[key] for r in runs) for n, runs in results.items()}
        worst = {n: max(r[key] for r in runs) for n, runs in results.items()}
        best = min(min(r[key] for r in runs) for runs in results.values())
        print(f"layout_spread_{key}={ratio(max(medians.values()), min(medians.values())):.2f} "
              f"(max/min of the medians; highest: {max(medians, key=medians.get)}) "
              f"layout_worst_over_best_{key}={ratio(max(worst.values()), best):.2f} "
              f"(slowest boot: {max(worst, key=worst.get)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
