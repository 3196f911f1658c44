#!/usr/bin/env python3
"""make bench: boot the kernel under TCG, run the benchmark programs, print their
key=value figures. Figures compare between runs on the same kind of machine; TCG timings
are not native timings. Each program gets its own boot: ksm-bench a machine big enough to
keep its region in RAM, swap-bench a small one (with a big swap disk) that its region
overflows three times; ksm-bench again with Linux's default knobs, for the convergence
plot (its history: build/plots/convergence.png; its figures are not printed); smp-bench (ksmd on CPU 0 merging while a thread of the same
process writes on CPU 1: the shootdowns, IPIs and the writer's slowdown; needs SMP >= 2);
then the shell's answer time, idle and beside two busy tasks; then the lateness of timer
expiries (timertest bench). Last, the side channel (README, Security): dedup-probe's
accuracy and medians with no mitigation, across domains and with same_behaviour, the
first-access cost same_behaviour adds, and what each mitigation costs in the density
demo's general_profit (its KSM-on run, guests reading their memory back every 30 s).

usage: run.py --build DIR [--mem 1G]
"""
import argparse
import importlib.util
import os
import re
import statistics
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/boot")
from machine import Machine, TestFailure  # noqa: E402
from test_ksm import ksm_set  # noqa: E402
sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/plots")
import plot  # noqa: E402

SWAP_BENCH = dict(line="swap-bench 384", mem="128M", swap="1G")
TIMER_BENCH = dict(line="timertest bench", mem="128M")
SMP_BENCH = dict(line="smp-bench 128", mem="512M")
# The convergence plot's run: Linux's default knobs (100 pages per 20 ms), so that the merge
# takes seconds and ksmd's history (a sample a second and per full scan) draws its curve.
CONVERGENCE_BENCH = dict(line="ksm-bench 64 100 20", mem="256M")


def session(build, body, mem, swap="64M"):
    """Boot, body(machine), power off: what body returned, or None if the machine failed."""
    m = Machine(build, mem=mem, swap=swap, timeout=600)
    try:
        m.start()
        m.wait_prompt()
        result = body(m)
        m.poweroff()
        return result
    except TestFailure as e:
        print(f"bench failed: {e}\n{m.log}")
        return None
    finally:
        m.kill()


def bench(build, line, mem, swap="64M", history=None):
    """`run LINE` on a fresh machine: the program's key=value lines, or None on failure;
    with history (a path), /sys/kernel/mm/ksm/history afterwards is saved there as CSV."""
    def body(m):
        out = m.command(f"run {line}", timeout=900)
        if history:
            plot.history_csv(m, history)
        return out
    out = session(build, body, mem, swap)
    if out is None:
        return None
    figures = re.findall(r"^\w+=\S+$", out, re.M)
    if not figures or "exited, status=0" not in out:
        print(f"{line} failed:\n{out}")
        return None
    return figures


def shell_latency(build, spins=2, samples=30):
    """The shell's answer time (ms, host wall clock: serial round trip included) to
    `uptime`, idle and with `spins` busy tasks beside it: key=value lines, or None."""
    def measure(m):
        figures = []
        for load in ("idle", "busy"):
            if load == "busy":
                for _ in range(spins):
                    m.command("run spin &")
                    m.expect(r"spin: running")
            times = []
            for _ in range(samples):
                t0 = time.monotonic()
                m.command("uptime")
                times.append((time.monotonic() - t0) * 1000)
            figures += [f"shell_answer_{load}_ms_median={statistics.median(times):.1f}",
                        f"shell_answer_{load}_ms_max={max(times):.1f}"]
        return figures
    return session(build, measure, mem="128M")


# dedup-probe runs, one machine: name, knobs (the others at their defaults), arguments.
PROBE_RUNS = (("off_write", {}, "-m write"), ("off_read", {}, "-m read"),
              ("domains_write", {"merge_across_domains": 0}, "-m write -d 1"),
              ("same_write", {"same_behaviour": 1}, "-m write"), ("same_read", {"same_behaviour": 1}, "-m read"))
PROBE_KNOBS = (("pages_to_scan", 10000), ("sleep_millisecs", 0))


def side_channel(build):
    """dedup-probe (2,000 probes) under each setting of PROBE_RUNS: key=value lines of its
    accuracy and medians, and what same_behaviour adds to a first write and a first read
    (its median against the unmitigated median of a page that was not merged)."""
    def measure(m):
        figures = {}
        for name, knobs, args in PROBE_RUNS:
            settings = {**dict(PROBE_KNOBS), "merge_across_domains": 1, "same_behaviour": 0, **knobs}
            for knob, value in [("run", 0), *settings.items(), ("run", 1)]:
                if ksm_set(m, knob, value):
                    raise TestFailure(f"cannot set {knob} to {value}")
            out = m.command(f"run dedup-probe -p 2000 {args}", timeout=900)
            found = dict(re.findall(r"^probe_(accuracy_pct|right_median_ns|wrong_median_ns|merged)=(\S+)$", out, re.M))
            if len(found) != 4:
                raise TestFailure(f"dedup-probe {args}:\n{out}")
            figures.update({f"probe_{name}_{key}": value for key, value in found.items()})
        for access in ("write", "read"):
            extra = int(figures[f"probe_same_{access}_wrong_median_ns"]) - int(figures[f"probe_off_{access}_wrong_median_ns"])
            figures[f"same_behaviour_extra_first_{access}_ns"] = extra
        return [f"{k}={v}" for k, v in figures.items()]
    return session(build, measure, mem="256M")


def mitigation_profit(build, plots):
    """The density demo's KSM-on run (guests reading their memory back every 30 s) under
    each mitigation: its mean general_profit at work, and that as a share of the
    unmitigated one. key=value lines, or None."""
    spec = importlib.util.spec_from_file_location("demo", __file__.rsplit("/", 2)[0] + "/demo/run.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    figures, base = [], None
    for mitigation in ("off", "one-domain", "domains", "same"):
        args = argparse.Namespace(build=build, mem="256M", guests=6, guest_mb=64, read_every=30,
                                  plots=os.path.join(plots, "mitigations"), mitigation=mitigation)
        r = demo.demo_run(args, ksm_on=True)
        if not r:
            return None
        base = base or r["work_profit_mib"]
        key = mitigation.replace("-", "_")
        figures += [f"demo_profit_{key}_mib={r['work_profit_mib']}",
                    f"demo_profit_{key}_share_pct={100 * r['work_profit_mib'] / base:.1f}"]
    return figures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--mem", default="1G", help="memory of the ksm-bench machine")
    ap.add_argument("--plots", default="build/plots", help="where bench-history.csv and convergence.png go")
    args = ap.parse_args()
    ksm = bench(args.build, "ksm-bench", args.mem)
    ksm = ksm and bench(args.build, **CONVERGENCE_BENCH, history=os.path.join(args.plots, "bench-history.csv")) and ksm
    swap = ksm and bench(args.build, **SWAP_BENCH)
    smp = swap and bench(args.build, **SMP_BENCH)
    shell = smp and shell_latency(args.build)
    timers = shell and bench(args.build, **TIMER_BENCH)
    probe = timers and side_channel(args.build)
    profit = probe and mitigation_profit(args.build, args.plots)
    if not profit:
        return 1
    print("\n".join(ksm + swap + smp + shell + timers + probe + profit))
    for png in plot.redraw(args.plots):
        print(f"plot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
