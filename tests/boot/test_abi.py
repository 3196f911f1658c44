"""Boot tests of the wider Linux ABI and of robustness: busybox (a glibc static binary) as
/bin/sh with its applets, posix_spawn/system/popen/assert, the stat family, file and
shared mappings, poll, signals, /proc fidelity, the task, file and VMA limits, the OOM
killer, hostile system calls, and a shell that survives any input."""
import random
import re

from registry import check, check_program_passed, counted, meminfo_kb, stress, test, wait_exit
from test_process import run


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
    m.send("run spin &\n")
    pid = int(m.expect(r"\[pid (\d+) started in the background\]").group(1))
    m.expect(r"spin: running\n")
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


def fuzz(m, calls):
    before_warm = meminfo_kb(m)["MemFree"]
    run(m, "sysfuzz 5000 7", timeout=300)  # warm-up: caches the fuzz run reaches
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, f"sysfuzz {calls}", timeout=3600)
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
def hostile_system_calls_million(b):
    m = b.machine(mem="256M", timeout=3600).start()
    m.wait_prompt()
    fuzz(m, 1000000)
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
