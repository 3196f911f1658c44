"""Boot tests of the foundation: boot paths, the shell, the panic report."""
import os
import re
import time

from machine import EXIT_PANIC
from registry import Skip, check, counted, meminfo_kb, start_spin, test, wait_exit

def check_memtotal(m, mib):
    info = meminfo_kb(m)
    total = info["MemTotal"]
    check(mib * 1024 - 8 * 1024 <= total <= mib * 1024,
          f"MemTotal {total} kB is not within 8 MiB below the {mib} MiB QEMU was given")
    check(0 < info["MemFree"] <= total, f"MemFree {info['MemFree']} kB out of range")


# ---- boot paths ----

@test
def grub_boot_128m(b):
    m = b.machine(boot="grub", mem="128M").start()
    boot_log = m.wait_prompt()
    check(re.search(r"booted by multiboot2", boot_log), "loader not reported as multiboot2")
    check(re.search(r"boot: prompt after \d+ ms", boot_log), "no boot-time line")
    check_memtotal(m, 128)
    m.poweroff()


@test
def grub_boot_2g(b):
    m = b.machine(boot="grub", mem="2G").start()
    m.wait_prompt()
    check_memtotal(m, 2048)
    m.poweroff()


@test
def pvh_boot_128m_and_2g(b):
    for mem, mib in (("128M", 128), ("2G", 2048)):
        m = b.machine(boot="pvh", mem=mem, cmdline="panic=exit test=pvh").start()
        boot_log = m.wait_prompt()
        check("booted by pvh" in boot_log, "loader not reported as pvh")
        check('"panic=exit test=pvh"' in boot_log, "command line from -append not shown")
        check_memtotal(m, mib)
        m.poweroff()


@test
def every_cpu_of_the_madt_comes_up(b):
    """With -smp 1, 2 and 4 (through GRUB once), the boot CPU starts every other CPU the
    ACPI MADT lists (INIT-SIPI-SIPI through the real-mode trampoline); each sets itself up
    and says so, and the boot line counts them; the machine then works as before."""
    for n, boot in ((1, "pvh"), (2, "grub"), (4, "pvh")):
        m = b.machine(boot=boot, qemu_args=["-smp", str(n)]).start()
        log = m.wait_prompt()
        madt = re.search(r"MADT: lapic 0x[0-9a-f]+, (\d+) cpus?,", log)
        up = re.search(r"^smp: (\d+) CPUs? up$", log, re.M)
        check(madt and int(madt.group(1)) == n, f"-smp {n}: the MADT line:\n{log}")
        check(up and int(up.group(1)) == n and "did not answer" not in log, f"-smp {n}:\n{log}")
        check("hello from pid" in m.command("run hello"), f"-smp {n}: hello did not run")
        m.poweroff()


@test
def corrupt_initramfs_is_reported_and_boot_goes_on(b):
    with open(os.path.join(b.build, "initrd.cpio"), "rb") as f:
        archive = bytearray(f.read())
    # break the magic of the third entry: the first two are kept, the rest skipped
    third = [i for i in range(len(archive)) if archive.startswith(b"070701", i)][2]
    archive[third:third + 6] = b"XXXXXX"
    path = os.path.join(b.tmpdir, "initrd-corrupt.cpio")  # scratch, not the build
    with open(path, "wb") as f:
        f.write(archive)
    m = b.machine(initrd=path).start()
    log = m.wait_prompt()
    check(re.search(r"initramfs: corrupt archive \(.+\) after 2 entries", log), f"no corruption report:\n{log}")
    check(m.command("echo alive").strip() == "alive", "the shell does not work")
    m.poweroff()


@test
def no_long_mode_message(b):
    m = b.machine(boot="grub", qemu_args=["-cpu", "qemu32"]).start()
    m.expect(r"no 64-bit long mode")


# ---- shell ----

