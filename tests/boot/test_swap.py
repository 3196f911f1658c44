"""Boot tests of swap: the mkswap header checked at boot and by swapon (valid, missing,
corrupt, another page size), swapon/swapoff/swapinfo and /proc/swaps, memory twice the
size of RAM written and read back intact (clean pages not written again), a failing disk
read that kills only its task, slots shared after fork, KSM pages swapped out and back in
and merged again, swapoff bringing pages back (and refusing when memory is short), OOM
with swap full, and swap on a RAM disk (ramdisk=SIZE, formatted by the shell's mkswap). Memory-pressure cases run at 64 or 128 MiB so they stay quick under
TCG; each checks that swap and memory are back where they were."""
import os
import re
import struct

from machine import make_swap_image
from registry import check, check_program_passed, counted, meminfo_kb, start_background, stress, test, wait_exit
from test_process import run

SWAP_64M_KB = 65532  # a 64 MiB area: 16384 pages, less the header


def vmstat(m):
    return {k: int(v) for k, v in re.findall(r"^(\w+) (\d+)$", m.command("cat /proc/vmstat"), re.M)}


def swap_back_to_empty(m, what, mem_free=None):
    """Wait (a few seconds at most) until every slot is free again, and MemFree is mem_free
    if given: an address space is torn down by its last user, which may be reclaim, a
    moment after its task ended."""
    for _ in range(100):
        mi = meminfo_kb(m)
        if (mi["SwapFree"] == mi["SwapTotal"] and mi["SwapCached"] == 0 and
                mem_free in (None, mi["MemFree"])):
            return mi
        m.quiet_for(0.1)
    check(False, f"{what}: swap or memory not all free again (MemFree {mem_free} kB before): {mi}")


@test
def swap_area_enabled_at_boot_and_from_the_shell(b):
    m = b.machine(swap="64M").start()
    boot = m.wait_prompt()
    check(f"swap: adding {SWAP_64M_KB}k swap on /dev/vda, priority -2" in boot, f"boot log:\n{boot}")
    swaps = m.command("cat /proc/swaps")
    check(re.search(rf"^Filename\t+Type\t+Size\t+Used\t+Priority$", swaps, re.M) and
          re.search(rf"^/dev/vda +partition\t{SWAP_64M_KB}\t+0\t+-2$", swaps, re.M), f"/proc/swaps:\n{swaps}")
    mi = meminfo_kb(m)
    check(mi["SwapTotal"] == SWAP_64M_KB and mi["SwapFree"] == SWAP_64M_KB, f"meminfo: {mi}")
    info = m.command("swapinfo")
    check(re.search(rf"^/dev/vda: size={SWAP_64M_KB}KiB used=0KiB prio=-2", info, re.M) and
          re.search(r"disk vda: reads=\d+ writes=0 completed=\d+ errors=0 in_flight=0 peak_in_flight=\d+ irqs=\d+",
                    info), f"swapinfo:\n{info}")

    check(m.command("swapoff /dev/vda").strip() == "", "swapoff printed something")
    check(meminfo_kb(m)["SwapTotal"] == 0, "SwapTotal after swapoff")
    check(len(m.command("cat /proc/swaps").strip().splitlines()) == 1, "/proc/swaps after swapoff")
    check("swap: off" in m.command("swapinfo"), "swapinfo after swapoff")
    free_off = meminfo_kb(m)["MemFree"]
    out = m.command("swapon vda").strip()
    check(out == f"swap: adding {SWAP_64M_KB}k swap on /dev/vda, priority -3", f"swapon: {out!r}")
    check(re.search(r"^/dev/vda +partition\t\d+\t+0\t+-3$", m.command("cat /proc/swaps"), re.M),
          "the second swapon gets the next default priority, -3")
    for line, answer in (("swapon /dev/vda", "swapon: /dev/vda: already in use as swap"),
                         ("swapon vdz", "swapon: vdz: no such block device"),
                         ("swapoff vdq", "swapoff: vdq: no such block device")):
        check(m.command(line).strip() == answer, f"{line}: expected {answer!r}")
    m.command("swapoff vda")
    check(m.command("swapoff vda").strip() == "swapoff: vda: not an active swap area", "double swapoff")
    check(meminfo_kb(m)["MemFree"] == free_off, "the slot map was not given back by swapoff")
    m.poweroff()


