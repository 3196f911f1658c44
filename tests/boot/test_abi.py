"""Boot tests of the wider Linux ABI and of robustness: busybox (a glibc static binary) as
/bin/sh with its applets, posix_spawn/system/popen/assert, the stat family, file and
shared mappings, poll, signals, /proc fidelity, the task, file and VMA limits, the OOM
killer, hostile system calls, and a shell that survives any input."""
import random
import re

from registry import check, check_program_passed, counted, meminfo_kb, start_spin, stress, test, wait_exit
from test_process import run
from test_ksm import ksm_set, wait_until


@test
def busybox_shell_and_applets(b):
    m = b.machine().start()
    m.wait_prompt()
    entries = [l for l in m.command("ls /bin").splitlines() if l.strip()]
    out, _, how = run(m, 'sh -c "ls /bin | wc -l"')
    check(how == ("exited", 0) and out.strip().splitlines()[-1].strip() == str(len(entries)),
          f"ls /bin | wc -l gave {out!r}, the shell lists {len(entries)}")
    out, _, how = run(m, "ps")
    check(how == ("exited", 0) and re.search(r"^\s*1 0\s+\[shell\]$", out, re.M)
          and re.search(r"^\s*2 0\s+\[ksmd\]$", out, re.M) and re.search(r"\d+ 0\s+/bin/ps$", out, re.M),
          f"busybox ps:\n{out}")
    total = meminfo_kb(m)["MemTotal"]
    out, _, how = run(m, "free")
    check(how == ("exited", 0) and re.search(rf"^Mem:\s+{total}\s+\d+\s+\d+", out, re.M), f"free:\n{out}")
    out, _, how = run(m, "cat /proc/meminfo")
    check(how == ("exited", 0) and re.search(rf"^MemTotal:\s+{total} kB$", out, re.M), f"cat:\n{out}")
    # the shell's sh: busybox interactive on the console, exit comes back
    m.send("sh\n")
    m.expect(r"/ # ")
    m.send("echo in-busybox $((6*7))\n")
    m.expect(r"in-busybox 42")
    m.send("sleep 30\n")
    m.quiet_for(0.3)
    m.send("\x03")  # interrupts sleep, not the shell that catches SIGINT
    m.expect(r"/ # ")
    m.send("exit 0\n")  # (a bare exit would return the interrupted sleep's 130)
    m.expect(r"\[pid \d+ exited, status=0\]")
    m.wait_prompt()
    check(m.command("echo back").strip() == "back", "the shell did not come back after sh")
    m.poweroff()


@test
def posix_spawn_system_popen_assert(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "spawntest")
    check_program_passed("spawntest", out, how)
    m.poweroff()


@test
def abi_breadth(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "abitest")
    check_program_passed("abitest", out, how)
    m.poweroff()


@test
def vdso_calls_make_no_system_call_in_musl_and_glibc(b):
    """clock_gettime, gettimeofday, time and sched_getcpu, a thousand calls each, add
    nothing to the task's system-call count (/proc/self/status) in a musl and a glibc static
    program, and agree with the system calls; ten getppid calls add ten."""
    m = b.machine().start()
    m.wait_prompt()
    for prog in ("vdsocount", "vdsocount-glibc"):
        out, _, how = run(m, prog)
        check_program_passed("vdsocount", out, how)
        zeros = re.findall(r"^vdsocount: \S+(?: \S+)? x1000: 0 system calls$", out, re.M)
        check(len(zeros) == 6, f"{prog}: not every vDSO function was counted:\n{out}")
    m.poweroff()


@test
def abi_conformance_matches_linux(b):
    """Every case of user/abi-conformance gives the exact result Debian's Linux 6.1 gives
    (`make conformance` proves the table there), and the run leaks no memory."""
    m = b.machine().start()
    m.wait_prompt()
    frees = []
    for _ in range(2):  # the first run may grow slab caches for good; the second may not
        out, _, how = run(m, "abi-conformance")
        cases = re.search(r"^abi-conformance: (\d+) cases, 0 failed$", out, re.M)
        check(how == ("exited", 0) and cases and int(cases.group(1)) >= 300, f"abi-conformance:\n{out}")
        frees.append(meminfo_kb(m)["MemFree"])
    check(frees[0] == frees[1], f"a conformance run leaked {frees[0] - frees[1]} kB")
    m.poweroff()