@test
def help_lists_every_command(b):
    m = b.machine().start()
    m.wait_prompt()
    out = m.command("help")
    for name in ("help", "meminfo", "uptime", "echo", "poweroff", "selftest", "fault",
                 "run", "ps", "kill", "ls", "cat", "ksm", "trace", "profile"):
        check(re.search(rf"^\s+{name}\b[^\n]*?\s{{2,}}\S", out, re.M), f"help does not describe {name}:\n{out}")
    m.poweroff()


@test
def bad_commands_keep_the_shell(b):
    m = b.machine().start()
    m.wait_prompt()
    out = m.command("frobnicate now")
    check(out.strip() == "unknown command: frobnicate (try help)", f"unknown command output: {out!r}")
    out = m.command("uptime extra")
    check(out.strip() == "usage: uptime", f"bad argument output: {out!r}")
    out = m.command('echo "unterminated')
    check(out.strip() == "shell: unterminated quote", f"bad quoting output: {out!r}")
    out = m.command("")
    check(out == "", f"empty line printed {out!r}")
    out = m.command("echo still alive")
    check(out.strip() == "still alive", f"echo output: {out!r}")
    m.poweroff()


@test
def enter_as_cr_lf_crlf_and_line_editing(b):
    m = b.machine().start()
    m.wait_prompt()
    check(m.command("echo cr", enter="\r").strip() == "cr", "CR did not end the line")
    check(m.command("echo lf", enter="\n").strip() == "lf", "LF did not end the line")
    check(m.command("echo crlf", enter="\r\n").strip() == "crlf", "CRLF did not end the line")
    # the LF of the CRLF must not have produced a second, empty command and prompt
    check(m.quiet_for(0.3) == "", "CRLF gave two prompts")
    check(m.command("echo abx\x7fc").strip().endswith("abc"), "backspace did not edit")
    m.send("echo junk\x03")
    m.wait_prompt()
    check(m.command("echo kill\x15echo ok").strip().endswith("ok"), "Ctrl-U did not kill the line")
    # history: up twice from "echo ok" recalls "echo abc" (the line after editing)
    check(m.command("\x1b[A\x1b[A").strip().endswith("abc"), "history up did not recall")
    m.poweroff()


@test
def typed_ahead_input_is_kept(b):
    m = b.machine().start(typeahead="echo typed-ahead-1\necho typed-ahead-2\n")
    m.expect(r"(?m)^typed-ahead-1$")
    m.expect(r"(?m)^typed-ahead-2$")
    m.wait_prompt()
    m.poweroff()


@test
def uptime_advances_and_console_stays_quiet(b):
    m = b.machine().start()
    m.wait_prompt()
    first = m.command("uptime")
    quiet = m.quiet_for(1.0)
    check(quiet == "", f"the console printed on its own: {quiet!r}")
    second = m.command("uptime")
    t = [float(re.search(r"up (\d+\.\d{3}) s", s).group(1)) for s in (first, second)]
    check(0.9 <= t[1] - t[0] <= 10, f"uptime went from {t[0]} to {t[1]} over ~1 s")
    m.poweroff()


def interrupt_after_output(m, command, started, what, settle=0.0):
    """Type command, wait for the regex started in its output and settle seconds more, send
    Ctrl-C: the prompt must come back within a few seconds after a "^C" line. Return the
    output from the start of the command to the "^C"."""
    start = m.pos
    m.send(command + "\n")
    m.expect(started, timeout=30)
    m.quiet_for(settle)
    m.send("\x03")
    out = m.wait_prompt(timeout=5)
    check(out.endswith("^C"), f"{what}: no ^C line before the prompt: {out[-200:]!r}")
    return m.log[start:m.pos]


