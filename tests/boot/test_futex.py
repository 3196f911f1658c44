"""Boot tests of futex(2): futextest's checks against Linux's results (errors, timeouts on
both clocks, wake-ups across fork through shared memory, private futexes staying in their
process, the requeues, FUTEX_WAKE_OP, the thread-exit wake, a futex in a page ksmd merges),
memory back to its baseline after a run, and a futex in a page swapped out and back."""
from registry import check, check_program_passed, meminfo_kb, test
from test_ksm import ksm_set, wait_until
from test_process import run


@test
def futexes_behave_like_linux(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    ksm_set(m, "run", 1)

    def workload():
        out, _, how = run(m, "futextest", timeout=300)
        check_program_passed("futextest", out, how)
        wait_until(m, "KSM pages gone", lambda c: c["pages_shared"] == 0 and c["stable_node_dups"] == 0)

    workload()  # warm-up: slab caches and page tables that stay once made
    before = meminfo_kb(m)["MemFree"]
    workload()
    after = meminfo_kb(m)["MemFree"]
    check(after == before, f"MemFree {before} kB before, {after} kB after futextest")
    m.poweroff()


@test
def futex_word_swapped_out_and_back(b):
    """A private futex whose page reclaim swaps out while its process waits on it: every
    wait reads the word right (futextest swap: 80 MiB written on a 64 MiB machine)."""
    m = b.machine(mem="64M", swap="128M").start()
    m.wait_prompt()
    out, _, how = run(m, "futextest swap 80", timeout=300)
    check_program_passed("futextest", out, how)
    m.poweroff()
