"""Boot tests of KSM: ksmd's merging with exact counters, copy-on-write breaks, unmerging,
registration by madvise and prctl, max_page_sharing chains, use_zero_pages, smart scan,
the knobs, /proc and /sys views, trace events, and memory back to its baseline. Waits are
on full_scans advancing, never on wall-clock time."""
import re
import time

from registry import check, counted, meminfo_kb, test, wait_exit
from test_process import run

KSM = "/sys/kernel/mm/ksm/"
COUNTERS = ("pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "pages_scanned",
            "pages_skipped", "full_scans", "stable_node_chains", "stable_node_dups",
            "ksm_zero_pages", "general_profit")


def ksm(m, name):
    out = m.command(f"cat {KSM}{name}").strip()
    check(re.fullmatch(r"-?\d+", out), f"{name} reads {out!r}")
    return int(out)


def ksm_set(m, name, value):
    """echo value > knob: the shell's output (empty on success)."""
    return m.command(f"echo {value} > {KSM}{name}").strip()


def counters(m):
    """Every counter, from the shell's ksm summary (one command, one consistent look)."""
    out = m.command("ksm")
    values = dict((k, int(v)) for k, v in re.findall(r"^  (\w+)\s+(-?\d+)$", out, re.M))
    check(all(c in values for c in COUNTERS), f"ksm summary:\n{out}")
    return values


def wait_until(m, what, cond, scans=40, seconds=300):
    """Let up to `scans` full scans pass until cond(counters) holds; the counters then. Also
    bounded in time: ksmd sleeps while no address space is registered, and then full_scans
    stands still (stale stable nodes of freed pages, for one, stay until its next walk)."""
    start = ksm(m, "full_scans")
    deadline = time.monotonic() + seconds
    while True:
        c = counters(m)
        if cond(c):
            return c
        check(c["full_scans"] - start <= scans, f"{what}: not after {scans} full scans: {c}")
        check(time.monotonic() < deadline, f"{what}: not after {seconds} s: {c}")
        m.quiet_for(0.05)


def wait_scans(m, n):
    target = ksm(m, "full_scans") + n
    deadline = time.monotonic() + 60
    while ksm(m, "full_scans") < target:
        check(time.monotonic() < deadline, f"ksmd did not complete {n} scans in 60 s")
        m.quiet_for(0.05)


def start_vmsim(m, args, domain=None):
    """Start vmsim in the background (in KSM merge domain `domain` if given); return (vmsim
    pid, guest pids) once its guests are ready."""
    m.send(f"run {'' if domain is None else f'--domain {domain} '}vmsim {args} &\n")
    pid = int(m.expect(r"\[pid (\d+) started in the background\]").group(1))
    guests = [int(p) for p in m.expect(r"vmsim: guest pids ([\d ]+)\n").group(1).split()]
    m.expect(r"vmsim: \d+ guests ready\n")  # (the shell's prompt came before these lines)
    return pid, guests


def stop_vmsim(m, pid):
    """Kill vmsim and wait until its guests (which notice within 100 ms) are gone too."""
    m.command(f"kill {pid}")
    deadline = time.monotonic() + 30
    while re.search(r" vmsim$", m.command("ps"), re.M):
        check(time.monotonic() < deadline, "vmsim's guests did not end")
        m.quiet_for(0.05)


def proc_stat(m, pid, name):
    return dict(re.findall(r"^(\w+):? (\S+)$", m.command(f"cat /proc/{pid}/{name}"), re.M))


def pagestat(m, pid):
    out, _, how = run(m, f"pagestat {pid}")
    check(how == ("exited", 0), f"pagestat ended {how}:\n{out}")
    total = re.search(r"pagestat: total present (\d+) ksm (\d+) zero (\d+) ksm_frames (\d+) "
                      r"max_ksm_mapcount (\d+)", out)
    check(total, f"pagestat output:\n{out}")
    return dict(zip(("present", "ksm", "zero", "ksm_frames", "max_ksm_mapcount"),
                    map(int, total.groups())))