def patched_image(path, offset, data, mkswap_args=()):
    make_swap_image(path, "16M", mkswap_args)
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)
    return path


@test
def swap_headers_missing_corrupt_or_foreign_are_refused(b):
    tmp = b.tmpdir
    cases = (
        ("blank", make_swap_image(os.path.join(tmp, "blank.img"), "16M", None),
         "no swap signature (not formatted with mkswap)"),
        ("corrupt", patched_image(os.path.join(tmp, "corrupt.img"), 1028, struct.pack("<I", 1 << 30)),
         "corrupt swap header: the area is larger than the device"),
        ("badpages", patched_image(os.path.join(tmp, "bad.img"), 1032, struct.pack("<I", 5000)),
         "corrupt swap header: bad-page count out of range"),
        ("version", patched_image(os.path.join(tmp, "v2.img"), 1024, struct.pack("<I", 2)),
         "unknown swap header version"),
        ("old", patched_image(os.path.join(tmp, "old.img"), 4086, b"SWAP-SPACE"),
         "old swap format (version 0): reformat it with mkswap"),
        ("16k pages", make_swap_image(os.path.join(tmp, "16k.img"), "16M", ("-p", "16384")),
         "swap area made for another page size"),
    )
    for name, image, why in cases:
        m = b.machine(disk=image).start()
        boot = m.wait_prompt()
        check(f"swap: /dev/vda not used: {why}" in boot, f"{name}: boot log:\n{boot}")
        check(meminfo_kb(m)["SwapTotal"] == 0, f"{name}: swap enabled anyway")
        out = m.command("swapon /dev/vda").strip()
        check(out.startswith(f"swapon: /dev/vda: {why}"), f"{name}: swapon says {out!r}")
        check(run(m, "hello")[2] == ("exited", 0), f"{name}: the kernel does not go on")
        m.poweroff()


@test
def swapcheck_twice_ram_comes_back_intact(b):
    # Swap stays less than half full (128 of 320 MiB): pages read back in keep their
    # slots (swap_full).
    m = b.machine(mem="64M", swap="320M").start()
    m.wait_prompt()
    run(m, "hello")  # warm-up: what a first program run allocates for good
    before = meminfo_kb(m)["MemFree"]
    out, _, how = run(m, "swapcheck 128 3", timeout=300)
    check(how == ("exited", 0) and "swapcheck: 98304 pages verified, 0 corrupted" in out, f"swapcheck:\n{out}")
    vm = vmstat(m)
    # Pass 1 rewrites everything; passes 2 and 3 only read, so their pages go out clean,
    # without a write: about two writes per page in all, not three or more.
    check(vm["pswpout"] > 32768 and vm["pswpin"] > 32768 and vm["pswpout"] < 2.5 * 32768,
          f"swap traffic for 32768 pages written twice and read thrice: {vm}")
    # Readahead (page-cluster 3): a major fault reads up to 8 slots; sequential access
    # uses most of them.
    check(vm["pswpin"] / 8 <= vm["pgmajfault"] < vm["pswpin"] / 2, f"readahead did not work: {vm}")
    info = m.command("swapinfo")
    peak = int(re.search(r"peak_in_flight=(\d+)", info).group(1))
    check(peak > 1 and re.search(r"errors=0", info), f"several requests in flight:\n{info}")
    swap_back_to_empty(m, "after swapcheck", before)
    # page-cluster 0: no readahead, every page read is a fault of its own.
    check(m.command("cat /proc/sys/vm/page-cluster").strip() == "3", "page-cluster default")
    check("Invalid argument" in m.command("echo 6 > /proc/sys/vm/page-cluster"), "page-cluster 6 taken")
    check(m.command("echo 0 > /proc/sys/vm/page-cluster").strip() == "", "page-cluster 0 refused")
    out, _, how = run(m, "swapcheck 96 1", timeout=300)
    check(how == ("exited", 0) and counted(r"swapcheck: (\d+) pages verified, 0 corrupted", out),
          f"swapcheck without readahead:\n{out}")
    vm2 = vmstat(m)
    check(vm2["pswpin"] > vm["pswpin"] and
          vm2["pgmajfault"] - vm["pgmajfault"] == vm2["pswpin"] - vm["pswpin"],
          f"without readahead each read is one major fault: {vm} then {vm2}")
    m.poweroff()


