#!/usr/bin/env python3
"""Finds the periodic signals hidden in one noisy sensor record with singular spectrum
analysis (SSA), and writes what it found as JSON.

  analyze.py INPUT.csv OUTPUT.json

The heavy step is the lag-covariance matrix of the trajectory matrix (a BLAS matrix
product) and its eigendecomposition (LAPACK); both run on as many threads as
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS allow, which is what `coreflow run -t T` sets.
"""
import ctypes
import hashlib
import json
import os
import sys
import time

import numpy as np

WINDOW = 480  # SSA window (hours): a few times the longest period we look for
MAX_COMPONENTS = 12  # leading eigenpairs considered
SIGNAL_FACTOR = 10.0  # an eigenvalue this many times the noise floor is signal
PEAK_FRACTION = 0.02  # spectral peaks below this share of the largest are ignored


def blas_info():
    """The BLAS library numpy really loaded, and how many threads it will use."""
    path = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            name = line.split()[-1]
            if "blas" in os.path.basename(name) and name.endswith((".so", ".so.0", ".so.3")):
                path = name
                break
    threads = None
    if path:
        try:
            threads = ctypes.CDLL(path).openblas_get_num_threads()
        except (OSError, AttributeError):
            pass  # not OpenBLAS: report the library alone
    return path, threads


def diagonal_average(left, right):
    """Hankel (anti-diagonal) averaging of sum_k left[:, k] * right[:, k]^T: the series
    that the rank-r part of the trajectory matrix stands for."""
    k, window = left.shape[0], right.shape[0]
    total = sum(np.convolve(left[:, j], right[:, j]) for j in range(left.shape[1]))
    counts = np.convolve(np.ones(k), np.ones(window))
    return total / counts


def spectral_peaks(series):
    """Periods and amplitudes of the clear peaks in a Hann-windowed periodogram."""
    n = series.size
    taper = np.hanning(n)
    nfft = 1 << (8 * n - 1).bit_length()  # zero padding: fine frequency grid
    spectrum = np.abs(np.fft.rfft(series * taper, nfft))
    power = spectrum**2
    freqs = np.fft.rfftfreq(nfft)
    local_max = (power[1:-1] > power[:-2]) & (power[1:-1] >= power[2:])
    idx = np.nonzero(local_max)[0] + 1
    idx = idx[power[idx] >= PEAK_FRACTION * power[idx].max()] if idx.size else idx
    peaks = []
    for i in idx[np.argsort(power[idx])[::-1]]:
        # parabola through the three bins around the maximum, in log power
        a, b, c = np.log(power[i - 1 : i + 2])
        shift = 0.5 * (a - c) / (a - 2 * b + c)
        f = freqs[i] + shift * (freqs[1] - freqs[0])
        peaks.append({"period_h": round(1.0 / f, 3),
                      "amplitude": round(2.0 * spectrum[i] / taper.sum(), 3)})
    return peaks


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    wall0, cpu0 = time.perf_counter(), time.process_time()

    with open(src, "rb") as f:
        raw = f.read()
    data = np.loadtxt(src, delimiter=",", skiprows=1)
    hours, level = data[:, 0], data[:, 1]

    # 1. Remove the slow drift (least-squares line).
    slope, intercept = np.polyfit(hours, level, 1)
    y = level - (slope * hours + intercept)

    # 2. Trajectory matrix (K x L, lagged copies of the series) and its lag covariance.
    n = y.size
    k = n - WINDOW + 1
    traj = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(y, WINDOW))
    cov = traj.T @ traj / k  # BLAS: about 2*K*L^2 flops, threaded

    # 3. Eigenpairs, largest first. White noise gives a flat floor of eigenvalues
    #    near its variance; a sinusoid gives a pair well above it.
    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1]
    eigvals, eigvecs = eigvals[order], eigvecs[:, order]
    floor = float(np.median(eigvals))
    signal = [j for j in range(MAX_COMPONENTS) if eigvals[j] > SIGNAL_FACTOR * floor]

    # 4. Reconstruct the signal from those components and read off its periods.
    if signal:
        vecs = eigvecs[:, signal]
        reconstructed = diagonal_average(traj @ vecs, vecs)  # BLAS again
        peaks = spectral_peaks(reconstructed)[: (len(signal) + 1) // 2]
    else:
        reconstructed = np.zeros_like(y)
        peaks = []
    residual = y - reconstructed

    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    blas_path, blas_threads = blas_info()
    result = {
        "input": src,
        "input_sha256": hashlib.sha256(raw).hexdigest(),
        "samples": int(n),
        "window": WINDOW,
        "trend_per_1000h": round(slope * 1000, 4),
        "eigenvalues": [round(float(v), 3) for v in eigvals[:MAX_COMPONENTS]],
        "noise_floor": round(floor, 3),
        "signal_components": len(signal),
        "oscillations": sorted(peaks, key=lambda p: p["period_h"]),
        "noise_sd": round(float(residual.std()), 3),
        "explained_variance": round(float(1 - residual.var() / y.var()), 4),
        "threads": {
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "blas_threads": blas_threads,
            "blas_library": blas_path,
        },
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "pid": os.getpid(),
    }
    os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
    tmp = f"{dst}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, dst)  # a half-written file never looks like a result


if __name__ == "__main__":
    main()