@test
def ksm_seed_merges_then_unmerges(b):
    m = b.machine().start()
    m.wait_prompt()
    check(ksm(m, "run") == 0, "run is not 0 by default")
    out, _, how = run(m, "ksm-seed")
    check(how == ("exited", 1) and "ksmd is not running" in out, f"ksm-seed with run 0:\n{out}")
    check(ksm_set(m, "run", 1) == "", "echo 1 > run failed")
    out, _, how = run(m, "ksm-seed")
    check(how == ("exited", 0), f"ksm-seed:\n{out}")
    check("pages_shared 1 pages_sharing 2" in out and "pages_sharing 0, 0 bytes wrong" in out
          and "merged, then unmerged" in out, f"ksm-seed:\n{out}")
    ps = m.command("ps")
    check(re.search(r"^\s*2\s+0\s+[RS]\s+\d+\s+-\s+1\s+\d+\s+0\s+0\s+\[ksmd\]$", ps, re.M), f"ps does not show ksmd:\n{ps}")
    summary = m.command("ksm")
    for name in COUNTERS + ("pages_to_scan", "sleep_millisecs", "max_page_sharing", "use_zero_pages",
                            "merge_across_nodes", "smart_scan", "ksmd cpu", "MiB saved"):
        check(name in summary, f"ksm summary lacks {name}:\n{summary}")
    check(re.search(r"ksmd: running \(run 1\) on CPU [01]$", summary, re.M), f"ksm summary run state:\n{summary}")
    m.send("ksm watch\n")
    m.expect(r"ksmd: running")
    m.expect(r"scan: \[[#.]{40}\] \d+% of \d+ pages")  # the current full scan's progress
    # sparklines: UTF-8 blocks U+2581-U+2588, which the console log holds as latin-1 bytes
    m.expect(r"history \(\d+ samples over \d+ s, oldest left\):\n  pages_sharing +(?:\xe2\x96[\x81-\x88])+ \d+")
    m.expect(r"ksmd: running")  # refreshed a second later
    m.send("\x03")
    m.wait_prompt()
    check(m.command("echo after-watch").strip() == "after-watch", "the shell did not come back from ksm watch")
    m.poweroff()


@test
def merging_across_tasks_exact_counters(b):
    m = b.machine().start()
    m.wait_prompt()
    ksm_set(m, "run", 1)
    # 3 guests x 64 pages: 32 identical across guests, 16 zero, 16 unique each
    pid, guests = start_vmsim(m, "-n 3 -g 64 -s 50 -z 25")
    c = wait_until(m, "merge", lambda c: c["pages_shared"] + c["pages_sharing"] == 32 * 3 + 16 * 3)
    check(c["pages_shared"] == 33 and c["pages_sharing"] == 32 * 2 + 47, f"counters: {c}")
    check(c["general_profit"] > 0 and c["pages_scanned"] > 0 and c["full_scans"] >= 2, f"counters: {c}")
    check(0 < c["pages_unshared"] <= 48, f"unique pages are not in the unstable tree: {c}")
    st = proc_stat(m, guests[0], "ksm_stat")
    check(st.get("ksm_merging_pages") == "48" and st.get("ksm_rmap_items") == "64"
          and st.get("ksm_zero_pages") == "0" and st.get("ksm_merge_any") == "no"
          and st.get("ksm_mergeable") == "yes", f"ksm_stat: {st}")
    check(int(st["ksm_process_profit"]) == 48 * 4096 - 64 * 64, f"ksm_process_profit: {st}")
    check(m.command(f"cat /proc/{guests[1]}/ksm_merging_pages").strip() == "48", "ksm_merging_pages")
    smaps = m.command(f"cat /proc/{guests[0]}/smaps")
    ksm_kb = [int(v) for v in re.findall(r"^KSM:\s+(\d+) kB$", smaps, re.M)]
    check(len(ksm_kb) == len(re.findall(r"^VmFlags:", smaps, re.M)) and sum(ksm_kb) == 48 * 4,
          f"smaps KSM lines: {ksm_kb}\n{smaps}")
    check(re.search(r"VmFlags: rd wr mr mw me ac mg $", smaps, re.M), "no mergeable VMA in VmFlags")
    rollup = m.command(f"cat /proc/{guests[0]}/smaps_rollup")
    check(re.search(r"\[rollup\]$", rollup, re.M) and re.search(r"^KSM:\s+192 kB$", rollup, re.M)
          and re.search(r"^Pss_Anon:\s+\d+ kB$", rollup, re.M), f"smaps_rollup:\n{rollup}")
    ps = pagestat(m, guests[0])
    check(ps["ksm"] == 48 and ps["ksm_frames"] == 33 and ps["max_ksm_mapcount"] == 48, f"pagestat: {ps}")
    # smart scan: the unique pages never merge and are skipped after a few scans
    c = wait_until(m, "skip", lambda c: c["pages_skipped"] > 0)
    check(ksm_set(m, "smart_scan", 0) == "", "smart_scan 0 refused")
    wait_scans(m, 1)
    skipped = ksm(m, "pages_skipped")
    wait_scans(m, 3)
    check(ksm(m, "pages_skipped") == skipped, "pages were skipped with smart_scan 0")
    stop_vmsim(m, pid)
    c = wait_until(m, "exit", lambda c: c["pages_shared"] == 0 and c["pages_sharing"] == 0, scans=1000)
    check(c["pages_unshared"] == 0 and c["pages_volatile"] == 0 and c["general_profit"] == 0,
          f"counters after the guests exited: {c}")
    m.poweroff()


