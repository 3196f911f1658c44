#!/usr/bin/env python3
"""make bench: boot the kernel under TCG, run the benchmark programs, print their
key=value figures. Figures compare between runs on the same kind of machine; TCG timings
are not native timings.

usage: run.py --build DIR [--mem 1G]
"""
import argparse
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/boot")
from machine import Machine, TestFailure  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--mem", default="1G")
    args = ap.parse_args()
    m = Machine(args.build, mem=args.mem, timeout=600)
    try:
        m.start()
        m.wait_prompt()
        out = m.command("run ksm-bench", timeout=900)
        m.poweroff()
    except TestFailure as e:
        print(f"bench failed: {e}\n{m.log}")
        return 1
    finally:
        m.kill()
    figures = re.findall(r"^\w+=\S+$", out, re.M)
    if not figures or "exited, status=0" not in out:
        print(f"ksm-bench failed:\n{out}")
        return 1
    print("\n".join(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
