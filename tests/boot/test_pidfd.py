"""Boot tests of pidfds, waitid and process groups: user/pidfdtest checks pidfd_open,
poll on a pidfd, pidfd_send_signal, waitid, setpgid/getpgid/setsid and kill of a group, and
the kselftest harness's way of running a test (fork, setpgrp, pidfd_open, poll,
kill(-pgid, SIGKILL), waitpid WNOHANG)."""
import re

from registry import check, check_program_passed, meminfo_kb, start_spin, test
from test_process import run


@test
def pidfd_waitid_and_process_groups(b):
    m = b.machine().start()
    m.wait_prompt()
    run(m, "pidfdtest")  # warm-up: the page cache holds the program from now on
    before = meminfo_kb(m)["MemFree"]
    out, pid, how = run(m, "pidfdtest", timeout=120)
    check_program_passed("pidfdtest", out, how)
    check(meminfo_kb(m)["MemFree"] == before, "pidfdtest leaked memory (its grandchildren, pidfds)")
    m.poweroff()


@test
def proc_stat_shows_group_and_session(b):
    m = b.machine().start()
    m.wait_prompt()
    pid = start_spin(m)
    stat = m.command(f"cat /proc/{pid}/stat")
    check(re.search(rf"^{pid} \(spin\) \w 1 {pid} {pid} ", stat, re.M),
          f"a program the shell starts leads its own group and session:\n{stat}")
    m.command(f"kill {pid}")
    m.poweroff()
