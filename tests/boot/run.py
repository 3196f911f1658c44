#!/usr/bin/env python3
"""Boot tests: boot the real kernel in QEMU (TCG), drive its shell over the serial line and
check what it prints. A panic, a triple fault, an unexpected exit status or a timeout fails
the test and prints the whole serial log. Ends with "N passed, N failed".

usage: run.py --build DIR [NAME-SUBSTRING ...]
"""
import argparse
import shutil
import sys
import tempfile
import time
import traceback

from machine import Machine, TestFailure
from registry import STRESS, TESTS, Skip
import test_boot  # noqa: F401  (registers its tests)
import test_process  # noqa: F401
import test_ksm  # noqa: F401
import test_abi  # noqa: F401
import test_blk  # noqa: F401
import test_swap  # noqa: F401
import test_sched  # noqa: F401
import test_pidfd  # noqa: F401
import test_procmem  # noqa: F401
import test_uffd  # noqa: F401
import test_profile  # noqa: F401
import test_signal  # noqa: F401
import test_futex  # noqa: F401
import test_smp  # noqa: F401
import test_ksm_explain  # noqa: F401
import test_domains  # noqa: F401
import linux_selftests  # noqa: F401


class Bench:
    def __init__(self, build):
        self.build = build
        self.machines = []
        self.tmpdir = tempfile.mkdtemp(prefix="ksm-test-")  # the test's scratch files

    def machine(self, build=None, **kw):
        """A machine of this run's kernel, or of the one in build."""
        m = Machine(build or self.build, **kw)
        self.machines.append(m)
        return m

    def cleanup(self):
        for m in self.machines:
            m.kill()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every serial log")
    ap.add_argument("--stress", action="store_true", help="run the long stress tests instead")
    ap.add_argument("names", nargs="*", help="run the tests whose name contains one of these")
    args = ap.parse_args()

    passed = failed = skipped = matched = 0
    for fn in STRESS if args.stress else TESTS:
        if args.names and not any(n in fn.__name__ for n in args.names):
            continue
        matched += 1
        b = Bench(args.build)
        t0 = time.monotonic()
        try:
            fn(b)
            ok, why = True, ""
        except Skip as e:
            skipped += 1
            print(f"skip {fn.__name__}: {e}")
            continue
        except TestFailure as e:
            ok, why = False, str(e)
        except Exception as e:  # a broken test or an unreadable answer fails, it does not abort the run
            ok, why = False, f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
        finally:
            b.cleanup()
        dt = time.monotonic() - t0
        if ok:
            passed += 1
            print(f"ok   {fn.__name__} ({dt:.1f} s)")
        else:
            failed += 1
            print(f"FAIL {fn.__name__} ({dt:.1f} s): {why}")
        if not ok or args.verbose:
            for i, m in enumerate(b.machines):
                print(f"---- serial log of machine {i} ({' '.join(m.qemu_command())}) ----")
                print(m.log.rstrip())
                print("---- end of log ----")
        sys.stdout.flush()
    if not matched:  # a misspelt name must not pass by running nothing
        print(f"no test's name contains any of: {' '.join(args.names)}")
    print(f"boot: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not matched else 0


if __name__ == "__main__":
    sys.exit(main())
