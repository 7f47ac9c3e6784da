#!/usr/bin/env python3
"""Writes the demo's input files: synthetic hourly sensor records (think tide gauge or
temperature logger) with a slow trend, one to three hidden oscillations and a lot of noise.

Deterministic: the same --seed and --count give byte-identical files.

  make_inputs.py --count 24 --dir work/in --list work/inputs.txt --truth work/truth.tsv

Writes DIR/record_NN.csv (columns hour,level), LIST (one input path per line, as
coreflow's `:::: LIST` reads it) and TRUTH (the oscillations hidden in each record, which
only summarize.py looks at).
"""
import argparse
import os

import numpy as np

SAMPLES = 16000  # hourly samples, about 22 months
MIN_PERIOD, MAX_PERIOD = 12.0, 180.0  # hours
MIN_RATIO = 1.35  # hidden periods differ by at least this factor


def draw_periods(rng, k):
    while True:
        p = np.sort(np.exp(rng.uniform(np.log(MIN_PERIOD), np.log(MAX_PERIOD), k)))
        if k == 1 or np.all(p[1:] / p[:-1] >= MIN_RATIO):
            return p


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--dir", required=True, help="folder for the record_NN.csv files")
    ap.add_argument("--list", required=True, help="file listing the inputs, one per line")
    ap.add_argument("--truth", required=True, help="TSV of the hidden oscillations")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    hours = np.arange(SAMPLES, dtype=float)
    paths, truth = [], []
    for i in range(1, args.count + 1):
        rng = np.random.default_rng([args.seed, i])  # one stream per file: stable per index
        k = 1 + (i - 1) % 3  # one, two or three oscillations
        periods = draw_periods(rng, k)
        amplitudes = rng.uniform(0.6, 1.5, k)
        phases = rng.uniform(0, 2 * np.pi, k)
        noise_sd = rng.uniform(0.8, 1.5)
        level = 10 + rng.uniform(-2, 2) * hours / SAMPLES  # slow drift
        for p, a, ph in zip(periods, amplitudes, phases):
            level += a * np.sin(2 * np.pi * hours / p + ph)
        level += rng.normal(0, noise_sd, SAMPLES)

        path = os.path.join(args.dir, f"record_{i:02d}.csv")
        np.savetxt(path, np.column_stack([hours, level]), fmt=["%d", "%.4f"],
                   delimiter=",", header="hour,level", comments="")
        paths.append(path)
        truth.append((os.path.basename(path), noise_sd, periods, amplitudes))

    with open(args.list, "w") as f:
        f.writelines(p + "\n" for p in paths)
    with open(args.truth, "w") as f:
        f.write("file\tnoise_sd\tperiods_h\tamplitudes\n")
        for name, sd, periods, amplitudes in truth:
            f.write(f"{name}\t{sd:.3f}\t{','.join(f'{p:.2f}' for p in periods)}\t"
                    f"{','.join(f'{a:.3f}' for a in amplitudes)}\n")
    print(f"wrote {len(paths)} records of {SAMPLES} samples to {args.dir}")


if __name__ == "__main__":
    main()