@test
def nearly_full_swap_scattered_access_no_oom(b):
    """108 MiB in 56 MiB of free RAM and 64 MiB of swap, visited in a scattered order:
    swap runs full of slots whose pages are back in memory (clean, in the swap cache), and
    reclaim must still find those, not call the OOM killer; faults on pages in a write
    batch must not wait on the batch."""
    m = b.machine(mem="64M", swap="64M").start()
    m.wait_prompt()
    out, _, how = run(m, "swapcheck -r 108 3", timeout=300)
    check(how == ("exited", 0) and "swapcheck: 82944 pages verified, 0 corrupted" in out and
          "out of memory" not in out, f"swapcheck -r:\n{out}")
    swap_back_to_empty(m, "after swapcheck -r")
    m.poweroff()


@test
def failing_swap_read_kills_only_that_task(b):
    conf = os.path.join(b.tmpdir, "blkdebug.conf")
    with open(conf, "w") as f:  # slot 2000 (sectors 16000-16007) cannot be read
        f.write('[inject-error]\nevent = "read_aio"\niotype = "read"\nerrno = "5"\nsector = "16000"\n')
    m = b.machine(mem="64M", swap="192M", blkdebug=conf).start()
    m.wait_prompt()
    out, pid, how = run(m, "swapcheck 128 1", timeout=300)
    check(how == ("killed", "SIGBUS"), f"swapcheck ended {how}:\n{out}")
    check(re.search(rf"pid {pid} \(swapcheck\): page fault: swap read error at 0x[0-9a-f]+ ip 0x[0-9a-f]+", out),
          f"no one-line reason:\n{out}")
    check("swap: read error on slot 2000 of area 0" in out, f"the kernel does not name the slot:\n{out}")
    check(re.search(r"errors=[1-9]", m.command("swapinfo")), "the disk error is not counted")
    swap_back_to_empty(m, "after the killed task")
    out, _, how = run(m, "memtouch 48 unique")  # swap still works, the kernel goes on
    check(how == ("exited", 0) and
          counted(r"memtouch: \d+ MiB \((\d+) pages, \w+\) touched, 0 mismatches", out),
          f"memtouch after the error:\n{out}")
    m.poweroff()


@test
def fork_shares_swap_slots(b):
    m = b.machine(mem="64M", swap="192M").start()
    m.wait_prompt()
    out, _, how = run(m, "swapcheck -f 96 1", timeout=300)
    check(how == ("exited", 0), f"swapcheck -f ended {how}:\n{out}")
    r = re.search(r"swapcheck: child: Swap (\d+) kB, SwapPss (\d+) kB", out)
    check(r and int(r.group(1)) > 16384 and int(r.group(2)) <= int(r.group(1)) // 2 + 4,
          f"the child's swap is not shared with its parent (SwapPss about half of Swap):\n{out}")
    check("swapcheck: child: 24576 pages verified, 0 corrupted" in out and
          "swapcheck: parent: 24576 pages verified, 0 corrupted" in out, f"swapcheck -f:\n{out}")
    swap_back_to_empty(m, "after fork and exit")
    m.poweroff()


