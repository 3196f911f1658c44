"""Boot tests of user programs: ELF loading, the Linux system calls, fork/exec/wait,
copy-on-write, faults that kill only their task, /proc, and memory returning to baseline."""
import re

from registry import check, check_program_passed, counted, meminfo_kb, start_spin, test, wait_exit


def run(m, line, timeout=60):
    """`run LINE` at the shell: (output, pid, how it ended) with how = ('exited', S) or
    ('killed', SIGNAME)."""
    out = m.command("run " + line, timeout=timeout)
    end = re.search(r"\[pid (\d+) (exited, status=(\d+)|killed by (\w+))\]\s*$", out)
    check(end, f"no end-of-program line for 'run {line}':\n{out}")
    how = ("exited", int(end.group(3))) if end.group(3) is not None else ("killed", end.group(4))
    return out[:end.start()], int(end.group(1)), how


@test
def hello_argv_env_and_exit_status(b):
    m = b.machine().start()
    m.wait_prompt()
    out, pid, how = run(m, "hello one two")
    check(how == ("exited", 0), f"hello ended {how}")
    check(re.search(rf"hello from pid {pid} \(argv\[0\]=/bin/hello, argc=3\)", out), f"hello output:\n{out}")
    check("argv[1]=one" in out and "argv[2]=two" in out, "arguments missing")
    check(re.search(r"^env PATH=/bin$", out, re.M), "environment is not PATH=/bin")
    out, _, how = run(m, "crash nosuchmode")
    check(how == ("exited", 2), f"exit status 2 not reported: {how}")
    m.poweroff()


@test
def static_pie_is_placed_at_its_load_bias(b):
    m = b.machine().start()
    m.wait_prompt()
    out, pid, how = run(m, "hello-pie one")
    check(how == ("exited", 0), f"hello-pie ended {how}:\n{out}")
    check(re.search(rf"hello from pid {pid} \(argv\[0\]=/bin/hello-pie, argc=2\)", out) and "argv[1]=one" in out,
          f"hello-pie output:\n{out}")
    main = int(re.search(r"^main at 0x([0-9a-f]+)$", out, re.M).group(1), 16)
    check(0x555555554000 <= main < 0x555555554000 + (1 << 20), f"main at {main:#x}: not at the PIE load bias")
    out, _, _ = run(m, "hello")
    main = int(re.search(r"^main at 0x([0-9a-f]+)$", out, re.M).group(1), 16)
    check(0x400000 <= main < 0x500000, f"the static executable's main at {main:#x}, not where it was linked")
    m.poweroff()


@test
def faults_kill_only_their_task(b):
    m = b.machine().start()
    m.wait_prompt()
    cases = [("segv", "SIGSEGV", r"page fault at 0x0 ip 0x[0-9a-f]+"),
             ("wild", "SIGSEGV", r"page fault at 0xffff800000000000 ip 0x[0-9a-f]+"),
             ("div", "SIGFPE", r"divide error at 0x[0-9a-f]+ ip 0x[0-9a-f]+"),
             ("ud2", "SIGILL", r"invalid opcode at 0x[0-9a-f]+ ip 0x[0-9a-f]+"),
             ("gp", "SIGSEGV", r"general protection fault at 0x[0-9a-f]+ ip 0x[0-9a-f]+"),
             ("stack", "SIGSEGV", r"page fault at 0x[0-9a-f]+ ip 0x[0-9a-f]+")]
    for mode, sig, line in cases:
        out, pid, how = run(m, f"crash {mode}")
        check(how == ("killed", sig), f"crash {mode} ended {how}, expected {sig}")
        check(re.search(rf"^pid {pid} \(crash\): {line}$", out, re.M), f"crash {mode}: no kill line:\n{out}")
    out, _, how = run(m, "hello")
    check(how == ("exited", 0), "the kernel did not go on after the faults")
    m.poweroff()


@test
def system_calls_behave_like_linux(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "proctest")
    check_program_passed("proctest", out, how)
    m.poweroff()


