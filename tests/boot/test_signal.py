"""Boot tests of signal handlers and threads: user/sigtest (frames, siginfo, masks,
restarts, the alternate stack, forged rt_sigreturn frames), busybox's sh (glibc) running
its traps, for a signal it sends itself and for Ctrl-C on the console, and user/threadtest
(pthreads on clone(CLONE_THREAD): shared memory and actions, per-thread ids and masks,
exit_group, fatal signals, fork and execve from a thread), and user/mmthreads (threads with
the memory manager: KSM merging and copy-on-write breaks, swap with a futex in a page
swapped out, a userfaultfd handler thread, the OOM killer's threaded victims)."""
import re

from registry import check, check_program_passed, meminfo_kb, test, wait_exit
from test_process import run


def passes_twice_without_leaking(m, program):
    """Run the self-checking program (a command line: its first word names it) twice: both
    pass, and the second gives back every page (the first may grow slab caches for good).
    The second run's output."""
    frees = []
    for _ in range(2):
        out, _, how = run(m, program)
        check_program_passed(program.split()[0], out, how)
        frees.append(meminfo_kb(m)["MemFree"])
    check(frees[0] == frees[1], f"a {program} run leaked {frees[0] - frees[1]} kB")
    return out


@test
def signal_handlers_run_as_on_linux(b):
    m = b.machine(swap=None).start()
    m.wait_prompt()
    out = passes_twice_without_leaking(m, "sigtest")
    # the forged frames killed only their own tasks, each with its one line
    check(re.search(r"pid \d+ \(sigtest\): general protection fault at 0x4141414141414141", out)
          and re.search(r"pid \d+ \(sigtest\): bad signal frame at 0x0 ", out), f"sigtest:\n{out}")
    m.poweroff()


@test
def busybox_traps_run_for_kill_and_ctrl_c(b):
    m = b.machine(swap=None).start()
    m.wait_prompt()
    out, _, how = run(m, "sh -c \"trap 'echo caught INT' INT; kill -INT $$; echo after\"")
    check(how == ("exited", 0) and re.search(r"caught INT\s+after", out), f"sh's trap for kill:\n{out}")
    m.send("run sh -c \"trap 'echo caught ctrl-c; exit 3' INT; echo ready; while :; do sleep 1; done\"\n")
    m.expect(r"\nready")
    m.quiet_for(0.2)
    m.send("\x03")
    m.expect(r"caught ctrl-c")
    m.expect(r"\[pid \d+ exited, status=3\]")
    m.wait_prompt()
    m.poweroff()


@test
def pthreads_share_a_process(b):
    m = b.machine(swap=None).start()
    m.wait_prompt()
    passes_twice_without_leaking(m, "threadtest")
    out, _, how = run(m, "threadtest-glibc")  # glibc's threads: clone3 refused, futexes
    check_program_passed("threadtest", out, how)
    m.poweroff()


@test
def ctrl_z_stops_the_foreground_program_and_fg_bg_continue_it(b):
    """Ctrl-Z stops the foreground program (SIGTSTP) and gives the console back; ps and
    /proc show it stopped and it uses no CPU; bg continues it in the background, fg brings
    it back to the foreground, where Ctrl-C ends it."""
    m = b.machine(swap=None).start()
    m.wait_prompt()
    m.send("run spin\n")
    m.expect(r"spin: running")
    m.quiet_for(0.2)
    m.send("\x1a")
    pid = int(m.expect(r"\^Z\s+\[pid (\d+) stopped by SIGTSTP\]").group(1))
    m.wait_prompt()
    check(re.search(r"^State:\s+T \(stopped\)$", m.command(f"cat /proc/{pid}/status"), re.M),
          "/proc says nothing of the stop")
    stat = lambda: int(m.command(f"cat /proc/{pid}/stat").split()[13])  # utime, ticks
    before = stat()
    m.quiet_for(0.3)
    check(stat() == before, "a stopped program used CPU")
    check(m.command(f"bg {pid}").strip() == f"[pid {pid} continued in the background]", "bg")
    for _ in range(100):  # until it has run again (a tick of CPU), 10 s at most
        if stat() > before:
            break
        m.quiet_for(0.1)
    check(stat() > before, "bg did not continue it")
    check("no such job" in m.command("fg 99999"), "fg of no job")
    m.send(f"fg {pid}\n")
    m.quiet_for(0.2)
    m.send("\x03")
    m.expect(rf"\[pid {pid} killed by SIGINT\]")
    m.wait_prompt()
    m.poweroff()