@test
def unmerging_more_than_is_free_reclaims_to_swap(b):
    """MADV_UNMERGEABLE and run = 2 on 96 MiB of merged pages with about 55 MiB free (128 MiB
    of RAM, a 64 MiB balloon): each needs a fresh page per merged one, so it must reclaim
    to swap and go on, as a fault does, instead of failing with ENOMEM."""
    m = b.machine(mem="128M", swap="512M").start()
    m.wait_prompt()
    for mode in ("madvise", "run2"):
        out, _, how = run(m, f"unmergetest {mode}", timeout=300)
        check_program_passed("unmergetest", out, how)
        check(re.search(rf"unmergetest: {mode} region_mb=96 balloon_mb=64 merged_pages=2\d{{4}}", out),
              f"unmergetest {mode}: the region was not merged first:\n{out}")
    swap_back_to_empty(m, "after unmergetest")
    m.poweroff()


@test
def ksm_pages_swap_out_come_back_and_merge_again(b):
    m = b.machine(mem="128M", swap="320M").start()
    m.wait_prompt()
    out, _, how = run(m, "ksm-swap 3 2048 192", timeout=300)
    check(how == ("exited", 0) and "ksm-swap: ok" in out, f"ksm-swap:\n{out}")
    check("ksm-swap: merged pages_shared=2048 pages_sharing=4096 guests_ksm_kb=24576" in out, f"merge:\n{out}")
    p = re.search(r"under pressure pages_shared=(\d+) pages_sharing=(\d+) guests_ksm_kb=(\d+) "
                  r"guests_swap_kb=(\d+)", out)
    shared, sharing, ksm_kb, swap_kb = map(int, p.groups())
    # The stable tree lost the pages that went out, exactly: what is left is what is mapped.
    check(shared < 2048 and (shared + sharing) * 4 == ksm_kb and swap_kb >= (2048 - shared) * 3 * 4,
          f"KSM pages through swap:\n{out}")
    copies = int(re.search(r"0 corrupted, ksm_swpin_copy=(\d+)", out).group(1))
    check("6144 pages verified, 0 corrupted" in out and 1 <= copies <= 16 and (shared or copies == 16),
          f"swap-in of the KSM pages:\n{out}")
    check("ksm-swap: merged again pages_shared=2048 pages_sharing=4080" in out, f"re-merge:\n{out}")
    check(vmstat(m)["ksm_swpin_copy"] == copies, "ksm_swpin_copy in /proc/vmstat")
    swap_back_to_empty(m, "after ksm-swap")
    m.poweroff()


@test
def swapoff_brings_pages_back_or_refuses(b):
    m = b.machine(mem="64M", swap="128M").start()
    m.wait_prompt()
    keeper = start_background(m, "swapcheck -o 40 1")
    m.expect(r"swapcheck: waiting for swapoff", 120)
    hog = start_background(m, "memtouch 40 unique 60")
    for _ in range(200):  # until the keeper is partly out
        swapped = int(re.search(r"^VmSwap:\s+(\d+) kB$", m.command(f"cat /proc/{keeper}/status"), re.M).group(1))
        if swapped > 8192:
            break
        m.quiet_for(0.1)
    check(swapped > 8192, f"the keeper did not go out to swap ({swapped} kB)")
    out = m.command("swapoff /dev/vda").strip()
    check(re.fullmatch(r"swapoff: /dev/vda: not enough free memory to bring \d+ KiB back in \(\d+ KiB free\)", out),
          f"swapoff with memory short: {out!r}")
    check(meminfo_kb(m)["SwapTotal"] > 0, "the refused swapoff changed something")
    m.command(f"kill {hog}")
    check(wait_exit(m, hog) == ("killed", "SIGTERM"), "the memory hog did not end")
    check(m.command("swapoff /dev/vda").strip() == "", "swapoff with memory free failed")
    check(wait_exit(m, keeper) == ("exited", 0), "the keeper's data did not survive swapoff")
    check("swapcheck: after swapoff: 10240 pages checked, 0 corrupted" in m.log, "after swapoff")
    check(meminfo_kb(m)["SwapTotal"] == 0, "swap still on")
    m.poweroff()


