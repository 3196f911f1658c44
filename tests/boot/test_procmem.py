"""Boot tests of /proc/PID/mem: forced reads and writes at full 64-bit file positions,
copy-on-write kept for pages shared by fork, KSM and the zero page, -EIO and partial
counts, the ancestor rule, an exited target that reads 0 and pins no memory; and memory
back to its baseline. And the PROCMAP_QUERY ioctl of /proc/PID/maps."""
import re

from registry import check, check_program_passed, meminfo_kb, test
from test_process import run


def ksm_drained_free_kb(m):
    """MemFree once KSM holds nothing of exited tasks: procmem stops ksmd again (run 0)
    and the slot of a task that exited under ksmd's cursor waits for ksmd to move on,
    as in Linux; run 2 drops such slots (and unmerges), then run 0 again."""
    for value in (2, 0):
        check(m.command(f"echo {value} > /sys/kernel/mm/ksm/run").strip() == "", f"ksm run {value}")
    return meminfo_kb(m)["MemFree"]


@test
def proc_pid_mem_reads_and_forced_writes(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    run(m, "procmem", timeout=240)  # warm-up: caches and KSM's structures
    before = ksm_drained_free_kb(m)
    out, _, how = run(m, "procmem", timeout=240)
    check_program_passed("procmem", out, how)
    freed = re.search(r"MemFree (\d+) kB with the child, (\d+) kB after its exit", out)
    check(freed and int(freed.group(2)) - int(freed.group(1)) >= 16 * 1024,
          f"the exited child's memory stayed pinned by its open mem file:\n{out}")
    after = ksm_drained_free_kb(m)
    check(after == before, f"MemFree {before} kB before procmem, {after} kB after")
    m.poweroff()


@test
def procmap_query_ioctl_on_maps(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "procmap")
    check_program_passed("procmap", out, how)
    m.poweroff()


@test
def proc_files_held_open_pin_no_memory(b):
    """A child's pagemap, mem, maps, smaps, smaps_rollup and its userfaultfd held open by
    others across its exit: its memory comes back, and the files read as Linux's do."""
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    out, _, how = run(m, "procmem held", timeout=240)
    check_program_passed("procmem", out, how)
    held = re.search(r"^procmem held: MemFree (\d+) kB before the child, (\d+) kB with it, "
                     r"(\d+) kB exited, (\d+) kB reaped", out, re.M)
    check(held, f"no summary line:\n{out}")
    before, with_child, exited, reaped = (int(g) for g in held.groups())
    check(before - with_child >= 32 * 1024 and exited >= before - 2048 and reaped >= before - 2048,
          f"the exited child's memory stayed pinned by files held open:\n{out}")
    m.poweroff()