@test
def max_page_sharing_chains(b):
    m = b.machine().start()
    m.wait_prompt()
    ksm_set(m, "run", 1)
    check(ksm_set(m, "max_page_sharing", 10) == "", "max_page_sharing 10 refused")
    m.command("trace on ksm_merge_failed")
    pid, guests = start_vmsim(m, "-n 1 -g 200 -s 0 -z 100")
    c = wait_until(m, "merge", lambda c: c["pages_shared"] + c["pages_sharing"] == 200)
    m.command("trace off")
    trace = m.command("cat /sys/kernel/tracing/trace")
    check(re.search(r": ksm_merge_failed: pfn \d+ address 0 mm 0x0 reason max_page_sharing reached$", trace, re.M),
          f"no ksm_merge_failed event for a full KSM page:\n{trace[-2000:]}")
    check(c["pages_shared"] >= 20 and c["stable_node_chains"] == 1 and
          c["stable_node_dups"] == c["pages_shared"], f"counters: {c}")
    ps = pagestat(m, guests[0])
    check(ps["ksm"] == 200 and ps["max_ksm_mapcount"] <= 10 and ps["ksm_frames"] == c["pages_shared"],
          f"pagestat: {ps}")
    check(ksm_set(m, "max_page_sharing", 20) == f"shell: {KSM}max_page_sharing: Device or resource busy",
          "max_page_sharing changed while KSM pages exist")
    check(ksm_set(m, "merge_across_nodes", 0) == f"shell: {KSM}merge_across_nodes: Device or resource busy",
          "merge_across_nodes changed while KSM pages exist")
    check(ksm(m, "max_page_sharing") == 10 and ksm(m, "merge_across_nodes") == 1, "a refused knob changed")
    stop_vmsim(m, pid)
    wait_until(m, "exit", lambda c: c["pages_shared"] == 0, scans=1000)
    check(ksm_set(m, "max_page_sharing", 256) == "" and ksm(m, "max_page_sharing") == 256,
          "max_page_sharing not settable once the KSM pages are gone")
    check(ksm_set(m, "merge_across_nodes", 0) == "" and ksm_set(m, "merge_across_nodes", 1) == "",
          "merge_across_nodes not settable without KSM pages")
    c = counters(m)
    check(c["stable_node_chains"] == 0 and c["stable_node_dups"] == 0, f"stale chains left: {c}")
    m.poweroff()