@test
def oom_with_swap_full_kills_one_task(b):
    m = b.machine(mem="64M", swap="32M").start()
    m.wait_prompt()
    keeper = start_background(m, "memtouch 8 unique 8")
    out, big, how = run(m, "memtouch 160 unique", timeout=300)
    check(how == ("killed", "SIGKILL"), f"the big task ended {how}:\n{out}")
    r = re.search(rf"out of memory: killed pid {big} \(memtouch\), rss (\d+) KiB, swap (\d+) KiB", out)
    check(r and int(r.group(2)) > 16384, f"not killed with swap full:\n{out}")
    check(wait_exit(m, keeper) == ("exited", 0), "the other task lost its data")
    check("memtouch: 8 MiB (2048 pages, unique) touched, 0 mismatches" in m.log, "keeper's check")
    swap_back_to_empty(m, "after the OOM kill")
    m.poweroff()


@test
def ksm_and_fork_under_memory_pressure_lose_nothing(b):
    """ksm-check's tasks keep merging, writing (copy-on-write of KSM pages) and verifying
    while a forked swapcheck keeps memory short: KSM pages, shared slots and the swap cache
    all in play at once. Swap stays less than half full (swap_full), so that pages read
    back in keep their slots and the run takes seconds, not minutes."""
    m = b.machine(mem="64M", swap="384M").start()
    m.wait_prompt()
    pressure = start_background(m, "swapcheck -f 80 3")
    m.expect(r"swapcheck: filled", 120)  # its passes, run by two tasks, overlap what follows
    out, _, how = run(m, "ksm-check 4 1024 10", timeout=300)
    check(how == ("exited", 0) and counted(r"ksm-check: (\d+) pages verified, 0 corrupted", out),
          f"ksm-check under pressure:\n{out}")
    check(wait_exit(m, pressure) == ("exited", 0), "swapcheck under KSM")
    check("swapcheck: child: 61440 pages verified, 0 corrupted" in m.log and
          "swapcheck: parent: 61440 pages verified, 0 corrupted" in m.log, "swapcheck's checks")
    vm = vmstat(m)
    check(vm["pswpout"] > 0 and vm["cow_ksm"] > 0, f"no swapping or no KSM copy-on-write: {vm}")
    swap_back_to_empty(m, "after the run")
    m.poweroff()


@stress
def swap_ksm_fork_and_oom_for_minutes(b):
    """Many rounds of everything at once on a small machine: scattered swapcheck with fork,
    ksm-check merging and breaking KSM pages, and a hog that the OOM killer takes each
    round; no data is lost, the kernel lives, and swap drains at the end."""
    m = b.machine(mem="64M", swap="96M", timeout=3600).start()
    m.wait_prompt()
    for round_ in range(12):
        pressure = start_background(m, "swapcheck -r -f 48 3")
        m.expect(r"swapcheck: filled", 300)
        hog = start_background(m, "memtouch 160 unique")
        out, _, how = run(m, "ksm-check 4 512 10", timeout=600)
        check(how == ("exited", 0) and counted(r"ksm-check: (\d+) pages verified, 0 corrupted", out),
              f"round {round_}: ksm-check:\n{out}")
        check(wait_exit(m, pressure, tries=3000) == ("exited", 0), f"round {round_}: swapcheck")
        hog_end = wait_exit(m, hog, tries=3000)
        check(hog_end in (("killed", "SIGKILL"), ("exited", 0)), f"round {round_}: the hog ended {hog_end}")
    check("corrupted" not in re.sub(r", 0 corrupted", "", m.log), "some check found corruption")
    swap_back_to_empty(m, "after the rounds")
    st = m.command("selftest", timeout=300)
    check(counted(r"selftest: (\d+) passed, 0 failed", st), f"selftest after the rounds:\n{st}")
    m.poweroff()


RAM0_KB = 49148  # a 48 MiB RAM disk made one swap area: 12288 pages, less the header


