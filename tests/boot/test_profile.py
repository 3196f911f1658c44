"""Boot tests of the sampling profiler (`profile`, kernel/profile.h): a kernel-heavy
program's samples land in functions of the kernel's own symbol table (callers too), a
stopped profiler records nothing, reset empties it, and a task filter keeps other tasks'
ticks out."""
import re
import subprocess
import os

from registry import check, test
from test_process import run

# memtouch's demand-zero faults clear 16384 pages in the kernel: hundreds of ticks.
WORKLOAD = "memtouch 64 unique"


def kernel_functions(build):
    """The names of the text symbols of build's kernel.elf (what ksyms resolves to)."""
    out = subprocess.run(["nm", os.path.join(build, "kernel.elf")], check=True,
                         capture_output=True, text=True).stdout
    return {f[2] for f in (line.split() for line in out.splitlines())
            if len(f) == 3 and f[1] in "tTwW"}


def parse_report(out):
    """`profile show`: (totals dict, [(samples, percent, function)])."""
    head = re.search(r"^profile: (running|stopped), (\d+) samples in [\d.]+ s, (.+)$", out, re.M)
    check(head, f"no profile header:\n{out}")
    totals = {k: int(v) for k, v in re.findall(r"^  (\w+) +(\d+) +[\d.]+%$", out, re.M)}
    totals["samples"] = int(head.group(2))
    totals["state"] = head.group(1)
    for k in ("kernel", "user", "idle", "unknown", "lost"):
        check(k in totals, f"profile report has no {k} line:\n{out}")
    rows = [(int(n), float(p), f) for n, p, f in
            re.findall(r"^ *(\d+) +(\d+\.\d) +(\S+)$", out, re.M)]
    return totals, rows


@test
def profile_names_kernel_functions(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    totals, rows = parse_report(m.command("profile show"))
    check(totals["samples"] == 0 and not rows, f"samples before any start: {totals} {rows}")

    m.command("profile start")
    out, _, how = run(m, WORKLOAD)
    check(how == ("exited", 0), f"{WORKLOAD}:\n{out}")
    m.command("profile stop")
    report = m.command("profile show 10")
    totals, rows = parse_report(report)
    check(totals["state"] == "stopped", f"profile still running:\n{report}")
    check(totals["samples"] > 0 and totals["kernel"] > 0, f"no kernel samples:\n{report}")
    check(sum(totals[k] for k in ("kernel", "user", "idle", "unknown", "lost")) == totals["samples"],
          f"the shares do not add up to the samples:\n{report}")
    check(0 < len(rows) <= 10, f"expected 1-10 functions:\n{report}")
    known = kernel_functions(m.build)
    check(all(f in known for _, _, f in rows), f"a function not in kernel.elf:\n{report}")
    check([n for n, _, _ in rows] == sorted((n for n, _, _ in rows), reverse=True),
          f"functions not sorted by samples:\n{report}")
    check(sum(n for n, _, _ in rows) <= totals["kernel"], f"more function samples than kernel ones:\n{report}")
    # The page clearing dominates the faults; the top function must be hot, not noise.
    check(rows[0][0] * 10 >= totals["kernel"], f"top function below 10% of kernel samples:\n{report}")

    # By caller: the pairs name kernel functions too, most with a caller found.
    report = m.command("profile callers 10")
    pairs = re.findall(r"^ *(\d+) +\d+\.\d +(\S+) <- (\S+)$", report, re.M)
    check(0 < len(pairs) <= 10, f"expected 1-10 function <- caller rows:\n{report}")
    check(all(f in known and (c in known or c == "?") for _, f, c in pairs),
          f"a function or caller not in kernel.elf:\n{report}")
    with_caller = sum(int(n) for n, _, c in pairs if c != "?")
    check(with_caller * 2 > sum(int(n) for n, _, _ in pairs), f"most samples without a caller:\n{report}")

    # Stopped: another run adds nothing.
    run(m, WORKLOAD)
    again, _ = parse_report(m.command("profile show 10"))
    check(again["samples"] == totals["samples"], f"samples grew while stopped: {totals} then {again}")

    m.command("profile reset")
    totals, rows = parse_report(m.command("profile show"))
    check(totals["samples"] == 0 and not rows, f"samples after reset: {totals} {rows}")

    # Only ticks that find pid 9999 (no such task) count: none.
    m.command("profile start 9999")
    run(m, WORKLOAD)
    m.command("profile stop")
    report = m.command("profile show")
    totals, rows = parse_report(report)
    check("pid 9999 only" in report and totals["samples"] == 0, f"a filtered profile counted others:\n{report}")

    for bad in ("profile", "profile go", "profile show 0", "profile callers 65", "profile stop 3",
                "profile start x"):
        check("usage: profile" in m.command(bad), f"{bad!r} gave no usage line")
    m.poweroff()
