#!/usr/bin/env python3
"""Linux's own KSM selftests (tools/testing/selftests/mm of Linux 6.18, unmodified, built
static by $LINUX_SELFTESTS/build-linux-selftests.sh) on this kernel: one boot with the four
programs in /bin, every mode the issue names, each result as Linux's programs report it
(the kselftest Totals line where there is one, else exit status 0 pass, 4 skip, anything
else fail; ksm_functional_tests must count pass:10 fail:0 skip:0), against what Linux
6.18 gives on a one-node machine without huge pages. Ends with "linux-selftests: N passed, N failed, N skipped".

As a program (make linux-selftests): python3 linux_selftests.py --build DIR.
As boot tests (make test): linux_ksm_selftests_pass, and ksm_tests_prctl_merge_over_and_over
(one mode 60 times, for a race it once lost); skipped when the sources are absent.
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import Machine, TestFailure  # noqa: E402
from registry import Skip, check, test  # noqa: E402

DEFAULT_DIR = "../shared/linux-selftests"
INITRD = "initrd-selftests.cpio"  # in the build directory, made by `make linux-selftests-initrd`
KSFT_SKIP = 4

KSM_TESTS_MODES = ["-M -p 10", "-U", "-Z -p 10 -z 0", "-Z -p 10 -z 1", "-P -s 16", "-D -s 16", "-C"]
# (command line, what Linux 6.18 gives here: pass or skip, and why it skips)
CASES = ([(f"ksm_tests {m}", "pass") for m in KSM_TESTS_MODES]
         + [(f"ksm_tests {m} -t 1", "pass") for m in KSM_TESTS_MODES]
         + [("ksm_tests -N -m 0", "skip"), ("ksm_tests -N -m 1", "skip"),  # one NUMA node
            ("ksm_tests -H -s 16", "skip"),                                # no THP
            # one of its tests execs ./ksm_functional_tests from the working directory
            ('sh -c "cd /bin && ./ksm_functional_tests"', "pass"),
            ("merge -t ksm_merge", "pass"),
            ("rmap -t ksm", "skip")])                                      # one NUMA node


def result(cmd, out, status):
    """pass, skip or fail for one program's output and exit status. kselftest programs
    end with a Totals line (their exit status is 0 when everything skipped); ksm_tests
    only has its exit status."""
    totals = re.search(r"Totals: pass:(\d+) fail:(\d+) xfail:\d+ xpass:\d+ skip:(\d+) error:(\d+)", out)
    if not totals:
        return {0: "pass", KSFT_SKIP: "skip"}.get(status, "fail")
    passed, failed, skipped, errors = map(int, totals.groups())
    if status not in (0, KSFT_SKIP) or failed or errors:
        return "fail"
    if "ksm_functional_tests" in cmd and (passed, skipped) != (10, 0):
        return "skip" if skipped else "fail"  # all ten must pass, as on Linux
    return "pass" if passed else "skip"


def run_all(build, new_machine=None, report=print):
    """Boot once (a Machine, or new_machine(**kw)'s) and run every case: a list of
    (command, expected, got, output)."""
    kw = dict(mem="512M", timeout=60, initrd=os.path.join(build, INITRD))
    m = new_machine(**kw) if new_machine else Machine(build, **kw)
    rows = []
    try:
        m.start()
        m.wait_prompt()
        for cmd, expected in CASES:
            t0 = time.monotonic()
            out = m.command(f"run {cmd}", timeout=300)
            end = re.search(r"\[pid \d+ (?:exited, status=(\d+)|killed by (\w+))\]\s*$", out)
            status = int(end.group(1)) if end and end.group(1) else -1
            got = result(cmd, out, status)
            rows.append((cmd, expected, got, out))
            report(f"{got:<4} {cmd} ({time.monotonic() - t0:.1f} s)"
                   + ("" if got == expected else f"  <- Linux: {expected}"))
        m.poweroff()
    finally:
        m.kill()
    return rows


def selftests_dir():
    return os.environ.get("LINUX_SELFTESTS") or DEFAULT_DIR


def selftests_build(b):
    """The build whose kernel and INITRD the selftests boot; Skip without the sources."""
    src = selftests_dir()
    if not os.path.isfile(os.path.join(src, "build-linux-selftests.sh")):
        raise Skip(f"no Linux selftests at {src}")
    # The kernel users run (make test names it: LINUX_SELFTESTS_BUILD), not the debug one
    # of the other boot tests: with the debug kernel's timing, ksm_tests -U failed 2 full
    # suites in 5 (never alone; see the README's selftest section).
    build = os.environ.get("LINUX_SELFTESTS_BUILD") or b.build
    check(os.path.isfile(os.path.join(build, INITRD)),
          f"{src} exists but {build}/{INITRD} was not built")
    return build


@test
def linux_ksm_selftests_pass(b):
    build = selftests_build(b)
    rows = run_all(build, lambda **kw: b.machine(build=build, **kw), report=lambda line: None)
    wrong = [f"{cmd}: {got}, Linux: {expected}\n{out}" for cmd, expected, got, out in rows
             if got != expected]
    check(not wrong, "results differ from Linux's:\n" + "\n".join(wrong))


@test
def ksm_tests_prctl_merge_over_and_over(b):
    """ksm_tests -M -t 1 (PR_SET_MEMORY_MERGE, wait for the merge, unset it, exit), 60 times
    on one boot: the unmerge frees KSM pages while ksmd looks them up in the stable tree.
    ksmd once left an item in the unstable tree when it met such a busy node, and hit
    BUG_ON(age > 1) two scans later: within 15 rounds on the release kernel, when put_page
    was slower to tell the stable node (3 s)."""
    build = selftests_build(b)
    m = b.machine(build=build, mem="512M", timeout=60, initrd=os.path.join(build, INITRD)).start()
    m.wait_prompt()
    for i in range(60):
        out = m.command("run ksm_tests -M -p 10 -t 1", timeout=60)
        check(out.rstrip().endswith("exited, status=0]"), f"round {i + 1}:\n{out}")
    m.poweroff()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    src = selftests_dir()
    if not os.path.isfile(os.path.join(src, "build-linux-selftests.sh")):
        print(f"linux-selftests: no sources at {src} (set LINUX_SELFTESTS): skipped")
        print("linux-selftests: 0 passed, 0 failed, 1 skipped")
        return 0
    try:
        rows = run_all(args.build)
    except TestFailure as e:
        print(f"linux-selftests: the run broke off: {e}")
        print("linux-selftests: 0 passed, 1 failed, 0 skipped")
        return 1
    counts = {k: sum(1 for r in rows if r[2] == k) for k in ("pass", "fail", "skip")}
    differ = sum(1 for r in rows if r[1] != r[2])
    for cmd, expected, got, out in rows:
        if got == "fail":
            print(f"---- {cmd} ----\n{out.rstrip()}")
    print(f"linux-selftests: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped"
          + (f" ({differ} differ from Linux 6.18)" if differ else " (as on Linux 6.18)"))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