@test
def use_zero_pages_maps_the_zero_page(b):
    m = b.machine().start()
    m.wait_prompt()
    ksm_set(m, "run", 1)
    check(ksm_set(m, "use_zero_pages", 1) == "" and ksm(m, "use_zero_pages") == 1, "use_zero_pages 1")
    m.command("trace on ksm_merge_one_page")
    pid, guests = start_vmsim(m, "-n 2 -g 64 -s 0 -z 50")
    c = wait_until(m, "zero merge", lambda c: c["ksm_zero_pages"] == 64)
    check(c["pages_shared"] == 0 and c["pages_sharing"] == 0 and c["general_profit"] > 0, f"counters: {c}")
    st = proc_stat(m, guests[1], "ksm_stat")
    check(st.get("ksm_zero_pages") == "32", f"ksm_stat: {st}")
    ps = pagestat(m, guests[0])
    check(ps["zero"] == 32 and ps["ksm"] == 0, f"pagestat: {ps}")
    trace = m.command("trace")
    check(re.search(r"ksmd-2\s+\[\d{3}\]\s+\d+\.\d{6}: ksm_merge_one_page: ksm pfn \d+ rmap_item 0x[0-9a-f]+ "
                    r"mm 0x[0-9a-f]+ error 0$", trace, re.M), f"no ksm_merge_one_page event:\n{trace}")
    stop_vmsim(m, pid)
    wait_until(m, "exit", lambda c: c["ksm_zero_pages"] == 0, scans=1000)
    check(ksm_set(m, "use_zero_pages", 0) == "", "use_zero_pages 0")
    m.poweroff()


@test
def copy_on_write_break_and_unmerge(b):
    m = b.machine().start()
    m.wait_prompt()
    ksm_set(m, "run", 1)
    for mode in ("cow", "unmerge", "prctl", "volatile"):
        out, _, how = run(m, f"ksm-test {mode}", timeout=120)
        check(how == ("exited", 0) and f"ksm-test: {mode} ok" in out, f"ksm-test {mode}:\n{out}")
    vmstat = dict(re.findall(r"^(\w+) (\d+)$", m.command("cat /proc/vmstat"), re.M))
    check(int(vmstat.get("cow_ksm", 0)) >= 1 and "ksm_swpin_copy" in vmstat and "pgfault" in vmstat,
          f"/proc/vmstat: {vmstat}")
    # run 2 unmerges everything with the contents intact and keeps the registration
    m.send("run ksm-test hold &\n")
    pid = int(m.expect(r"\[pid (\d+) started in the background\]").group(1))
    m.expect(r"ksm-test: hold: merged \d+ pages, waiting for unmerge\n")
    # The background task prints while the knob is written: skip the prompts left over
    # once it has said it is done, then wait for its exit report (made before a prompt,
    # once its exit, maybe on the other CPU, is through).
    m.send(f"echo 2 > {KSM}run\n")
    m.expect(r"ksm-test: hold ok\n")
    m.sync()
    check(wait_exit(m, pid) == ("exited", 0), "ksm-test hold did not exit with status 0")
    check(ksm(m, "run") == 2, "run 2")
    c = counters(m)
    check(c["pages_shared"] == 0 and c["pages_sharing"] == 0 and c["pages_unshared"] == 0
          and c["pages_volatile"] == 0 and c["stable_node_chains"] == 0, f"counters after run 2: {c}")
    m.poweroff()