@test
def proc_files_as_linux_has_them(b):
    m = b.machine().start()
    m.wait_prompt()
    pid = start_spin(m)
    status = m.command(f"cat /proc/{pid}/status")
    for field in ("Name:\tspin", "Umask:\t0022", "State:\t[RS] ", f"Tgid:\t{pid}", f"Pid:\t{pid}",
                  "PPid:\t1", r"VmPeak:\s+\d+ kB", r"VmSize:\s+\d+ kB", r"VmRSS:\s+\d+ kB",
                  r"RssAnon:\s+\d+ kB", r"VmSwap:\s+0 kB", "Threads:\t1"):
        check(re.search("^" + field, status, re.M), f"status lacks {field!r}:\n{status}")
    check(re.fullmatch(r"\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+", m.command("cat /proc/loadavg").strip()),
          "loadavg format")
    stat = m.command("cat /proc/stat")
    check(re.search(r"^cpu  \d+ 0 \d+ \d+ 0 0 0 0 0 0$", stat, re.M) and re.search(r"^ctxt \d+$", stat, re.M),
          f"/proc/stat:\n{stat}")
    cpuinfo = m.command("cat /proc/cpuinfo")
    check(re.search(r"^processor\t: 0$", cpuinfo, re.M) and re.search(r"^flags\t\t:.* sse2", cpuinfo, re.M),
          f"/proc/cpuinfo:\n{cpuinfo}")
    check(m.command("cat /proc/version").startswith("Linux version "), "/proc/version")
    up = m.command("cat /proc/uptime").split()
    check(len(up) == 2 and all(re.fullmatch(r"\d+\.\d\d", v) for v in up), f"/proc/uptime: {up}")
    vmstat = dict(re.findall(r"^(\w+) (\d+)$", m.command("cat /proc/vmstat"), re.M))
    check(all(k in vmstat for k in ("nr_free_pages", "pgfault", "pgmajfault", "cow_ksm")), f"vmstat: {vmstat}")
    m.command(f"kill {pid}")
    m.poweroff()


@test
def task_file_and_vma_limits(b):
    m = b.machine().start()
    m.wait_prompt()
    before = meminfo_kb(m)["MemFree"]
    for mode, line in (("tasks", r"limits: tasks: \d+ before EAGAIN"), ("files", r"limits: files: 253 before EMFILE"),
                       ("vmas", r"limits: vmas: \d+ mappings before ENOMEM")):
        out, _, how = run(m, f"limits {mode}", timeout=120)
        check(how == ("exited", 0) and re.search(line, out), f"limits {mode}:\n{out}")
    check(m.command("cat /proc/sys/vm/max_map_count").strip() == "65530", "max_map_count not restored")
    run(m, "limits tasks")  # warm-up done: a second round must give back everything
    before = meminfo_kb(m)["MemFree"]
    run(m, "limits tasks")
    check(meminfo_kb(m)["MemFree"] == before, "the task limit run leaked memory")
    m.poweroff()


@test
def oom_kills_the_biggest_task(b):
    m = b.machine(mem="128M").start()
    m.wait_prompt()
    run(m, "memtouch 8 unique")  # warm-up
    before = meminfo_kb(m)["MemFree"]
    keeper = int(re.search(r"\[pid (\d+) started", m.command("run memtouch 16 unique 4 &")).group(1))
    out, big, how = run(m, "memtouch 200 unique", timeout=120)
    check(how == ("killed", "SIGKILL"), f"the big task ended {how}:\n{out}")
    check(re.search(rf"out of memory: killed pid {big} \(memtouch\), rss \d+ KiB", out),
          f"no OOM line for pid {big}:\n{out}")
    kept = r"memtouch: 16 MiB \(4096 pages, unique\) touched, 0 mismatches"
    if not re.search(kept, out):  # it may have finished before the kill
        m.expect(kept, timeout=60)
    if not re.search(rf"\[pid {keeper} exited, status=0\]", out):  # reported after the kill
        check(wait_exit(m, keeper, tries=100) == ("exited", 0), f"the keeper (pid {keeper}) failed")
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"memory did not come back after the OOM kill: {before} kB, then {after} kB")
    m.poweroff()


def rss_kb(m, pid):
    status = m.command(f"cat /proc/{pid}/status")
    r = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.M)
    check(r, f"/proc/{pid}/status:\n{status}")
    return int(r.group(1))


