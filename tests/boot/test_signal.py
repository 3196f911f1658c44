"""Boot tests of signal handlers and threads: user/sigtest (frames, siginfo, masks,
restarts, the alternate stack, forged rt_sigreturn frames), busybox's sh (glibc) running
its traps, for a signal it sends itself and for Ctrl-C on the console, and user/threadtest
(pthreads on clone(CLONE_THREAD): shared memory and actions, per-thread ids and masks,
exit_group, fatal signals, fork and execve from a thread)."""
import re

from registry import check, check_program_passed, meminfo_kb, test
from test_process import run


def passes_twice_without_leaking(m, program):
    """Run the self-checking program twice: both pass, and the second gives back every
    page (the first may grow slab caches for good). The second run's output."""
    frees = []
    for _ in range(2):
        out, _, how = run(m, program)
        check_program_passed(program, out, how)
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
    m.quiet_for(0.3)
    check(stat() > before, "bg did not continue it")
    check("no such job" in m.command("fg 99999"), "fg of no job")
    m.send(f"fg {pid}\n")
    m.quiet_for(0.2)
    m.send("\x03")
    m.expect(rf"\[pid {pid} killed by SIGINT\]")
    m.wait_prompt()
    m.poweroff()
