"""A DOT-PE-style likelihood over a bank of intrinsic samples, in batches of --i-batch.

Each task is one stretch of data (its argument: a whole number that seeds it): a bank of
waveforms is matched against it, batch by batch, and marginalised over extrinsic
samples with a matrix product (numpy and its BLAS). The batch size is the program's own knob:
small batches pay Python's overhead per batch, large ones spill their intermediate arrays out
of the cache; where the best lies depends on the machine and on the threads BLAS gets. What a
task prints does not depend on it (the values are rounded to 6 digits).

    python3 likelihood.py --i-batch 64 7              # one task, plainly
    coreflow run --autotune --tune-param i_batch=8..512:x2 \\
        --worker 'python3 likelihood.py --serve' {} --i-batch {param:i_batch} ::: $(seq 2000)

With --serve it is a warm worker (contrib/python/coreflow_worker.py): numpy and the bank
are loaded once per worker, then each task's arguments are read as above. Run plainly, the
import and the bank cost more than the task.
"""

import argparse
import os
import sys

import numpy as np

N_FREQ = 256     # frequency bins of a waveform
N_BANK = 8192    # intrinsic samples of the bank
N_EXT = 128      # extrinsic samples each one is marginalised over


_BANK = None


def bank():
    """The waveforms (complex, N_BANK x N_FREQ) and extrinsic responses: made once per process,
    as a real bank is read once per worker."""
    global _BANK
    if _BANK is None:
        rng = np.random.default_rng(0)
        waves = rng.standard_normal((N_BANK, N_FREQ)) + 1j * rng.standard_normal((N_BANK, N_FREQ))
        response = (rng.standard_normal((N_FREQ, N_EXT)) +
                    1j * rng.standard_normal((N_FREQ, N_EXT)))
        _BANK = waves / np.sqrt(N_FREQ), response / np.sqrt(N_FREQ)
    return _BANK


def log_likelihoods(seed, i_batch):
    """ln L of every intrinsic sample, marginalised over the extrinsic ones."""
    waves, response = bank()
    rng = np.random.default_rng(seed)   # the task's data
    data = rng.standard_normal(N_FREQ) + 1j * rng.standard_normal(N_FREQ)
    weighted = response * data.conj()[:, None]           # N_FREQ x N_EXT
    out = np.empty(N_BANK)
    for start in range(0, N_BANK, i_batch):
        h = waves[start:start + i_batch]                     # i_batch x N_FREQ
        overlap = (h @ weighted).real                       # i_batch x N_EXT: the BLAS part
        norm = np.einsum("ij,ij->i", h, h.conj()).real     # <h|h> per sample
        lnl = overlap - 0.5 * norm[:, None]
        peak = lnl.max(axis=1)
        out[start:start + i_batch] = peak + np.log(np.exp(lnl - peak[:, None]).mean(axis=1))
    return out


def run_task(args):
    ap = argparse.ArgumentParser(prog="likelihood.py")
    ap.add_argument("--i-batch", type=int, default=64)
    ap.add_argument("seed", type=int)
    a = ap.parse_args(args)
    if a.i_batch < 1:
        ap.error("--i-batch must be 1 or more")
    lnl = log_likelihoods(a.seed, a.i_batch)
    peak = lnl.max()
    evidence = peak + np.log(np.exp(lnl - peak).mean())
    print(f"{a.seed} max_lnl={peak:.6g} ln_evidence={evidence:.6g}")


def serve():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "contrib", "python"))
    import coreflow_worker
    coreflow_worker.serve(lambda task: run_task(task.args))


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        run_task(sys.argv[1:])
