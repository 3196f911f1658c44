#!/usr/bin/env python3
"""make demo: the density demo. Simulated guests (vmsim) whose memory together is well
above the machine's RAM start one after another, then work for a while, reading all their
memory back; twice, on a fresh boot each: with KSM off, and with KSM on from the start
(ksmd merges each guest before the next one starts, as it would keep up with guests that
boot over minutes). With KSM off the guests only fit by swapping, and at work they keep
swapping in; with KSM on their shared and zero pages are one copy each, so they fit in RAM.
Prints a progress line per guest, then a table and one key=value line per run. Fails if a
guest dies (or its memory reads back wrong) or the kernel panics. Each run's RAM used, swap
used and pages_sharing over time (sampled after each guest and every second at work) go to
PLOTS/demo-ksm-off.csv and -on.csv, drawn into PLOTS/demo.png (tests/plots/plot.py).

The KSM-on run may close the deduplication side channel (README, Security), at a price
in profit: --mitigation domains puts each guest in a merge domain of its own (`run
--domain N`, merge_across_domains 0), so no page is shared across guests; one-domain puts
them all in domain 1 (the same setting, everything still shared); same sets
same_behaviour 1, whose guarded pages are copied again whenever a guest reads them: its
price depends on how often they do (--read-every; from 15 s on, the work lasts that long
plus 15 s; the table's mean general_profit is over the work).

usage: run.py --build DIR [--mem 256M] [--guests 6] [--guest-mb 64] [--plots DIR]
              [--mitigation off|domains|one-domain|same] [--read-every S]
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/boot")
from machine import Machine, TestFailure  # noqa: E402
from registry import check, meminfo_kb  # noqa: E402
from test_ksm import counters, ksm_set, start_vmsim, wait_scans  # noqa: E402
sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/plots")
import plot  # noqa: E402

SHARED, ZERO = 60, 15  # % of each guest's pages; the other 25% are its own
MITIGATIONS = ("off", "domains", "one-domain", "same")
KNOBS = (("pages_to_scan", 4096), ("sleep_millisecs", 10))
# what the console says when a guest is gone: the OOM killer, a guest's check failing, the
# end of a vmsim (which lives as long as its guest)
DEATH = re.compile(r"out of memory: killed pid \d+.*|vmsim: guest \d+: .*|\[pid \d+ (?:exited|killed by)[^\]]*\]")

COLUMNS = (  # key, table heading
    ("ksm", "KSM"), ("guests", "guests"), ("guest_mib", "guest MiB"), ("rss_mib", "guests' RSS MiB"),
    ("used_mib", "RAM used MiB"), ("swap_mib", "swap used MiB"), ("pages_sharing", "pages_sharing"),
    ("profit_mib", "general_profit MiB"), ("pswpout", "pswpout"), ("pswpin", "pswpin"),
    ("work_profit_mib", "mean general_profit MiB at work"), ("work_pswpin", "pswpin at work"),
    ("up_s", "all up after s"), ("elapsed_s", "run s"))


def work_seconds(read_every):
    """How long the guests work once all are up: 15 s, or long enough for every guest to
    read its memory back once and ksmd to merge it again."""
    return 15 if read_every < 15 else read_every + 15


def snapshot(m, guests):
    """The figures now; fails if a guest is gone."""
    death = DEATH.search(m.log)
    check(not death, f"a guest is gone: {death and death.group(0)}")
    ps = {int(pid): (state, int(rss), int(swap)) for pid, state, rss, swap in
          re.findall(r"^\s*(\d+)\s+\d+\s+([RSTZ])\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s+(\d+)\s+\S+$",
                                        m.command("ps"), re.M)}  # PID PPID S CPU DOM THR CPU_MS RSS SWAP NAME
    gone = [pid for pid in guests if pid not in ps or ps[pid][0] == "Z"]
    check(not gone, f"guests {gone} are not running")
    mem = meminfo_kb(m)
    ksm = counters(m)
    vmstat = {k: int(v) for k, v in re.findall(r"^(\w+) (\d+)$", m.command("cat /proc/vmstat"), re.M)}
    return dict(guests=len(guests), rss_mib=sum(ps[pid][1] for pid in guests) // 1024,
                used_mib=(mem["MemTotal"] - mem["MemFree"]) // 1024,
                swap_mib=(mem["SwapTotal"] - mem["SwapFree"]) // 1024,
                pages_sharing=ksm["pages_sharing"], profit_mib=ksm["general_profit"] >> 20,
                pswpout=vmstat["pswpout"], pswpin=vmstat["pswpin"])


def sample(m, t0):
    """(seconds since t0, RAM used MiB, swap used MiB, pages_sharing) now, and
    general_profit in MiB."""
    mem = meminfo_kb(m)
    ksm = counters(m)
    return ((round(time.monotonic() - t0, 2), (mem["MemTotal"] - mem["MemFree"]) // 1024,
             (mem["SwapTotal"] - mem["SwapFree"]) // 1024, ksm["pages_sharing"]),
            ksm["general_profit"] / (1 << 20))


def demo_run(args, ksm_on):
    """One boot: the guests up one by one, then at work; the figures at the end."""
    name = "on" if ksm_on else "off"
    total = args.guests * args.guest_mb
    t_boot = time.monotonic()
    m = Machine(args.build, mem=args.mem, swap=f"{max(512, total)}M", timeout=120)
    try:
        m.start()
        m.wait_prompt()
        mitigation = args.mitigation if ksm_on else "off"
        domains = mitigation in ("domains", "one-domain")
        for knob, value in KNOBS + (("merge_across_domains", int(not domains)),
                                    ("same_behaviour", int(mitigation == "same")), ("run", int(ksm_on))):
            check(ksm_set(m, knob, value) == "", f"cannot set {knob} to {value}")
        t0 = time.monotonic()
        series = [sample(m, t0)[0]]
        guests = []
        for g in range(args.guests):
            domain = {"domains": g + 1, "one-domain": 1}.get(mitigation)
            guests += start_vmsim(m, f"-n 1 -i {g} -m {args.guest_mb} -s {SHARED} -z {ZERO} "
                                     f"-p -a {args.read_every:g}", domain=domain)[1]
            if ksm_on:  # every page of the new guest seen twice: merged (same_behaviour: once
                # idle for two scans as well)
                wait_scans(m, 4 if mitigation == "same" else 2)
            s = snapshot(m, guests)
            print(f"ksm {name}: guest {g + 1}/{args.guests} up at {time.monotonic() - t0:5.1f} s: "
                  f"RAM used {s['used_mib']:3} MiB, swap used {s['swap_mib']:3} MiB, "
                  f"pages_sharing {s['pages_sharing']}", flush=True)
            series.append(sample(m, t0)[0])
        up_s = time.monotonic() - t0
        work_profit = []
        while time.monotonic() - t0 < up_s + work_seconds(args.read_every):
            m.quiet_for(1.0)
            row, profit = sample(m, t0)
            series.append(row)
            work_profit.append(profit)
        end = snapshot(m, guests)
        m.poweroff(timeout=60)
    except TestFailure as e:
        print(f"demo failed (KSM {name}): {e}\n---- serial log ----\n{m.log.rstrip()}\n---- end of log ----")
        return None
    finally:
        m.kill()
    os.makedirs(args.plots, exist_ok=True)
    with open(os.path.join(args.plots, f"demo-ksm-{name}.csv"), "w") as f:
        f.write("time_s,used_mib,swap_mib,pages_sharing\n")
        f.writelines(",".join(map(str, row)) + "\n" for row in series)
    if ksm_on and args.mitigation != "off":
        name += f" ({args.mitigation})"
    return dict(end, ksm=name, guest_mib=total, work_pswpin=end["pswpin"] - s["pswpin"],
                work_profit_mib=round(sum(work_profit) / len(work_profit), 1),
                up_s=round(up_s, 1), elapsed_s=round(time.monotonic() - t_boot, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--guests", type=int, default=6)
    ap.add_argument("--guest-mb", type=int, default=64)
    ap.add_argument("--plots", default="build/plots", help="where the CSV files and demo.png go")
    ap.add_argument("--mitigation", default="off", choices=MITIGATIONS,
                    help="domains: each guest in a KSM merge domain of its own; one-domain: all in "
                         "domain 1; same: same_behaviour 1")
    ap.add_argument("--read-every", type=float, default=2,
                    help="seconds between two read-backs of a guest's memory (vmsim -a)")
    args = ap.parse_args()
    if args.guests < 1 or args.guest_mb < 1:
        ap.error("--guests and --guest-mb must be at least 1")
    print(f"density demo: {args.guests} guests x {args.guest_mb} MiB ({SHARED}% shared, {ZERO}% zero, "
          f"{100 - SHARED - ZERO}% unique) = {args.guests * args.guest_mb} MiB on a {args.mem} machine; "
          f"at work each reads its memory back every {args.read_every:g} s", flush=True)
    runs = []
    for ksm_on in (False, True):
        r = demo_run(args, ksm_on)
        if not r:
            return 1
        runs.append(r)
    print()
    print("| " + " | ".join(head for _, head in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in runs:
        print("| " + " | ".join(str(r[key]) for key, _ in COLUMNS) + " |")
    print()
    for r in runs:
        print(" ".join(f"{key}={r[key]}" for key, _ in COLUMNS))
    for png in plot.redraw(args.plots):
        print(f"plot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
