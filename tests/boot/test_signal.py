"""Boot tests of signal handlers: user/sigtest (frames, siginfo, masks, restarts, the
alternate stack, forged rt_sigreturn frames), and busybox's sh (glibc) running its traps,
for a signal it sends itself and for Ctrl-C on the console."""
import re

from registry import check, check_program_passed, meminfo_kb, test
from test_process import run


@test
def signal_handlers_run_as_on_linux(b):
    m = b.machine(swap=None).start()
    m.wait_prompt()
    frees = []
    for _ in range(2):  # the first run may grow slab caches for good; the second may not
        out, _, how = run(m, "sigtest")
        check_program_passed("sigtest", out, how)
        frees.append(meminfo_kb(m)["MemFree"])
    # the forged frames killed only their own tasks, each with its one line
    check(re.search(r"pid \d+ \(sigtest\): general protection fault at 0x4141414141414141", out)
          and re.search(r"pid \d+ \(sigtest\): bad signal frame at 0x0 ", out), f"sigtest:\n{out}")
    check(frees[0] == frees[1], f"a sigtest run leaked {frees[0] - frees[1]} kB")
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