def hold_memory(m, mib, flags=""):
    """Start `memtouch [flags] MIB unique 600` in the background; its pid, once all of its
    memory is resident (unless flags make it mergeable: then as soon as it started)."""
    pid = int(re.search(r"\[pid (\d+) started", m.command(f"run memtouch {flags} {mib} unique 600 &")).group(1))
    for _ in range(400):
        if flags or rss_kb(m, pid) >= mib * 1024:
            break
        m.quiet_for(0.05)
    return pid


def run_out_of_memory(m, mib):
    """Run `memtouch MIB unique`, which the OOM killer must let finish; the kills it caused:
    (pid, name, frees KiB, kernel KiB) each."""
    out, _, how = run(m, f"memtouch {mib} unique", timeout=120)
    check(how == ("exited", 0) and f"memtouch: {mib} MiB ({mib * 256} pages, unique) touched, 0 mismatches" in out,
          f"the task that ran out of memory ended {how}:\n{out}")
    return [(int(pid), name, int(frees), int(kernel)) for pid, name, frees, kernel in re.findall(
        r"out of memory: killed pid (\d+) \((\w+)\), rss \d+ KiB, swap 0 KiB, frees (\d+) KiB \(kernel (\d+) KiB\)",
        m.log)]


def end_holder(m, pid, mib):
    """The holder of mib MiB is alive with all of it; end it with SIGTERM."""
    check(rss_kb(m, pid) >= mib * 1024, f"pid {pid} is gone or shrank")
    m.command(f"kill {pid}")
    check(wait_exit(m, pid) == ("killed", "SIGTERM"), f"pid {pid} did not end by SIGTERM")


@test
def oom_with_merged_memory_kills_the_task_whose_death_frees_most(b):
    """Two tasks whose 48 MiB are merged page for page with each other's, one with 36 MiB
    of its own, and a fourth that runs out of memory. Killing either sharer would free
    nothing (the other still maps every page), so the OOM killer takes the task with its
    own memory, once, waits for that memory, and the fourth finishes; the sharers live."""
    m = b.machine(mem="128M", swap=None).start()
    m.wait_prompt()
    for knob, value in (("pages_to_scan", 10000), ("sleep_millisecs", 10), ("run", 1)):
        check(ksm_set(m, knob, value) == "", f"{knob}={value} refused")
    sharers = [hold_memory(m, 48, "-m") for _ in range(2)]
    wait_until(m, "the sharers merged", lambda c: c["pages_sharing"] >= 12288, scans=20)
    own = hold_memory(m, 36)
    kills = run_out_of_memory(m, 40)
    check(len(kills) == 1 and kills[0][0] == own and kills[0][2] >= 36 * 1024,
          f"not one kill of pid {own} (its own 36 MiB): {kills}")
    for pid in sharers:
        end_holder(m, pid, 48)
    m.poweroff()


@test
def oom_sees_kernel_memory_a_task_makes_the_kernel_hold(b):
    """kmemhog makes the kernel hold 50 MiB of page tables (and 100 full pipes) for it while
    it maps no memory of its own; another task holds 30 MiB, and a third runs out of
    memory. The hoard is charged to the hog (VmPTE shows it), so the OOM killer takes the
    hog, not the innocent tasks, and every page comes back."""
    m = b.machine(mem="128M", swap=None).start()
    m.wait_prompt()
    run(m, "kmemhog 1 0")  # warm-up: slab caches the run grows for good
    before = meminfo_kb(m)["MemFree"]
    m.send("run kmemhog 50 &\n")
    hog = int(m.expect(r"\[pid (\d+) started in the background\]").group(1))
    m.expect(r"kmemhog: holding 12800 page tables over 25600 MiB and 100 full pipes")
    status = m.command(f"cat /proc/{hog}/status")
    pte = re.search(r"^VmPTE:\s+(\d+) kB$", status, re.M)
    check(pte and int(pte.group(1)) >= 50 * 1024 and rss_kb(m, hog) < 1024, f"the hog's status:\n{status}")
    keeper = hold_memory(m, 30)
    kills = run_out_of_memory(m, 40)
    check(len(kills) == 1 and kills[0][0] == hog and kills[0][3] >= int(pte.group(1)) + 400,
          f"not one kill of the hog (pid {hog}) charged with its page tables and pipes: {kills}")
    check(wait_exit(m, hog) == ("killed", "SIGKILL"), "the hog's end was not reported")
    end_holder(m, keeper, 30)
    check(meminfo_kb(m)["MemFree"] == before, "memory did not come back after the kill")
    m.poweroff()


