"""Boot tests of `ksm explain` and `ksm reasons` (and their /proc/PID files): on pages in
known states (user/ksm-states: three merged, one volatile, one not mergeable, a hole), the
explanation names the KSM frame and every sharer, says volatile, says why a VMA is not
mergeable, says there is no mapping; the per-VMA counts add up and match the counters;
bad input is refused."""
import os
import re
import sys

from registry import check, counted, start_background, test
from test_ksm import ksm_set
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plots"))
import plot  # noqa: E402


@test
def ksm_explain_and_reasons_tell_each_pages_state(b):
    m = b.machine(mem="128M").start()
    m.wait_prompt()
    for knob, value in (("sleep_millisecs", 5), ("smart_scan", 0), ("run", 1)):
        ksm_set(m, knob, value)
    m.command("trace on")
    pid = start_background(m, "ksm-states 60")
    r = m.expect(r"ksm-states: merged (\S+) (\S+) (\S+) volatile (\S+) unmergeable (\S+) hole (\S+) swapped (\S+)\n",
                 timeout=120)
    merged, volatile, unmergeable, hole, swapped = list(r.groups()[:3]), r.group(4), r.group(5), r.group(6), r.group(7)
    summary = m.expect(r"ksm-states: \d+ checks, \d+ failed\n").group(0)
    check(counted(r"ksm-states: (\d+) checks, 0 failed", summary), f"ksm-states' own checks:\n{m.log[-3000:]}")

    text = m.command(f"ksm explain {pid} {merged[1]}")
    kpfn = re.search(r"^merged: counted as (sharing|the KSM page), KSM page pfn (0x[0-9a-f]+)", text, re.M)
    sharers = re.findall(rf"^  pid {pid} at (0x[0-9a-f]+)$", text, re.M)
    check(kpfn and re.search(r"^mapped by 3 ", text, re.M) and sorted(sharers) == sorted(merged),
          f"ksm explain of a merged page:\n{text}")
    check(re.search(r"^merge domain 0 \(merge_across_domains 1: merges with every domain\)$", text, re.M),
          f"no merge domain line:\n{text}")
    present = re.search(r"^present: pfn (0x[0-9a-f]+), read-only", text, re.M)
    check(present and present.group(1) == kpfn.group(2), f"the page maps another frame than the KSM page:\n{text}")
    text = m.command(f"ksm explain {pid} {volatile}")
    check(re.search(r"^state: volatile$", text, re.M) and "pages_volatile" in text, f"volatile page:\n{text}")
    text = m.command(f"ksm explain {pid} {unmergeable}")
    check(re.search(r"^not mergeable: no madvise\(MADV_MERGEABLE\)", text, re.M), f"unmergeable page:\n{text}")
    text = m.command(f"ksm explain {pid} {swapped}")
    check(re.search(r"^swapped out: area \d+ slot \d+", text, re.M) and re.search(r"^state: swapped$", text, re.M),
          f"a swapped-out page:\n{text}")
    text = m.command(f"ksm explain {pid} {hole}")
    check(text.strip() == f"no mapping at {hole}", f"a hole:\n{text}")
    check("no such process" in m.command("ksm explain 4321 0x1000"), "a pid that does not exist")
    check("usage" in m.command("ksm explain 1 garbage").lower(), "garbage for an address")

    reasons = m.command(f"cat /proc/{pid}/ksm_reasons")
    rows = re.findall(r"^([0-9a-f]+)-([0-9a-f]+) (\d+) pages: (.*)$", reasons, re.M)
    check(rows, f"ksm_reasons:\n{reasons}")
    for start, end, pages, states in rows:
        counts = [int(n) for n in re.findall(r"[a-z_]+ (\d+)", states.split(" (")[0])]
        check((int(end, 16) - int(start, 16)) // 4096 == int(pages) == sum(counts),
              f"the counts do not add up to the VMA's pages: {start}-{end} {pages}: {states}")
    region = [r for r in rows if int(r[0], 16) == int(merged[0], 16)]
    check(region and re.match(r"ksm_page 1 sharing 2 zero 0 unique 0 volatile 1 ", region[0][3]),
          f"the mergeable region's states:\n{reasons}")
    check(m.command(f"ksm reasons {pid}") == reasons, "ksm reasons and /proc/PID/ksm_reasons differ")
    # The trace tells the story: the volatile page seen changing, pages unique before a twin.
    m.command("trace off")
    trace = m.command("cat /sys/kernel/tracing/trace")
    for event in ("ksm_page_volatile", "ksm_page_unique"):
        check(re.search(rf": {event}: pfn \d+ rmap_item 0x[0-9a-f]+ mm 0x[0-9a-f]+$", trace, re.M),
              f"no {event} event:\n{trace[-2000:]}")
    # smart_scan back on: the volatile page, never merging, is skipped on later scans
    ksm_set(m, "smart_scan", 1)
    m.command("trace clear")
    m.command("trace on ksm_page_skipped")
    history_agrees_with_the_counters(m)
    m.command("trace off")
    trace = m.command("cat /sys/kernel/tracing/trace")
    check(re.search(r": ksm_page_skipped: pfn \d+ rmap_item 0x[0-9a-f]+ mm 0x[0-9a-f]+$", trace, re.M),
          f"no ksm_page_skipped event:\n{trace[-2000:]}")
    plots_are_drawn(b, m)
    m.command(f"kill {pid}")
    m.poweroff()


