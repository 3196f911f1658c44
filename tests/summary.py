#!/usr/bin/env python3
"""Run each test suite given on the command line (a shell command), show its output, and
end with one line "N passed, N failed" summed over all suites. A suite that exits non-zero,
prints no "N passed, N failed" line, or passes nothing ("0 passed, 0 failed": nothing was
checked) counts as one more failure."""
import re
import subprocess
import sys

LINE = re.compile(r"(\d+) passed, (\d+) failed")


def main():
    passed = failed = 0
    for cmd in sys.argv[1:]:
        proc = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        sys.stdout.write(proc.stdout)
        counts = LINE.findall(proc.stdout)
        if counts:
            p, f = map(int, counts[-1])
            passed += p
            failed += f
        if proc.returncode != 0 and (not counts or int(counts[-1][1]) == 0):
            print(f"suite failed (exit status {proc.returncode}): {cmd}")
            failed += 1
        elif not counts:
            print(f"suite printed no result line: {cmd}")
            failed += 1
        elif counts[-1] == ("0", "0"):
            print(f"suite checked nothing (0 passed, 0 failed): {cmd}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