@test
def swapcheck_on_swap_on_a_ram_disk(b):
    """ramdisk=48M: disk ram0, blank at boot (so not swap), checked by the disk self-test,
    formatted by mkswap and enabled from the shell; more memory than is left in RAM goes
    out to it and comes back intact; swapoff gives every frame back."""
    m = b.machine(mem="128M", swap=None, cmdline="panic=exit ramdisk=48M").start()
    boot = m.wait_prompt()
    check(re.search(r"^ram0: RAM disk, 98304 sectors \(48 MiB\), completion vector 0x[0-9a-f]+$", boot, re.M),
          f"no ram0 line:\n{boot}")
    check("swap: /dev/ram0 not used: no swap signature (not formatted with mkswap)" in boot,
          f"the blank RAM disk at boot:\n{boot}")
    st = m.command("selftest", timeout=300)
    check("selftest: disk ram0, sectors 98176-98303" in st and re.search(r"selftest: \d+ passed, 0 failed", st),
          f"selftest on ram0:\n{st}")
    run(m, "hello")  # warm-up: what a first program run allocates for good
    free_off = meminfo_kb(m)["MemFree"]
    check(m.command("swapon ram0").strip() == "swapon: ram0: no swap signature (not formatted with mkswap)",
          "swapon of the blank disk")
    for line, answer in (("mkswap /dev/ram0", f"mkswap: /dev/ram0: swap area version 1, size = {RAM0_KB} KiB (12287 pages)"),
                         ("swapon /dev/ram0", f"swap: adding {RAM0_KB}k swap on /dev/ram0, priority -2"),
                         ("mkswap ram0", "mkswap: ram0: in use as swap (swapoff first)"),
                         ("mkswap ram1", "mkswap: ram1: no such block device")):
        out = m.command(line).strip()
        check(out == answer, f"{line}: {out!r}, expected {answer!r}")
    before = meminfo_kb(m)["MemFree"]
    check(before < 80 * 1024, f"the RAM disk's frames are not taken from free memory: MemFree {before} kB")
    out, _, how = run(m, "swapcheck 80 2", timeout=300)
    check(how == ("exited", 0) and "swapcheck: 40960 pages verified, 0 corrupted" in out, f"swapcheck:\n{out}")
    vm = vmstat(m)
    check(vm["pswpout"] > 0 and vm["pswpin"] > 0, f"nothing went through swap: {vm}")
    info = m.command("swapinfo")
    check(re.search(r"disk ram0: reads=\d+ writes=[1-9]\d* completed=\d+ errors=0 in_flight=0 "
                    r"peak_in_flight=\d+ irqs=[1-9]", info), f"swapinfo:\n{info}")
    swap_back_to_empty(m, "after swapcheck on ram0", before)
    check(m.command("swapoff ram0").strip() == "", "swapoff ram0 printed something")
    check(meminfo_kb(m)["MemFree"] == free_off, "memory is not back where it was before swapon")
    m.poweroff()


@test
def ramdisk_bad_size_or_too_big_is_refused(b):
    for value, why in (("12X", "not a size (a number with an optional K, M or G suffix, like ramdisk=32M)"),
                       ("1000", "the size must be a non-zero multiple of 4 KiB"),
                       ("0", "the size must be a non-zero multiple of 4 KiB")):
        m = b.machine(swap=None, cmdline=f"panic=exit ramdisk={value}").start()
        boot = m.wait_prompt()
        check(f"ramdisk: ramdisk={value}: {why}, no RAM disk" in boot, f"ramdisk={value}: boot log:\n{boot}")
        check("ram0" not in boot and m.command("swapon ram0").strip() == "swapon: ram0: no such block device",
              f"ramdisk={value} made a disk")
        m.poweroff()
    m = b.machine(mem="64M", swap=None, cmdline="panic=exit ramdisk=1G").start()
    boot = m.wait_prompt()
    check(re.search(r"^ramdisk: ramdisk=1G: not enough memory \(\d+ MiB free, 16 MiB must stay free\), no RAM disk$",
                    boot, re.M), f"ramdisk=1G on 64 MiB: boot log:\n{boot}")
    check(run(m, "hello")[2] == ("exited", 0), "the kernel does not go on")
    m.poweroff()
