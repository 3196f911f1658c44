#!/usr/bin/env python3
"""Plots of KSM at work, drawn by gnuplot (Debian's gnuplot-nox) from CSV files that the
demo and the bench leave in build/plots/:

  demo-ksm-off.csv, demo-ksm-on.csv -> demo.png: the density demo's RAM used, swap used
      and pages_sharing against time, KSM off and on on one time axis (rows: time_s,
      used_mib, swap_mib, pages_sharing; tests/demo/run.py samples them);
  bench-history.csv -> convergence.png: ksm-bench's merge, pages_sharing against time and
      against pages scanned (/sys/kernel/mm/ksm/history's CSV).

`make plot` (this file with --dir) redraws whichever of them has its CSV files.

usage: plot.py --dir DIR
"""
import argparse
import os
import struct
import subprocess
import sys

SIZE = (1000, 560)  # pixels of every plot


def gnuplot(script):
    """Run a gnuplot script; raise with gnuplot's message if it fails."""
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode:
        raise RuntimeError(f"gnuplot failed: {r.stderr.strip()}")


def png_size(path):
    """(width, height) of a PNG file, or None if it is not one (signature, then IHDR)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def header(out, title):
    return (f"set terminal pngcairo noenhanced size {SIZE[0]},{SIZE[1]} font 'sans,10'\n"
            f"set output '{out}'\nset datafile separator ','\nset key bottom right\n"
            f"set title '{title}'\nset grid\n")


def demo_plot(off_csv, on_csv, out):
    """RAM and swap used (MiB, left axis) and pages_sharing (right axis) against time."""
    gnuplot(header(out, "density demo: guests above RAM, KSM off and on") +
            "set xlabel 'seconds since the first guest started'\nset ylabel 'MiB'\n"
            "set y2label 'pages_sharing'\nset y2tics\nset ytics nomirror\n"
            f"plot '{off_csv}' using 1:2 skip 1 with lines lw 2 lc rgb '#c0392b' title 'RAM used, KSM off', "
            f"'{off_csv}' using 1:3 skip 1 with lines lw 2 dt 2 lc rgb '#c0392b' title 'swap used, KSM off', "
            f"'{on_csv}' using 1:2 skip 1 with lines lw 2 lc rgb '#2471a3' title 'RAM used, KSM on', "
            f"'{on_csv}' using 1:3 skip 1 with lines lw 2 dt 2 lc rgb '#2471a3' title 'swap used, KSM on', "
            f"'{on_csv}' using 1:4 skip 1 axes x1y2 with lines lw 1 lc rgb '#27ae60' title 'pages_sharing, KSM on'\n")


def convergence_plot(history_csv, out):
    """pages_sharing against time and against pages scanned, side by side."""
    gnuplot(header(out, "") +
            "set multiplot layout 1,2 title 'ksm-bench: convergence of the merge'\nset key off\n"
            "set ylabel 'pages_sharing'\n"
            f"set xlabel 'seconds since boot'\nplot '{history_csv}' using 1:3 skip 1 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#2471a3'\n"
            f"set xlabel 'pages scanned'\nplot '{history_csv}' using 7:3 skip 1 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#27ae60'\n"
            "unset multiplot\n")


def redraw(directory):
    """Draw every plot whose CSV files are in directory: the PNGs made."""
    made = []
    csv = lambda name: os.path.join(directory, name)  # noqa: E731
    if os.path.exists(csv("demo-ksm-off.csv")) and os.path.exists(csv("demo-ksm-on.csv")):
        demo_plot(csv("demo-ksm-off.csv"), csv("demo-ksm-on.csv"), csv("demo.png"))
        made.append(csv("demo.png"))
    if os.path.exists(csv("bench-history.csv")):
        convergence_plot(csv("bench-history.csv"), csv("convergence.png"))
        made.append(csv("convergence.png"))
    return made


def history_csv(m, path):
    """Save the machine's /sys/kernel/mm/ksm/history as a CSV file (its '# dropped' row
    left out, so that every row after the header is a sample)."""
    text = m.command("cat /sys/kernel/mm/ksm/history")
    rows = [line for line in text.strip().splitlines() if not line.startswith("#")]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")
    return len(rows) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="build/plots")
    args = ap.parse_args()
    made = redraw(args.dir)
    if not made:
        print(f"plot: no CSV files in {args.dir} (make demo, make bench)")
        return 1
    for png in made:
        print(f"plot: {png} ({'x'.join(map(str, png_size(png)))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