def ksm_pages_gone(m, what):
    """Wait (20 s at most) until no KSM page is left: a process that ended has given its
    merged pages back. (Stable nodes of freed pages, chain dups among them, may stay until
    ksmd's next tree walk, which waits for a registered address space: not waited for
    here; run 2 drops them.)"""
    import time
    from test_ksm import counters
    deadline = time.monotonic() + 20
    while True:
        c = counters(m)
        if c["pages_shared"] == 0 and c["pages_sharing"] == 0:
            return c
        check(time.monotonic() < deadline, f"{what}: KSM pages left: {c}")
        m.quiet_for(0.05)


def kill_midway(m, line, seconds):
    """Start `run LINE &`, kill it (SIGTERM to the process) after `seconds`, and wait for
    its one end report, killed by SIGTERM."""
    out = m.command(f"run {line} &")
    pid = int(re.search(r"\[pid (\d+) started in the background\]", out).group(1))
    m.quiet_for(seconds)
    m.command(f"kill {pid}")
    check(wait_exit(m, pid) == ("killed", "SIGTERM"), f"{line} was not ended by SIGTERM")
    check(len(re.findall(rf"\[pid {pid} (exited|killed)", m.log)) == 1, f"pid {pid}'s end reported twice")


@test
def threads_rewrite_pages_ksmd_merges(b):
    """mmthreads ksm: 4 threads rewrite and check their slices of one mergeable region while
    ksmd runs flat out (copy-on-write breaks of KSM pages other threads read); then, every
    thread alive, the process is counted once (ksm_stat, ksm_merging_pages of each thread,
    smaps_rollup, kpageflags, the system's counters, VmRSS). Twice: memory back; and once
    killed half-way: its KSM pages and memory back."""
    from test_ksm import counters, ksm, ksm_set
    m = b.machine(mem="128M", swap=None).start()
    m.wait_prompt()
    for knob, value in (("pages_to_scan", 10000), ("sleep_millisecs", 0), ("run", 1)):
        check(ksm_set(m, knob, value) == "", f"{knob}={value} refused")
    frees = []
    for _ in range(2):
        out, _, how = run(m, "mmthreads ksm 4 256 30", timeout=120)
        check_program_passed("mmthreads", out, how)
        check(re.search(r"pages_sharing seen up to [1-9]", out), f"mmthreads ksm:\n{out}")
        check(ksm(m, "run") == 1, "mmthreads ksm left ksmd stopped")
        ksm_pages_gone(m, "after mmthreads ksm")
        ksm_set(m, "run", 2)  # drops the stable nodes of the freed pages
        ksm_set(m, "run", 1)
        c = counters(m)
        check(c["stable_node_chains"] == c["stable_node_dups"] == c["pages_unshared"] == 0,
              f"KSM state left after run 2: {c}")
        frees.append(meminfo_kb(m)["MemFree"])
    check(frees[0] == frees[1], f"a mmthreads ksm run leaked {frees[0] - frees[1]} kB")
    kill_midway(m, "mmthreads ksm 4 256 30", 0.3)  # threads killed amid faults and merges
    ksm_pages_gone(m, "after mmthreads ksm was killed")
    ksm_set(m, "run", 2)
    ksm_set(m, "run", 1)
    check(meminfo_kb(m)["MemFree"] == frees[1], "memory did not come back after the kill")
    m.poweroff()


