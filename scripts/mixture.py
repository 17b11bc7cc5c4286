#!/usr/bin/env python3
"""Writes a mixture of Gaussians in any dimension as CSV training data, with its mode centres.

    python3 scripts/mixture.py OUT_PREFIX [--dim 8] [--modes 6] [--std 0.1] [--radius 2]
                               [--rows 20000] [--seed 0] [--ring] [--labels]

writes OUT_PREFIX.csv (rows of `dim` values, equal shares per mode) and OUT_PREFIX-modes.csv
(one centre a row), ready for

    picogan train --dataset OUT_PREFIX.csv --modes OUT_PREFIX-modes.csv --mode-std 0.1

The centres are drawn uniformly on the sphere of the given radius, then kept only when every two
lie at least 20 σ apart, so that each mode's samples are far from the others'. With --ring (2-D
only) they are evenly spaced on the circle instead, the first at angle 0, as in the ring8 data
set. With --labels each row ends with its mode's index, a class label for `--labels last`.
"""
import argparse
import math
import random


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_prefix")
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--modes", type=int, default=6)
    parser.add_argument("--std", type=float, default=0.1)
    parser.add_argument("--radius", type=float, default=2.0)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ring", action="store_true")
    parser.add_argument("--labels", action="store_true")
    args = parser.parse_args()
    if args.ring and args.dim != 2:
        raise SystemExit("--ring places the modes on a circle: it needs --dim 2")
    rng = random.Random(args.seed)

    def on_sphere():
        v = [rng.gauss(0.0, 1.0) for _ in range(args.dim)]
        norm = math.sqrt(sum(x * x for x in v))
        return [args.radius * x / norm for x in v]

    centres = []
    if args.ring:
        centres = [
            [args.radius * math.cos(2 * math.pi * i / args.modes),
             args.radius * math.sin(2 * math.pi * i / args.modes)]
            for i in range(args.modes)
        ]
    for _ in range(0 if args.ring else 100_000):
        c = on_sphere()
        if all(math.dist(c, o) >= 20 * args.std for o in centres):
            centres.append(c)
            if len(centres) == args.modes:
                break
    if len(centres) < args.modes:
        raise SystemExit("cannot place the modes that far apart: use a larger --radius")

    header = ",".join(f"x{i + 1}" for i in range(args.dim))
    with open(f"{args.out_prefix}-modes.csv", "w") as f:
        f.write(header + "\n")
        for c in centres:
            f.write(",".join(f"{x:.6f}" for x in c) + "\n")
    with open(f"{args.out_prefix}.csv", "w") as f:
        f.write(header + (",label" if args.labels else "") + "\n")
        for row in range(args.rows):
            mode = row % args.modes
            values = [f"{x + rng.gauss(0.0, args.std):.6f}" for x in centres[mode]]
            if args.labels:
                values.append(str(mode))
            f.write(",".join(values) + "\n")


if __name__ == "__main__":
    main()