@test
def copy_on_write_after_fork(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "cowtest")
    check(how == ("exited", 0) and
          counted(r"cowtest: (\d+) children, (\d+) pages each, 0 failed, parent intact", out),
          f"cowtest:\n{out}")
    m.poweroff()


@test
def memory_returns_to_baseline(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    # warm-up: slab caches and page tables that stay allocated once made
    for line in ("memtouch 8 unique", "cowtest", "proctest"):
        run(m, line)
    before = meminfo_kb(m)["MemFree"]
    for line in ("memtouch 64 unique", "memtouch 16 zero", "cowtest", "proctest", "crash segv", "hello"):
        out, _, how = run(m, line, timeout=120)
        if line.startswith("memtouch"):
            check(how == ("exited", 0) and
                  counted(r"memtouch: \d+ MiB \((\d+) pages, \w+\) touched, 0 mismatches", out),
                  f"{line}:\n{out}")
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before, {after} kB after the programs")
    m.poweroff()


@test
def bad_executables_are_refused(b):
    m = b.machine().start()
    m.wait_prompt()
    before = meminfo_kb(m)["MemFree"]
    for path, why in (("/test/notelf", "not an ELF file"), ("/test/truncated", "outside the file"),
                      ("/test/i386", "not an x86-64 program")):
        out = m.command(f"run {path}")
        check(f"run: {path}: cannot execute: " in out and why in out, f"{path}: {out!r}")
    out = m.command("run nosuchprogram")
    check("run: /bin/nosuchprogram: no such program" in out, f"missing program: {out!r}")
    check(meminfo_kb(m)["MemFree"] == before, "a refused executable leaked memory")
    m.poweroff()


@test
def ctrl_c_background_ps_and_kill(b):
    m = b.machine().start()
    m.wait_prompt()
    m.send("run spin\n")
    m.expect(r"spin: running")
    m.send("\x03")
    end = m.expect(r"\[pid (\d+) killed by SIGINT\]")
    m.wait_prompt()
    pid = start_spin(m)
    out = m.command("ps")
    row = re.search(rf"^\s*{pid}\s+1\s+[RS]\s+\d+\s+0\s+1\s+\d+\s+\d+\s+0\s+spin$", out, re.M)
    check(row, f"ps does not show the background spin:\n{out}")
    check(re.search(r"^\s*1\s+0\s+[RS]\s+\d+\s+-\s+1\s+\d+\s+0\s+0\s+\[shell\]$", out, re.M), f"ps does not show the shell:\n{out}")
    status = m.command(f"cat /proc/{pid}/status")
    check(re.search(rf"^Pid:\s+{pid}$", status, re.M) and re.search(r"^VmRSS:\s+\d+ kB$", status, re.M),
          f"/proc/{pid}/status:\n{status}")
    stat = m.command(f"cat /proc/{pid}/stat")
    fields = stat.split()
    check(len(fields) == 52 and fields[1] == "(spin)" and fields[3] == "1", f"/proc/{pid}/stat: {stat!r}")
    maps = m.command(f"cat /proc/{pid}/maps")
    check(re.search(r"r-xp .* /bin/spin$", maps, re.M) and "[stack]" in maps, f"maps:\n{maps}")
    check(m.command("kill 999").strip() == "kill: 999: no such process", "kill of a missing pid")
    m.command(f"kill {pid}")
    check(wait_exit(m, pid, tries=50) == ("killed", "SIGTERM"), "background end not reported")
    m.poweroff()


@test
def two_programs_share_the_cpu(b):
    m = b.machine().start()
    m.wait_prompt()
    m.command("run spin 1.5 &")
    out, _, how = run(m, "spin 0.5")
    check(how == ("exited", 0), "spin did not end")
    m.expect(r"\[pid \d+ exited, status=0\]|spin: done", timeout=30)
    m.poweroff()


@test
def timers_signal_on_time_and_free_their_memory(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "timertest", timeout=180)
    check_program_passed("timertest", out, how)
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, "timertest", timeout=180)
    check_program_passed("timertest", out, how)
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before, {after} kB after a second timertest")
    m.poweroff()
