"""Boot tests of the scheduler's guarantee (docs/architecture.md, "Scheduling"): busy
tasks cannot starve ksmd or the shell, two busy tasks share the CPU evenly, and a nice-5
one gets about a third of a nice-0 one's share. No timing
asserts beyond hang detection: the shell must answer within a few seconds, and CPU shares
are compared with each other, not with the clock."""
import re

from registry import check, start_spin, test
from test_process import run

ANSWER_S = 5  # the shell is hung if it takes longer than this to answer under load


def cpu_ticks(stat_line):
    """utime + stime (clock ticks) from one /proc/PID/stat line."""
    fields = stat_line[stat_line.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


@test
def busy_task_starves_neither_ksmd_nor_the_shell(b):
    m = b.machine().start()
    m.wait_prompt()
    start_spin(m, timeout=ANSWER_S)
    # Leave the spin alone on the CPU for many quanta (its quantum ends while nobody
    # else is runnable), then wake the shell and ksmd.
    m.quiet_for(0.5)
    m.command("echo 1 > /sys/kernel/mm/ksm/run", timeout=ANSWER_S)
    for _ in range(3):
        up = m.command("uptime", timeout=ANSWER_S)
        check("up" in up, f"uptime under load: {up!r}")
        m.quiet_for(0.2)
    out, _, how = run(m, "ksm-seed", timeout=2 * ANSWER_S)
    check(how == ("exited", 0) and "merged, then unmerged" in out,
          f"ksm-seed beside a busy task:\n{out}")
    m.poweroff()


@test
def two_busy_tasks_share_the_cpu_evenly(b):
    """On one CPU (the fairness guarantee is per CPU), two busy tasks get equal shares."""
    m = b.machine(qemu_args=["-smp", "1"]).start()
    m.wait_prompt()
    a, c = start_spin(m, timeout=ANSWER_S), start_spin(m, timeout=ANSWER_S)
    hz = 100  # USER_HZ: /proc/PID/stat counts in clock ticks
    for _ in range(200):
        out = m.command(f"cat /proc/{a}/stat /proc/{c}/stat", timeout=ANSWER_S)
        stats = re.findall(r"^\d+ \(spin\) .*$", out, re.M)
        check(len(stats) == 2, f"/proc/PID/stat of the spins:\n{out}")
        ta, tc = cpu_ticks(stats[0]), cpu_ticks(stats[1])
        if min(ta, tc) >= 3 * hz:
            break
        m.quiet_for(0.5)
    check(min(ta, tc) >= 3 * hz, f"the spins never got 3 s of CPU each: {ta}, {tc} ticks")
    check(abs(ta - tc) <= 0.1 * max(ta, tc), f"uneven share: {ta} and {tc} ticks")
    m.command(f"kill {a}")
    m.command(f"kill {c}")
    m.poweroff()


@test
def a_nice_5_task_gets_about_a_third_of_a_nice_0_ones_cpu(b):
    """busybox renice (getpriority/setpriority) puts one of two busy tasks at nice 5: its
    quanta weigh 335 against 1024, so it gets about a third of the other's CPU; ksmd runs
    at nice 5 as on Linux; a bad target is ESRCH. On one CPU: the shares are per CPU."""
    m = b.machine(qemu_args=["-smp", "1"]).start()
    m.wait_prompt()
    a, c = start_spin(m, timeout=ANSWER_S), start_spin(m, timeout=ANSWER_S)
    out, _, how = run(m, f"renice -n 5 -p {c}")
    check(how == ("exited", 0), f"renice:\n{out}")
    stat = lambda pid: m.command(f"cat /proc/{pid}/stat", timeout=ANSWER_S)
    check(stat(c).split()[18] == "5" and stat(2).split()[18] == "5" and stat(a).split()[18] == "0",
          f"nice fields: {stat(c)!r} {stat(2)!r}")
    start = [cpu_ticks(stat(a)), cpu_ticks(stat(c))]
    for _ in range(200):
        ta, tc = cpu_ticks(stat(a)) - start[0], cpu_ticks(stat(c)) - start[1]
        if ta >= 300:
            break
        m.quiet_for(0.5)
    check(ta >= 300 and 0.2 <= tc / ta <= 0.5, f"nice 5 against nice 0: {tc} and {ta} ticks")
    out, _, how = run(m, "renice -n 1 -p 99999")
    check(how[1] != 0, f"renice of no process succeeded:\n{out}")
    m.command(f"kill {a}")
    m.command(f"kill {c}")
    m.poweroff()
