"""Boot tests of /proc/PID/mem: forced reads and writes at full 64-bit file positions,
copy-on-write kept for pages shared by fork, KSM and the zero page, -EIO and partial
counts, the ancestor rule, an exited target that reads 0 and pins no memory; and memory
back to its baseline. And the PROCMAP_QUERY ioctl of /proc/PID/maps."""
import re

from registry import check, counted, meminfo_kb, test
from test_process import run


@test
def proc_pid_mem_reads_and_forced_writes(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    run(m, "procmem", timeout=240)  # warm-up: caches and KSM's structures
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, "procmem", timeout=240)
    check(how == ("exited", 0) and counted(r"^procmem: (\d+) checks, 0 failed$", out), f"procmem:\n{out}")
    freed = re.search(r"MemFree (\d+) kB with the child, (\d+) kB after its exit", out)
    check(freed and int(freed.group(2)) - int(freed.group(1)) >= 16 * 1024,
          f"the exited child's memory stayed pinned by its open mem file:\n{out}")
    after = meminfo_kb(m)["MemFree"]
    # Not equality: a frame the warm-up left in a cache may come back meanwhile.
    check(after >= before, f"MemFree {before} kB before procmem, {after} kB after: a leak")
    m.poweroff()


@test
def procmap_query_ioctl_on_maps(b):
    m = b.machine().start()
    m.wait_prompt()
    out, _, how = run(m, "procmap")
    check(how == ("exited", 0) and counted(r"^procmap: (\d+) checks, 0 failed$", out), f"procmap:\n{out}")
    m.poweroff()