@test
def ctrl_c_interrupts_cat_of_a_huge_file(b):
    """cat /proc/PID/pagemap (8 bytes for each of 2^35 pages: it never ends by itself) stops
    at Ctrl-C, each time, and the shell works on; a Ctrl-C at the prompt leaves nothing
    behind that would cut the next command short."""
    m = b.machine().start()
    m.wait_prompt()
    pid = start_spin(m)
    m.sync()
    for i in range(3):
        out = interrupt_after_output(m, f"cat /proc/{pid}/pagemap", r"pagemap\n[\s\S]{4096}",
                                     f"cat pagemap (round {i + 1})", settle=0.3)
        check(len(out) > 8192, "cat printed next to nothing")
        check(m.command(f"echo after-cat-{i}").strip() == f"after-cat-{i}", "the shell does not work after ^C")
    m.send("\x03")  # at the prompt: abandons the (empty) line, no more
    m.wait_prompt()
    out = m.command("cat /proc/meminfo /proc/self/status")
    check(re.search(r"^MemTotal:", out, re.M) and re.search(r"^Pid:\s+1$", out, re.M) and "^C" not in out,
          f"the command after a Ctrl-C at the prompt was cut short:\n{out}")
    m.command(f"kill {pid}")
    check(wait_exit(m, pid, tries=50) == ("killed", "SIGTERM"), "spin did not end")  # the open pagemaps let go of it
    m.poweroff()


@test
def ctrl_c_interrupts_trace_and_ksm_watch(b):
    """trace with a full buffer (4096 events, about a second of console output) stops at
    Ctrl-C typed after its header, well before the end; ksm watch ends at Ctrl-C without
    waiting for its next refresh, and the keys typed after the Ctrl-C are kept."""
    m = b.machine().start()
    m.wait_prompt()
    m.command("echo 0 > /sys/kernel/mm/ksm/sleep_millisecs")
    m.command("echo 1 > /sys/kernel/mm/ksm/run")
    check(m.command("trace on").strip() == "trace: 12 events on", "trace on")
    out = m.command("run vmsim -n 2 -g 16 &")
    pid = int(re.search(r"\[pid (\d+) started in the background\]", out).group(1))
    for _ in range(100):  # ksmd's two events per full scan fill the buffer
        head = m.command("run sh -c 'head -3 /sys/kernel/tracing/trace'")
        full = re.search(r"entries-in-buffer/entries-written: 4096/(\d+)", head)
        if full:
            break
        m.quiet_for(0.2)
    check(full, f"the trace buffer did not fill:\n{head}")
    m.command("trace off")
    m.command(f"kill {pid}")
    wait_exit(m, pid)  # its end report must not land in trace's output
    out = interrupt_after_output(m, "trace", r"# tracer: nop\n", "trace")
    events = len(re.findall(r": ksm_\w+: ", out))
    check(events < 4096, f"trace printed all of its {events} events despite Ctrl-C")
    check(m.command("echo after-trace").strip() == "after-trace", "the shell does not work after ^C")
    # ksm watch
    m.send("ksm watch\n")
    m.expect(r"\(Ctrl-C ends\)\n")
    m.send("\x03")
    m.send("echo typed-after\n")
    out = m.wait_prompt(timeout=5)
    check(out.endswith("^C") and "ksmd:" not in out, f"ksm watch did not end at once with ^C: {out[-200:]!r}")
    m.expect(r"(?m)^typed-after$")
    m.wait_prompt()
    m.poweroff()


