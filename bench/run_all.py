"""Run every benchmark in turn and print its figures (``make bench``).

    python bench/run_all.py            the quick set (about 12 minutes on 2 cores)
    python bench/run_all.py --full     plus the 10-minute load scenarios of issue 5 (a and b)

Each benchmark is its own script and can be run alone with its own options; this only
runs them one after another so they do not share the machine's cores.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

QUICK: list[list[str]] = [
    ["bench_core.py"],
    ["bench_history.py"],  # the hot paths on a year of past tickets, next to an empty database
    ["bench_printing.py"],
    ["bench_audio.py"],
    ["bench_voice.py", "--engine", "espeak"],
    ["bench_voicepack.py"],  # a recorded announcement: clips assembled cold and cached, next to a bare join
    ["bench_reports.py"],
    ["bench_reports.py", "--published"],  # a year of a provincial center: the periodic report under 1 s
    ["bench_bookings.py"],  # a month's slot listing of a 30-counter center, and bookings/s, next to bare Flask
    ["bench_load.py", "--scenario", "a", "--minutes", "1", "--floor"],  # with the call floor beside the bare emit
    # 2,000 clients on the one process: call → board p99, missed pings (disconnects) and RSS per client
    # (issue 17). Without its bare run and with 45 s to connect, so that make bench stays within about 12 minutes
    # even when the process cannot carry them (threading: it took 12 minutes to fail with the defaults).
    ["bench_load.py", "--scenario", "a2000", "--minutes", "0.5", "--no-baseline", "--deadline", "45"],
]
FULL: list[list[str]] = [
    ["bench_load.py", "--scenario", "a", "--minutes", "10"],
    ["bench_load.py", "--scenario", "b", "--minutes", "10"],
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="also the 10-minute load scenarios")
    args = parser.parse_args()
    runs = QUICK[:-2] + FULL + QUICK[-1:] if args.full else QUICK
    failed = []
    for script, *options in runs:
        print(f"\n===== {script} {' '.join(options)}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(BENCH / script), *options], cwd=BENCH.parent)
        print(f"===== {script}: exit {code}, {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