@test
def threads_swap_and_a_futex_in_a_swapped_page(b):
    """mmthreads swap: 4 threads write 80 MiB on a 64 MiB machine and read it back, each
    checking another's pages (swap-ins of one address space by several threads); one
    thread waits on a futex whose page goes out to swap meanwhile, and another's
    FUTEX_WAKE finds it (no lost wake-up, the page intact). Memory and swap back, and
    again after a run killed half-way."""
    from test_swap import swap_back_to_empty
    m = b.machine(mem="64M", swap="128M").start()
    m.wait_prompt()
    run(m, "mmthreads uffd")  # warm-up: slab caches grown for threads
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, "mmthreads swap 80", timeout=120)
    check_program_passed("mmthreads", out, how)
    check(re.search(r"futex page swapped out", out) and re.search(r"FUTEX_WAKE woke 1,", out),
          f"mmthreads swap:\n{out}")
    swap_back_to_empty(m, "after mmthreads swap", before)
    kill_midway(m, "mmthreads swap 80", 1.5)  # threads killed amid swap-ins and reclaim
    swap_back_to_empty(m, "after mmthreads swap was killed", before)
    m.poweroff()


@test
def threads_userfaultfd_handler_thread(b):
    """mmthreads uffd: a handler thread serves, with UFFDIO_COPY, the missing-page faults of
    three other threads of its process (user reads and writes, and a read() into the
    region), each message naming the faulting thread; a process whose thread waits on a
    fault nobody serves ends at exit_group. Twice: memory back."""
    m = b.machine(swap=None).start()
    m.wait_prompt()
    out = passes_twice_without_leaking(m, "mmthreads uffd")
    check(re.search(r"64 faults served by the handler thread", out), f"mmthreads uffd:\n{out}")
    m.poweroff()


@test
def oom_kills_a_threaded_process_once(b):
    """mmthreads oom: a child whose 4 threads together touch 160 MiB on a 128 MiB machine
    without swap. The OOM killer ends the whole process once, naming its pid (not a
    thread's); its parent sees one SIGKILL end; memory comes back. Then a process whose 4
    threads hold 70 MiB and sleep is the victim of another task's fault (memtouch 60): it
    is killed once, reported once (SIGKILL), memtouch finishes, memory comes back."""
    m = b.machine(mem="128M", swap=None).start()
    m.wait_prompt()
    run(m, "mmthreads uffd")  # warm-up
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, "mmthreads oom 160", timeout=120)
    check_program_passed("mmthreads", out, how)
    child = re.search(r"mmthreads: oom: child (\d+) with", out)
    kills = re.findall(r"out of memory: killed pid (\d+) \((\w+)\)", out)
    check(child and kills == [(child.group(1), "mmthreads")],
          f"not one OOM kill naming the child's pid:\n{out}")
    for _ in range(50):  # the address space goes a moment after the end is reported
        if meminfo_kb(m)["MemFree"] == before:
            break
        m.quiet_for(0.1)
    check(meminfo_kb(m)["MemFree"] == before, "memory did not come back after the OOM kill")
    # The victim chosen by another task's fault: its threads asleep (join, nanosleep)
    m.send("run mmthreads hold 70 &\n")
    holder = int(m.expect(r"\[pid (\d+) started in the background\]").group(1))
    m.expect(r"mmthreads: holding 70 MiB in 4 threads", timeout=60)
    ps = m.command("ps")  # one row for the process, its memory once
    rows = re.findall(r"^\s*(\d+)\s+\d+\s+[RSZ]\s+\d+\s+\d+\s+(\d+)\s+\d+\s+(\d+)\s+\d+ mmthreads$", ps, re.M)
    check(len(rows) == 1 and rows[0][0] == str(holder) and rows[0][1] == "5" and
          int(rows[0][2]) >= 70 * 1024,
          f"ps does not show the threaded holder once:\n{ps}")
    out, _, how = run(m, "memtouch 60 unique", timeout=120)
    check(how == ("exited", 0), f"memtouch ended {how}:\n{out}")
    kills = re.findall(r"out of memory: killed pid (\d+) \((\w+)\)", m.log)
    check(kills[1:] == [(str(holder), "mmthreads")], f"not one OOM kill of the holder {holder}: {kills}")
    check(wait_exit(m, holder) == ("killed", "SIGKILL"), "the holder's end was not reported as SIGKILL")
    check(len(re.findall(rf"\[pid {holder} (exited|killed)", m.log)) == 1, "the holder's end reported twice")
    for _ in range(50):
        if meminfo_kb(m)["MemFree"] == before:
            break
        m.quiet_for(0.1)
    check(meminfo_kb(m)["MemFree"] == before, "memory did not come back after the second OOM kill")
    m.poweroff()