def newc_entry(name, mode, data=b""):
    """One entry of a cpio archive in the newc format (the initramfs's)."""
    fields = [1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08x" % v for v in fields) + name.encode() + b"\0"
    head += b"\0" * (-len(head) % 4)
    return head + data + b"\0" * (-len(data) % 4)


def initrd_with_big_directory(b, path, files, name_len):
    """The build's initrd with one more directory, path, of `files` empty files with names
    name_len characters long; the new archive's path."""
    with open(os.path.join(b.build, "initrd.cpio"), "rb") as f:
        archive = f.read()
    end = archive.rindex(b"070701", 0, archive.rindex(b"TRAILER!!!"))  # the trailer's header
    extra = [newc_entry(path, 0o040755)]
    extra += [newc_entry(f"{path}/{i:05d}-".ljust(len(path) + 1 + name_len, "x"), 0o100644)
              for i in range(files)]
    out = os.path.join(b.tmpdir, "initrd-bigdir.cpio")
    with open(out, "wb") as f:
        f.write(archive[:end] + b"".join(extra) + archive[end:])
    return out


@test
def ctrl_c_interrupts_ls_of_a_huge_directory(b):
    """ls of a directory of 4000 files with 200-character names (about 3 s of console
    output) stops at Ctrl-C."""
    files = 4000
    m = b.machine(initrd=initrd_with_big_directory(b, "big", files, 200)).start()
    m.wait_prompt(timeout=60)
    out = interrupt_after_output(m, "ls /big", r"\n00000-x+\n", "ls")
    listed = len(re.findall(r"^\d{5}-x+$", out, re.M))
    check(0 < listed < files, f"ls listed {listed} of {files} files despite Ctrl-C")
    check(m.command("ls /big/03999-" + "x" * 194).strip() == "/big/03999-" + "x" * 194,
          "the shell does not work after ^C")
    m.poweroff()


@test
def selftest_passes(b):
    """The in-kernel tests, with a swap disk (vda, left alone) and a scratch disk (vdb, whose
    last 64 KiB get the disk checks and must read back as they were), on two CPUs: the TLB
    shootdown's test needs the second (arch-x86_64/smp_selftest.c)."""
    scratch = os.path.join(b.tmpdir, "scratch.img")
    data = bytes(range(256)) * (4096 * 4)  # 4 MiB with a recognisable tail
    with open(scratch, "wb") as f:
        f.write(data)
    m = b.machine(qemu_args=["-smp", "2", "-drive", f"file={scratch},if=virtio,format=raw"]).start()
    m.wait_prompt()
    out = m.command("selftest", timeout=120)
    check(counted(r"selftest: (\d+) passed, 0 failed", out), f"selftest output:\n{out}")
    check("no TLB shootdown to test" not in out, f"the shootdown was not tested:\n{out}")
    check("selftest: disk vdb, sectors 8064-8191 (restored afterwards)" in out and "disk vda" not in out,
          f"the disk checks: on the scratch disk only:\n{out}")
    m.poweroff()
    with open(scratch, "rb") as f:
        check(f.read() == data, "the scratch disk's data changed")


@test
def poweroff_is_quick(b):
    m = b.machine().start()
    m.wait_prompt()
    t0 = time.monotonic()
    m.poweroff()
    check(time.monotonic() - t0 < 1.0, "poweroff took more than a second")


@test
def kernel_fault_gives_panic_report(b):
    m = b.machine().start()
    m.wait_prompt()
    m.allow_panic = True
    m.send("fault\n")
    m.expect(r"KERNEL PANIC")
    m.wait_exit(EXIT_PANIC)
    report = m.log[m.pos:]
    check(re.search(r"page fault", report), "report does not name the page fault")
    check(re.search(r"vector 14\b", report), "report does not give vector 14")
    check(re.search(r"(?i)cr2[:= ]+(0x)?ffffa00000000000\b", report), "report lacks CR2 = fault address")
    check(re.search(r"(?i)\brip\b", report) and re.search(r"(?i)\brsp\b", report), "registers missing")
    check(re.search(r"cmd_fault\+0x", report), "backtrace does not name cmd_fault")
    check(re.search(r"shell_main\+0x", report), "backtrace does not reach shell_main")


# ---- the debug build's lock checker (make DEBUG=1: the kernel make test boots) ----

def require_debug_kernel(b):
    with open(os.path.join(b.build, "kernel.elf"), "rb") as f:
        if b"cmd_lockcheck" not in f.read():
            raise Skip("not a debug kernel (make DEBUG=1)")


def lockcheck_sites():
    """{marker: "shell/shell_cmds_sys.c:LINE"} for the lines marked "lockcheck: ..."."""
    path = "shell/shell_cmds_sys.c"
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    sites = {}
    with open(os.path.join(root, path)) as f:
        for n, line in enumerate(f, 1):
            mark = re.search(r"/\* lockcheck: (.*?) \*/", line)
            if mark:
                sites[mark.group(1)] = f"{path}:{n}"
    return sites


def lockcheck_report(b, case):
    """Boot, run `lockcheck CASE`, and return the panic report (skip on a release kernel)."""
    require_debug_kernel(b)
    m = b.machine().start()
    m.wait_prompt()
    m.allow_panic = True
    start = m.pos
    m.send(f"lockcheck {case}\n")
    m.expect(r"KERNEL PANIC")
    m.wait_exit(EXIT_PANIC)
    return m.log[start:]


@test
def lock_checker_learns_the_ksm_order(b):
    """On a normal workload the checker is on, learns the documented order (ksm_lock, then
    an mm's lock: mm/ksm_internal.h) and reports nothing."""
    require_debug_kernel(b)
    m = b.machine().start()
    m.wait_prompt()
    m.command("echo 1 > /sys/kernel/mm/ksm/run")
    out = m.command("run ksm-test cow", timeout=120)
    check("ksm-test: cow ok" in out, f"ksm-test cow:\n{out}")
    orders = m.command("lockcheck orders")
    check(re.search(r'"ksm" \(mm/ksm\.c:\d+\) before "mm" \(mm/ksm\.c:\d+\)', orders),
          f"ksm before mm not learnt:\n{orders}")
    check(re.search(r"lockdep: \d+ classes, \d+ orders", orders) and "checking is off" not in orders,
          f"no summary, or checking went off:\n{orders}")
    m.poweroff()


@test
def lock_order_inversion_is_reported_with_both_sites(b):
    report = lockcheck_report(b, "order")
    site = lockcheck_sites()
    check("lock order inversion" in report, "no lock-order report")
    check("lockcheck: not caught" not in report, "the inversion went through")
    # The inverted pair: a taken inside b now, b taken inside a before; and where the
    # outer lock of each was taken.
    for mark in ("a inside b", "b first", "b inside a", "a first"):
        check(site[mark] in report, f"the report does not name {site[mark]} ({mark})")
    check(re.search(r'"lockcheck-a" taken at .* while holding "lockcheck-b"', report),
          "the report does not name the two locks in the order taken now")


@test
def lock_order_cycle_through_a_third_lock_is_reported(b):
    report = lockcheck_report(b, "chain")
    site = lockcheck_sites()
    check("lock order inversion" in report and "lockcheck: not caught" not in report,
          "no lock-order report")
    # Now: a inside c; before: b inside a, then c inside b (the chain that closes the cycle).
    for mark in ("a inside c", "c first", "b inside a", "c inside b"):
        check(site["chain " + mark] in report, f"the report does not name {site['chain ' + mark]} ({mark})")


@test
def mutex_with_irqs_off_or_spinlock_held_and_spinlock_with_irqs_on_are_reported(b):
    site = lockcheck_sites()
    report = lockcheck_report(b, "irqoff")
    check(re.search(r'sleeping lock "lockcheck-m" taken with interrupts off', report),
          "no report of a mutex taken with interrupts off")
    check(site["mutex with interrupts off"] in report, "the report lacks the mutex_lock site")
    report = lockcheck_report(b, "spin")
    check(re.search(r'sleeping lock "lockcheck-m" taken while holding spinlock "lockcheck-a"',
                    report), "no report of a mutex taken under a spinlock")
    check(site["mutex under spinlock"] in report and site["spinlock held"] in report,
          "the report lacks the mutex_lock site or the spinlock's")
    report = lockcheck_report(b, "irqon")
    check(re.search(r'spinlock "lockcheck-a" taken with interrupts on', report)
          and site["spinlock with interrupts on"] in report,
          f"no report of a spinlock taken with interrupts on:\n{report}")
