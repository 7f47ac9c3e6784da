"""coreflow from Python: run calls on coreflow's warm workers, or serve coreflow tasks.

    import coreflow
    with coreflow.Executor(threads_per_task=1, timeout=600) as pool:
        results = list(pool.map(fit, batches))

coreflow.Executor is a concurrent.futures.Executor (docs/python.md); coreflow.worker serves
`coreflow run --worker` tasks (docs/workers.md). Standard library only, Python 3.9 or later.
"""

__version__ = "0.1.0"

__all__ = ["Executor", "CallFailed", "CallTimeout", "WorkerDied", "MemoryLimitExceeded",
           "ExecutorBroken", "RemoteTraceback"]


def __getattr__(name):
    # Imported when first used: a worker, which needs none of this, starts faster without
    # concurrent.futures and threading.
    if name == "Executor":
        from coreflow._executor import Executor
        return Executor
    if name in __all__:
        from coreflow import _errors
        return getattr(_errors, name)
    raise AttributeError("module 'coreflow' has no attribute %r" % name)


def __dir__():
    return sorted(list(globals()) + __all__)