@test
def ksm_check_finds_no_corruption(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    # Processes, then threads of one process on every CPU (writing while ksmd on another
    # write-protects and replaces their pages: the TLB shootdown keeps them exact).
    for args in ("4 128 8", "--threads 4 128 8"):
        out, _, how = run(m, f"ksm-check {args}", timeout=300)
        r = re.search(r"on \d+ CPUs, pages_sharing seen up to (\d+)", out)
        check(how == ("exited", 0) and counted(r"ksm-check: (\d+) pages verified, 0 corrupted", out)
              and r and int(r.group(1)) > 0, f"ksm-check {args}:\n{out}")
    check(ksm(m, "run") == 0 and ksm(m, "pages_to_scan") == 100 and ksm(m, "sleep_millisecs") == 20,
          "ksm-check did not restore the knobs")
    m.poweroff()


@test
def trace_events_of_a_merge(b):
    m = b.machine().start()
    m.wait_prompt()
    ksm_set(m, "run", 1)
    check(m.command("trace on").strip() == "trace: 12 events on", "trace on")
    out, _, how = run(m, "ksm-test cow")
    check(how == ("exited", 0), f"ksm-test cow:\n{out}")
    ksm_set(m, "run", 2)  # drops the freed KSM page's stable node
    trace = m.command("cat /sys/kernel/tracing/trace")
    check(trace.startswith("# tracer: nop"), f"trace header:\n{trace}")
    hexp = r"0x[0-9a-f]+"
    for line in (rf"ksm-test-\d+\s+\[\d{{3}}\]\s+\d+\.\d{{6}}: ksm_enter: mm {hexp}",
                 r"ksmd-2\s+\[\d{3}\]\s+\d+\.\d{6}: ksm_start_scan: seq \d+ rmap size \d+",
                 r"ksmd-2\s+\[\d{3}\]\s+\d+\.\d{6}: ksm_stop_scan: seq \d+ rmap size 3",
                 rf"ksm_merge_with_ksm_page: ksm_page 0x0 pfn \d+ rmap_item {hexp} mm {hexp} error 0",
                 rf"ksm_merge_with_ksm_page: ksm_page {hexp} pfn \d+ rmap_item {hexp} mm {hexp} error 0",
                 rf"ksm_remove_rmap_item: pfn \d+ rmap_item {hexp} mm {hexp}",
                 rf"ksm_exit: mm {hexp}",
                 r"ksm_remove_ksm_page: pfn \d+"):
        check(re.search(line + "$", trace, re.M), f"trace lacks {line}:\n{trace}")
    # one event on its own, through its enable file; writing the trace file empties it
    m.command("trace off")
    check(m.command("cat /sys/kernel/tracing/events/ksm/enable").strip() == "0", "ksm events still on")
    m.command("echo 1 > /sys/kernel/tracing/events/ksm/ksm_enter/enable")
    check(m.command("cat /sys/kernel/tracing/events/ksm/enable").strip() == "X", "mixed state is not X")
    m.command("echo > /sys/kernel/tracing/trace")
    ksm_set(m, "run", 1)
    run(m, "ksm-seed")
    events = re.findall(r": (ksm_\w+): ", m.command("trace"))
    check(events == ["ksm_enter"], f"only ksm_enter was enabled, got {events}")
    m.poweroff()


@test
def bad_knob_values_are_refused(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "ksm-test knobs")
    check(how == ("exited", 0) and "ksm-test: knobs ok" in out, f"ksm-test knobs:\n{out}")
    for knob, bad in (("run", 3), ("pages_to_scan", "x12"), ("sleep_millisecs", -5),
                      ("max_page_sharing", 1), ("use_zero_pages", "perhaps"), ("smart_scan", 7),
                      ("merge_across_nodes", 2)):
        before = ksm(m, knob)
        check(ksm_set(m, knob, bad) == f"shell: {KSM}{knob}: Invalid argument", f"{knob} {bad} accepted")
        check(ksm(m, knob) == before, f"{knob} changed by a refused value")
    check(ksm_set(m, "pages_shared", 5) == f"shell: {KSM}pages_shared: Read-only file system",
          "a counter was writable")
    for knob, value in (("pages_to_scan", 1234), ("sleep_millisecs", 5), ("smart_scan", 0),
                        ("use_zero_pages", 1)):
        check(ksm_set(m, knob, value) == "" and ksm(m, knob) == value, f"{knob} {value}")
    m.poweroff()


@test
def chain_pruning_knob_and_counters(b):
    """stable_node_chains_prune_millisecs: 2000 by default, Linux's parsing; a chain of
    max_page_sharing-2 pairs has exact counters, keeps its shape while the interval is
    long, and is pruned (folded back into one plain node) once it is 2000 ms."""
    m = b.machine().start()
    m.wait_prompt()
    knob = "stable_node_chains_prune_millisecs"
    check(ksm(m, knob) == 2000, f"{knob} is not 2000 by default")
    for bad in ("x12", -1, "2000ms", 4294967296):
        check(ksm_set(m, knob, bad) == f"shell: {KSM}{knob}: Invalid argument", f"{knob} {bad} accepted")
        check(ksm(m, knob) == 2000, f"{knob} changed by {bad}")
    check(ksm_set(m, knob, 750) == "" and ksm(m, knob) == 750, f"{knob} 750")
    check(ksm_set(m, knob, 2000) == "", f"{knob} 2000")
    ksm_set(m, "run", 1)
    check(ksm_set(m, "max_page_sharing", 2) == "", "max_page_sharing 2 refused")

    def workload():
        out, _, how = run(m, "ksm-test chain", timeout=180)
        check(how == ("exited", 0) and "ksm-test: chain ok" in out, f"ksm-test chain:\n{out}")
        for line in ("merged: pages_shared 32 pages_sharing 32 stable_node_chains 1 stable_node_dups 32",
                     "unmapped, interval 600000 ms: pages_shared 1 pages_sharing 0 stable_node_chains 1",
                     "pruned: pages_shared 1 pages_sharing 0 stable_node_chains 0 stable_node_dups 0"):
            check(f"ksm-test: chain: {line}" in out, f"ksm-test chain lacks {line!r}:\n{out}")
        c = wait_until(m, "exit", lambda c: c["pages_shared"] == 0 and c["stable_node_dups"] == 0)
        check(c["pages_sharing"] == 0 and c["stable_node_chains"] == 0, f"counters after exit: {c}")
        check(ksm(m, knob) == 2000 and ksm(m, "smart_scan") == 1, "ksm-test chain did not restore the knobs")

    workload()  # warm-up: slab caches and page tables that stay once made
    before = meminfo_kb(m)["MemFree"]
    workload()
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before, {after} kB after")
    check(ksm_set(m, "max_page_sharing", 256) == "", "max_page_sharing not settable afterwards")
    m.poweroff()


@test
def zero_page_unmerge_gives_own_frames(b):
    """KSM zero pages unmerged by MADV_UNMERGEABLE (half, the rest by writes), by turning
    PR_SET_MEMORY_MERGE off and by run = 2 each get a zeroed frame of their own again, and
    ksm_zero_pages (the process's and the global one) falls to 0."""
    m = b.machine().start()
    m.wait_prompt()
    ksm_set(m, "run", 1)
    out, _, how = run(m, "ksm-test zero", timeout=180)
    check(how == ("exited", 0) and "ksm-test: zero ok" in out, f"ksm-test zero:\n{out}")
    for how_ in ("MADV_UNMERGEABLE and writes", "prctl off", "run = 2"):
        line = (f"ksm-test: zero: {how_}: ksm_zero_pages 0 (global 0), 32 of 32 pages own their "
                "frame, 0 bytes wrong")
        check(line in out, f"ksm-test zero lacks {line!r}:\n{out}")
    check(ksm(m, "ksm_zero_pages") == 0 and ksm(m, "use_zero_pages") == 0 and ksm(m, "run") == 1,
          "ksm-test zero left state behind")
    m.poweroff()


@test
def ksm_memory_returns_to_baseline(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    ksm_set(m, "run", 1)

    def workload():
        for line in ("ksm-seed", "ksm-test unmerge", "ksm-test prctl"):
            out, _, how = run(m, line, timeout=120)
            check(how == ("exited", 0), f"{line}:\n{out}")
        pid, _ = start_vmsim(m, "-n 2 -g 128 -s 50 -z 25")
        wait_until(m, "merge", lambda c: c["pages_sharing"] >= 64)
        stop_vmsim(m, pid)
        ksm_set(m, "run", 2)
        ksm_set(m, "run", 1)

    workload()  # warm-up: slab caches and page tables that stay once made
    before = meminfo_kb(m)["MemFree"]
    workload()
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before, {after} kB after")
    c = counters(m)
    check(c["pages_shared"] == c["pages_sharing"] == c["pages_unshared"] == c["stable_node_dups"] == 0,
          f"counters: {c}")
    m.poweroff()