def fuzz(m, calls, jobs=1):
    """sysfuzz CALLS in JOBS fuzzers at once (one per CPU), then the in-kernel selftest;
    memory back where it was after a warm-up run."""
    before_warm = meminfo_kb(m)["MemFree"]
    run(m, f"sysfuzz 5000 7 {jobs}", timeout=300)  # warm-up: caches the fuzz run reaches
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, f"sysfuzz {calls} 0x5eed {jobs}", timeout=3600)
    r = re.search(r"sysfuzz: (\d+) calls in \d+ children", out)
    check(how == ("exited", 0) and r and int(r.group(1)) >= calls, f"sysfuzz:\n{out[-3000:]}")
    st = m.command("selftest", timeout=300)
    check(counted(r"selftest: (\d+) passed, 0 failed", st), f"selftest after the fuzz run:\n{st}")
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before the fuzz run, {after} kB after (first {before_warm})")


@test
def hostile_system_calls(b):
    m = b.machine(mem="256M", timeout=600).start()
    m.wait_prompt()
    fuzz(m, 100000)
    m.poweroff()


@stress
def hostile_system_calls_million_on_every_cpu(b):
    m = b.machine(mem="256M", timeout=3600).start()
    n = int(re.search(r"^smp: (\d+) CPUs? up$", m.wait_prompt(), re.M).group(1))
    fuzz(m, 1000000, jobs=n)
    m.poweroff()


@test
def shell_survives_any_line(b):
    m = b.machine().start()
    m.wait_prompt()
    rnd = random.Random(5)
    m.send("echo " + "x" * 5000 + "\n")  # longer than a line: cut, not overflowed
    m.wait_prompt()
    garbage = bytes(rnd.randrange(256) for _ in range(4000)).replace(b"\x03", b"").decode("latin-1")
    m.send(garbage + "\n")
    m.quiet_for(1.0)
    m.send("\x15\n")  # Ctrl-U then Enter: whatever is left of the garbage line goes
    m.quiet_for(0.5)
    m.pos = len(m.log)  # what the garbage made the shell say does not matter, only that it lives
    check(m.command("echo alive").strip().endswith("alive"), "the shell does not answer after garbage")
    m.command("\x1b[A\x1b[B\x1b[C\x1b[D\x1b[Z\x1b\x1b[[[\x15")  # arrows, unknown and broken escapes
    check(m.command("echo still").strip().endswith("still"), "the shell does not answer after escapes")
    m.poweroff()


# What user/mempolicy prints on Linux 6.18 (CONFIG_NUMA, one node): this kernel
# must answer every call the same way.
MEMPOLICY_ON_LINUX = """\
get default = 0
mode 0 mask 0 0
get allowed = 0
mode 0 mask 1
get node of page = 0
node 0
get unmapped addr = -EFAULT
get addr without F_ADDR = -EINVAL
get bad flags = -EINVAL
get allowed with F_NODE = -EINVAL
get maxnode 0 with mask = -EINVAL
get bad mode pointer = -EFAULT
set bind node 0 = 0
get after bind = 0
mode 2 mask 1
set bind node 1 = -EINVAL
set bind empty = -EINVAL
set preferred empty = 0
get after preferred empty = 0
mode 4
set default with nodes = -EINVAL
set static and relative = -EINVAL
set mode 99 = -EINVAL
set default = 0
get after default = 0
mode 0
"""


@test
def memory_policy_calls_answer_as_linux_on_one_node(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "mempolicy")
    check(how == ("exited", 0) and out == MEMPOLICY_ON_LINUX,
          f"mempolicy differs from Linux's answers:\n{out}")
    online = m.command("cat /sys/devices/system/node/online /sys/devices/system/node/possible")
    check(online.split() == ["0", "0"], f"node lists: {online!r}")
    total = meminfo_kb(m)["MemTotal"]
    node0 = m.command("cat /sys/devices/system/node/node0/meminfo")
    check(re.search(rf"^Node 0 MemTotal:\s+{total} kB$", node0, re.M), f"node0/meminfo:\n{node0}")
    m.poweroff()
