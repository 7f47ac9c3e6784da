"""A small generative model served warm, eager or scripted (STARLING-style, seed 004).

Each task is one sequence (its argument: a whole number that seeds it): the model draws
--samples conformations of it, a few steps of a residual MLP each, and prints a summary
rounded to 4 digits, so that eager and scripted runs print the same.

    coreflow bench -c eager="--worker 'python3 model.py --serve eager' {}" \\
                   -c scripted="--worker 'python3 model.py --serve scripted' {}" ::: $(seq 64)

--serve MODE makes it a warm worker (contrib/python/coreflow_worker.py): torch is imported and
the model built (and scripted) once per worker. `python3 model.py eager 7` runs one task.
Threads: torch takes OMP_NUM_THREADS, which coreflow sets from -t.
"""

import os
import sys

import torch

WIDTH, DEPTH, STEPS, SAMPLES, RESIDUES = 128, 6, 40, 8, 16


class Denoiser(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            [torch.nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)])
        self.norm = torch.nn.LayerNorm(WIDTH)
        self.steps = STEPS

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.steps):  # a diffusion-like loop: many small kernels, Python overhead
            h = x
            for layer in self.layers:
                h = torch.nn.functional.gelu(layer(h))
            x = self.norm(x + 0.1 * h)
        return x


def build(mode):
    torch.manual_seed(0)
    model = Denoiser().eval()
    if mode == "scripted":
        model = torch.jit.script(model)
        # TorchScript profiles the first calls and optimizes after them: done here, at
        # start-up, so that every task gets the optimized graph.
        with torch.inference_mode():
            for _ in range(3):
                model(torch.zeros(SAMPLES, RESIDUES, WIDTH))
    elif mode != "eager":
        sys.exit(f"model.py: mode must be eager or scripted, not {mode!r}")
    return model


def run_task(model, seed):
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randn(SAMPLES, RESIDUES, WIDTH, generator=g)  # conformations x residues x features
    with torch.inference_mode():
        y = model(x)
    first = y[..., 0]  # one feature per residue and conformation
    print(f"{seed} mean={first.mean().item():.4g} spread={first.std().item():.4g}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "..", "contrib", "python"))
        import coreflow_worker
        model = build(sys.argv[2])
        coreflow_worker.serve(lambda task: run_task(model, task.args[-1]))
    elif len(sys.argv) == 3:
        run_task(build(sys.argv[1]), sys.argv[2])
    else:
        sys.exit("usage: model.py eager|scripted SEED, or model.py --serve eager|scripted")


if __name__ == "__main__":
    main()