def plots_are_drawn(b, m):
    """make bench's and make demo's plots, drawn by gnuplot from this machine's history
    (the demo's from the same samples): PNG files of the plots' size."""
    history = os.path.join(b.tmpdir, "bench-history.csv")
    check(plot.history_csv(m, history) >= 3, "too short a history to plot")
    with open(history) as f:
        rows = [line.split(",") for line in f.read().splitlines()[1:]]
    for run in ("off", "on"):
        with open(os.path.join(b.tmpdir, f"demo-ksm-{run}.csv"), "w") as f:
            f.write("time_s,used_mib,swap_mib,pages_sharing\n")
            f.writelines(f"{r[0]},{128 - int(r[9]) // 1024},{int(r[10]) // 1024},{r[2]}\n" for r in rows)
    made = plot.redraw(b.tmpdir)
    check(sorted(os.path.basename(p) for p in made) == ["convergence.png", "demo.png"], f"plots made: {made}")
    for png in made:
        check(plot.png_size(png) == plot.SIZE, f"{png} is not a {plot.SIZE} PNG: {plot.png_size(png)}")


def history_agrees_with_the_counters(m):
    """/sys/kernel/mm/ksm/history parses as CSV, time goes forward, the ring keeps the
    last 4096 samples and says how many it dropped, and once nothing changes any more (the
    merge done, then run 0) its last row holds the counters' values."""
    ksm_set(m, "sleep_millisecs", 0)  # a few pages: thousands of full scans a second
    for _ in range(600):
        if int(m.command("cat /sys/kernel/mm/ksm/full_scans").strip()) > 4200:
            break
    ksm_set(m, "run", 0)
    counters = dict(re.findall(r"^  (\w+)\s+(-?\d+)$", m.command("ksm"), re.M))
    csv = m.command("cat /sys/kernel/mm/ksm/history").strip().splitlines()
    dropped = re.fullmatch(r"# dropped (\d+)", csv[0]) if csv else None
    check(dropped and int(dropped.group(1)) > 0 and len(csv) == 2 + 4096, f"a full ring's history:\n{csv[:3]}")
    csv = csv[1:]
    check(csv and csv[0] == "time_s,pages_shared,pages_sharing,pages_unshared,pages_volatile,pages_skipped,"
          "pages_scanned,ksm_zero_pages,general_profit,mem_free_kb,swap_used_kb,ksmd_cpu_ms", f"history header:\n{csv[:3]}")
    rows = [dict(zip(csv[0].split(","), line.split(","))) for line in csv[1:]]
    check(len(rows) >= 3 and all(len(r) == 12 for r in rows), f"history rows:\n{csv[:5]}")
    times = [float(r["time_s"]) for r in rows]
    check(times == sorted(times), "history time goes backwards")
    last = rows[-1]
    for name in ("pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "ksm_zero_pages", "general_profit"):
        check(last[name] == counters[name], f"history's last {name} {last[name]}, the counter {counters[name]}")
