#!/usr/bin/env python3
"""One task of the nested-threads benchmark (bench/threads.sh): per item, a Cholesky
factorization of an N x N symmetric positive definite matrix built from the item number, then
two triangular solves with N right-hand sides (A X = B as L Y = B, L^T X = Y). Prints
"ITEM<TAB>LOG-DETERMINANT<TAB>NORM OF X" to 10 significant digits, so that every way of
running it prints the same lines whatever the thread count.

    cholesky.py [--size N] ITEM...   # these items (whole numbers), one after another
    cholesky.py --info [...]         # the BLAS numpy loaded, as one line of JSON

The factorization (LAPACK dpotrf) and the solves (cblas_dtrsm) run on as many threads as
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS allow: what `coreflow run -t T` sets, and what an
OpenBLAS without them sets to one thread per core.
"""

import ctypes
import json
import os
import sys

import numpy as np

# CBLAS enumerations (cblas.h)
ROW_MAJOR, LEFT, LOWER, NO_TRANS, TRANS, NON_UNIT = 101, 141, 122, 111, 112, 131


def blas_library():
    """Path of the BLAS numpy really loaded (the OpenBLAS core library when there is one)."""
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            name = line.split()[-1]
            base = os.path.basename(name)
            if "blas" in base and ".so" in base and name not in found:
                found.append(name)
    for name in found:
        if "openblas" in os.path.basename(name):
            return name
    return found[0] if found else None


def blas_handle():
    path = blas_library()
    try:
        return path, (ctypes.CDLL(path) if path else None)
    except OSError:
        return path, None


def openblas_call(lib, name, restype):
    """lib.name() or None when the library is no OpenBLAS (or too old to have it)."""
    fn = getattr(lib, name, None) if lib is not None else None
    if fn is None:
        return None
    fn.restype, fn.argtypes = restype, []
    value = fn()
    return value.decode(errors="replace").strip() if isinstance(value, bytes) else value


def trsm_function(lib):
    fn = getattr(lib, "cblas_dtrsm", None) if lib is not None else None
    if fn is not None:
        i, p = ctypes.c_int, ctypes.c_void_p
        fn.restype = None
        fn.argtypes = [i, i, i, i, i, i, i, ctypes.c_double, p, i, p, i]
    return fn


def info():
    path, lib = blas_handle()
    env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                          "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    return {
        "library": path,
        "threads": openblas_call(lib, "openblas_get_num_threads", ctypes.c_int),
        "corename": openblas_call(lib, "openblas_get_corename", ctypes.c_char_p),
        "config": openblas_call(lib, "openblas_get_config", ctypes.c_char_p),
        "solves": "cblas_dtrsm" if trsm_function(lib) else "numpy.linalg.solve",
        "numpy": np.__version__,
        "env": env,
    }


def spd_matrix(item, n):
    """S + S^T + n I with S standard normal: symmetric, and its eigenvalues lie within about
    2 sqrt(2n) of n, so it is positive definite and well conditioned (about 1.15 at 2000)."""
    rng = np.random.default_rng(item)
    s = rng.standard_normal((n, n))
    a = s + s.T
    a[np.diag_indices(n)] += n
    return a, rng.standard_normal((n, n))


def solve(trsm, lower, b):
    """X with L L^T X = B, by two triangular solves (in place on a copy of B)."""
    n, m = b.shape
    if trsm is None:
        return np.linalg.solve(lower.T, np.linalg.solve(lower, b))
    x = np.array(b, dtype=np.float64, order="C")
    lp, xp = lower.ctypes.data, x.ctypes.data
    trsm(ROW_MAJOR, LEFT, LOWER, NO_TRANS, NON_UNIT, n, m, 1.0, lp, n, xp, m)  # L Y = B
    trsm(ROW_MAJOR, LEFT, LOWER, TRANS, NON_UNIT, n, m, 1.0, lp, n, xp, m)  # L^T X = Y
    return x


def one_item(item, n, trsm):
    a, b = spd_matrix(item, n)
    lower = np.ascontiguousarray(np.linalg.cholesky(a))  # LAPACK dpotrf
    x = solve(trsm, lower, b)
    # A cheap check of the solves on a few columns: A X = B to near machine precision.
    cols = min(4, n)
    residual = np.abs(a @ x[:, :cols] - b[:, :cols]).max() / np.abs(b[:, :cols]).max()
    if not residual < 1e-8:
        sys.exit(f"cholesky.py: item {item}: residual {residual:.3g}, the solve is wrong")
    logdet = 2.0 * float(np.log(np.diag(lower)).sum())
    return f"{item}\t{logdet:.10g}\t{float(np.linalg.norm(x)):.10g}"


def main():
    args = sys.argv[1:]
    if args[:1] == ["--info"]:  # (coreflow appends its input: ignored)
        print(json.dumps(info(), sort_keys=True))
        return 0
    n = 2000
    if args[:1] == ["--size"] and len(args) >= 2 and args[1].isdigit():
        n, args = int(args[1]), args[2:]
    if not args or not all(a.isdigit() for a in args) or n < 10:
        sys.exit(__doc__)
    trsm = trsm_function(blas_handle()[1])
    for item in args:
        # One write per line: under xargs the tasks share one pipe, and print() makes two
        # writes (the text, then the newline) when Python runs unbuffered (PYTHONUNBUFFERED).
        sys.stdout.write(one_item(int(item), n, trsm) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
