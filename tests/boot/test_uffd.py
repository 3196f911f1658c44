"""Boot tests of userfaultfd(2): MISSING faults on shared anonymous memory served by a
forked handler (UFFDIO_COPY, UFFDIO_ZEROPAGE) through poll() and blocking read(), a waiter
released when the descriptor closes, write-protect faults from user and kernel writes,
the errno of bad requests, MADV_UNMERGEABLE of KSM pages in a write-protected range,
write protection kept through a merge (with and without same_behaviour), protected pages
kept resident by reclaim, and memory back to its baseline. Every wait is on the program's own output."""
import re

from registry import check, counted, meminfo_kb, test
from test_ksm import ksm_set
from test_process import run

MODES = ("copy", "zero", "release", "wp", "badargs", "ksmwp")


def uffdtest(m, *modes):
    out, _, how = run(m, "uffdtest " + " ".join(modes), timeout=180)
    check(how == ("exited", 0), f"uffdtest {' '.join(modes)} ended {how}:\n{out}")
    for mode in modes:
        check(f"uffdtest {mode}: ok" in out, f"uffdtest {mode} did not finish:\n{out}")
    return out


@test
def uffd_missing_faults_served_by_a_forked_handler(b):
    m = b.machine().start()
    m.wait_prompt()
    out = uffdtest(m, "copy", "zero")
    check(out.count("handler: child's range is not registered") == 2, out)
    faults = re.findall(r"handler: fault page (\d+) (read|write)", out)
    check(len(faults) == 16, f"16 faults expected:\n{out}")
    # Odd pages are written first, even ones read: the message says which.
    check(all((int(p) % 2 == 1) == (kind == "write") for p, kind in faults), out)
    check(sorted(int(p) for p, _ in faults) == sorted(list(range(8)) * 2), out)
    check("faulter: 8 pages copied" in out and "faulter: 8 pages zero-filled" in out, out)
    check(out.count("present page: EEXIST") == 2, out)
    m.poweroff()


@test
def uffd_waiter_released_on_close_and_wp_faults(b):
    m = b.machine().start()
    m.wait_prompt()
    out = uffdtest(m, "release", "wp")
    check("faulter: released, read 0" in out, out)
    check(re.findall(r"handler: wp fault page (\d+)", out) == ["0", "1"], out)
    check("pagemap: 8 pages write-protected" in out and "close: protection gone" in out, out)
    m.poweroff()


@test
def uffd_bad_requests_get_linux_errno(b):
    m = b.machine().start()
    m.wait_prompt()
    out = uffdtest(m, "badargs")
    check(re.search(r"api: features 0x[0-9a-f]+ ioctls 0x8000000000000003", out), out)
    check("user-mode-only: kernel access EFAULT" in out, out)
    m.poweroff()


@test
def uffd_unmerge_in_write_protected_range(b):
    m = b.machine().start()
    m.wait_prompt()
    out = uffdtest(m, "ksmwp")
    check("unmerge: 512 frames, all still write-protected, no fault" in out, out)
    m.poweroff()


@test
def uffd_write_protection_survives_a_merge(b):
    m = b.machine().start()
    m.wait_prompt()
    for same in (0, 1):
        check(ksm_set(m, "same_behaviour", same) == "", f"same_behaviour {same} refused")
        out = uffdtest(m, "wpmerge")
        check(re.search(r"wpmerge: 512 pages merged into \d+ frames, all still write-protected", out),
              f"same_behaviour {same}:\n{out}")
    m.poweroff()


@test
def uffd_protected_pages_stay_through_reclaim(b):
    m = b.machine().start()
    m.wait_prompt()
    out = uffdtest(m, "wpreclaim")
    check(counted(r"reclaim: (\d+) pages swapped out, 16 protected pages resident and protected", out), out)
    m.poweroff()


@test
def uffd_memory_returns_to_baseline(b):
    m = b.machine().start()
    m.wait_prompt()
    uffdtest(m, *MODES)  # warm-up: slab caches and page tables that stay once made
    before = meminfo_kb(m)["MemFree"]
    uffdtest(m, *MODES)
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before, {after} kB after")
    m.poweroff()
