"""Summarise a ``py-spy record --format raw`` file: where the request threads spent their time.

    python bench/profile_top.py FILE [--match issue_ticket] [--exclude _on_begin] [--top 25]

Keeps the stacks that pass through a frame containing ``--match`` (the handler being measured; idle
threads of the pool are left out), then prints, per function, the share of those samples in which
it is on the stack (inclusive) and on top (self). Written for bench_core.py's ``--profile``.
"""
from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--match", default="", help="keep stacks with a frame containing this text")
    parser.add_argument("--exclude", default="", help="leave out stacks with a frame containing this text")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in args.file.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit() or (args.match and args.match not in stack) or (
            args.exclude and args.exclude in stack
        ):
            continue
        frames = [re.sub(r"\s+\(.*?/(?:site-packages|wt-\d|main)/", " (", f) for f in stack.split(";")]
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    print(f"{total} samples matching {args.match!r}")
    print("-- inclusive")
    for frame, n in inclusive.most_common(args.top):
        print(f"{100 * n / max(total, 1):5.1f}%  {frame}")
    print("-- self")
    for frame, n in own.most_common(args.top):
        print(f"{100 * n / max(total, 1):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
