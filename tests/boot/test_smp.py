"""Boot tests of the kernel on several CPUs: tasks spread over the CPUs and show where they
run (/proc/cpuinfo, /proc/stat, ps, /proc/PID/status, ksm), the TLB shootdown keeps every
write of a thread on CPU 1 where its page is while CPU 0 takes the page's write access
away (tlbtest), and a kernel that skips the shootdown fails that test (ksm-check's threads
on every CPU: test_ksm.py)."""
import re

from registry import check, check_program_passed, counted, start_spin, stress, test
from test_abi import fuzz
from test_process import run

TLB_MODES = ("fork", "mprotect", "munmap", "merge", "swap")


@test
def tasks_spread_over_the_cpus_and_show_where_they_run(b):
    m = b.machine().start()
    n = int(re.search(r"^smp: (\d+) CPUs? up$", m.wait_prompt(), re.M).group(1))
    check(n >= 2, f"this test needs 2 CPUs or more, {n} came up")
    cpuinfo = m.command("cat /proc/cpuinfo")
    check(re.findall(r"^processor\t: (\d+)$", cpuinfo, re.M) == [str(i) for i in range(n)],
          f"/proc/cpuinfo:\n{cpuinfo}")
    stat = m.command("cat /proc/stat")
    check(all(re.search(rf"^{name} \d+ 0 \d+ \d+ 0 0 0 0 0 0$", stat, re.M)
              for name in ["cpu "] + [f"cpu{i}" for i in range(n)]), f"/proc/stat:\n{stat}")
    # Busy tasks, one per CPU: each new one goes to a CPU the others leave idle.
    pids = []
    for _ in range(n):
        pids.append(start_spin(m))
    ps = m.command("ps")
    cpus = {int(re.search(rf"^\s*{pid}\s+1\s+R\s+(\d+)\s", ps, re.M).group(1)) for pid in pids
            if re.search(rf"^\s*{pid}\s+1\s+R\s+(\d+)\s", ps, re.M)}
    check(cpus == set(range(n)), f"{n} spins are not one on each CPU:\n{ps}")
    status = m.command(f"cat /proc/{pids[0]}/status")
    check(re.search(rf"^Cpus_allowed:\t{(1 << n) - 1:x}$", status, re.M)
          and re.search(rf"^Cpus_allowed_list:\t0-{n - 1}$", status, re.M), f"/proc/{pids[0]}/status:\n{status}")
    fields = m.command(f"cat /proc/{pids[1]}/stat").split()
    check(int(fields[38]) in cpus, f"/proc/PID/stat field 39 (processor): {fields}")
    for pid in pids:
        m.command(f"kill {pid}")
    ksmd = re.search(r"^ksmd: \w+ \(run \d\) on CPU (\d+)$", m.command("ksm"), re.M)
    check(ksmd and int(ksmd.group(1)) < n, "ksm does not say ksmd's CPU")
    m.poweroff()


@test
def tlb_shootdown_keeps_every_write_where_the_page_is(b):
    """tlbtest's thread on CPU 1 increments counters while CPU 0 write-protects the page
    (fork, mprotect), unmaps it, has ksmd merge it or pages it out: no increment is lost, none
    lands after the change, the write after it faults, and the changes happened."""
    m = b.machine(mem="256M", swap="64M").start()
    m.wait_prompt()
    before = tlb_flushes_received(m)
    for mode in TLB_MODES:
        out, _, how = run(m, f"tlbtest {mode} 20", timeout=120)
        check_program_passed("tlbtest", out, how)
        check(re.search(rf"^tlbtest {mode}: 20 rounds, (1\d|20) changed, \d+ increments, 0 lost, 0 late, "
                        r"0 unfaulted, 0 changed elsewhere$", out, re.M), f"tlbtest {mode}:\n{out}")
    after = tlb_flushes_received(m)
    check(after[1] - before[1] >= 20, f"CPU 1 answered {after[1] - before[1]} shootdowns during tlbtest")
    m.poweroff()


def tlb_flushes_received(m):
    """The TLB row of /proc/interrupts: shootdowns each CPU answered."""
    interrupts = m.command("cat /proc/interrupts")
    row = re.search(r"^\s*TLB:((?:\s+\d+)+)\s+TLB shootdowns$", interrupts, re.M)
    check(row, f"/proc/interrupts has no TLB row:\n{interrupts}")
    return [int(n) for n in row.group(1).split()]


@test
def tlbtest_catches_a_kernel_that_skips_the_shootdown(b):
    """The test kernel booted with tlb_skip_shootdown flushes only the CPU that changes a
    page table: in every mode tlbtest must see the writer's stale TLB entry at work."""
    m = b.machine(mem="256M", swap="64M", cmdline="panic=exit tlb_skip_shootdown").start()
    m.wait_prompt()
    for mode in TLB_MODES:
        out, _, how = run(m, f"tlbtest {mode} 3", timeout=120)
        r = re.search(rf"^tlbtest {mode}: 3 rounds, \d+ changed, \d+ increments, (\d+) lost, (\d+) late, "
                      r"(\d+) unfaulted, (\d+) changed elsewhere$", out, re.M)
        check(how == ("exited", 1) and r and sum(int(n) for n in r.groups()) > 0,
              f"tlbtest {mode} passed on a kernel without shootdown:\n{out}")
    m.poweroff()


@stress
def four_cpus_tlb_ksm_threads_and_fuzz(b):
    """With -smp 4 (four vCPUs on however many host cores): tlbtest in every mode,
    ksm-check's threads on all four CPUs, and sysfuzz on all four at once."""
    m = b.machine(mem="256M", swap="64M", timeout=3600, qemu_args=["-smp", "4"]).start()
    check(re.search(r"^smp: 4 CPUs up$", m.wait_prompt(), re.M), "4 CPUs did not come up")
    for mode in TLB_MODES:
        out, _, how = run(m, f"tlbtest {mode} 20", timeout=600)
        check_program_passed("tlbtest", out, how)
    out, _, how = run(m, "ksm-check --threads 8 128 8", timeout=600)
    check(how == ("exited", 0) and counted(r"ksm-check: (\d+) pages verified, 0 corrupted", out),
          f"ksm-check --threads:\n{out}")
    fuzz(m, 200000, jobs=4)
    m.poweroff()
