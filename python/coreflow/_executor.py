"""coreflow.Executor: a concurrent.futures.Executor whose calls run on coreflow warm workers.

One `coreflow run --worker 'PYTHON -m coreflow._executor_worker'` process runs every call;
each call is one line of its input (the call's key) and one file in a private directory
(coreflow/_calls.py). Functions travel by module and name, as with multiprocessing's spawn
start method; arguments and results are pickled. The thread in coreflow/_manager.py does the
rest.
"""

import atexit
import itertools
import os
import pickle
import shutil
import sys
import tempfile
import weakref
from concurrent import futures

from coreflow import _calls, _journal, _process
from coreflow._errors import CallFailed
from coreflow._manager import Call, Manager

# Executors still running at interpreter exit are shut down (waiting for their calls), as
# the standard library's are; their threads are daemons, which atexit still finds alive.
_live = weakref.WeakSet()


@atexit.register
def _shut_down_all():
    for executor in list(_live):
        executor.shutdown(wait=True)


def _main_module():
    """How a worker imports the main module, as spawn does: ("name", module), ("path",
    file), or None where it cannot (an interactive session, python -c, python -m pkg)."""
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if name is not None:
        if name == "__main__" or name.endswith(".__main__"):
            return None
        return ("name", name)
    path = getattr(main, "__file__", None)
    return ("path", os.path.abspath(path)) if path else None


def run_chunk(fn, chunk):
    """map's calls of fn for one chunk of argument tuples, in one worker call (chunksize)."""
    return [fn(*args) for args in chunk]


def _chunks(iterables, size):
    """The argument tuples of map, `size` at a time."""
    tuples = zip(*iterables)
    while True:
        chunk = tuple(itertools.islice(tuples, size))
        if not chunk:
            return
        yield chunk


def _positive(name, value, kind=int):
    if value is not None and (not isinstance(value, kind) or value <= 0):
        raise ValueError("%s must be a positive number, not %r" % (name, value))


class Executor(futures.Executor):
    """Runs calls on coreflow warm workers; see docs/python.md.

    max_workers       calls at once (coreflow -j; default: one per usable core, or cores/-t)
    threads_per_task  BLAS/OpenMP threads per call (coreflow -t sets OMP_NUM_THREADS etc.)
    bind              pin each slot to cores of its own (coreflow --bind)
    mem_per_task      memory one call may use, e.g. "4G" (coreflow --mem-per-task)
    timeout           seconds one call may run; coreflow kills its process tree past it
    journal           a journal file: calls finished in an earlier run are not run again
    python            the workers' interpreter (default: this one)
    coreflow          the coreflow binary (default: $COREFLOW_BIN, else coreflow on PATH)
    coreflow_args     more `coreflow run` options, e.g. ["--worker-max-tasks", "100"]
    initializer       called with *initargs in each worker once, before its first call; if
                      it raises, the worker does not start and the calls fail, saying why
    """

    def __init__(self, max_workers=None, *, threads_per_task=None, bind=False,
                 mem_per_task=None, timeout=None, journal=None, python=None, coreflow=None,
                 coreflow_args=(), initializer=None, initargs=()):
        if _calls.importing_main:
            raise RuntimeError(
                "a coreflow worker is importing this script to find its functions, and the "
                "script makes an Executor as it is imported: put the code that makes it under "
                "`if __name__ == \"__main__\":`")
        _positive("max_workers", max_workers)
        _positive("threads_per_task", threads_per_task)
        _positive("timeout", timeout, (int, float))
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        binary = _process.find_coreflow(coreflow)
        self._main = _main_module()
        # Pickled as a call is, so that a lambda or a closure is refused here, not in a worker.
        self._initializer = (None if initializer is None else
                             self._pickle(initializer, tuple(initargs), {})[0])
        # Results that name classes of the main script come back as __mp_main__.Class.
        sys.modules.setdefault("__mp_main__", sys.modules["__main__"])
        directory = tempfile.mkdtemp(prefix="coreflow-executor-")
        try:
            self._manager = self._start(binary, directory, python or sys.executable, journal,
                                        max_workers, threads_per_task, bind, mem_per_task,
                                        timeout, list(coreflow_args))
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        _live.add(self)

    def _start(self, binary, directory, python, journal, max_workers, threads_per_task, bind,
               mem_per_task, timeout, extra):
        self._done_keys, offset, self._results = set(), 0, None
        if journal is None:
            journal = os.path.join(directory, "journal")
        else:
            journal = os.path.abspath(journal)
            self._results = journal + ".results"
            os.makedirs(self._results, exist_ok=True)
            self._done_keys, offset = _journal.finished_commands(journal)
        _journal.touch(journal)
        with open(os.path.join(directory, "prep"), "wb") as f:
            pickle.dump({"sys_path": list(sys.path), "sys_argv": list(sys.argv),
                         "main": self._main, "initializer": self._initializer}, f,
                        _calls.PROTOCOL)
        argv = [binary, "run", "--worker", _process.worker_command(python),
                "--joblog", journal, "--resume-failed", "--no-summary", "--no-progress"]
        argv += _process.run_options(max_workers, threads_per_task, bind, mem_per_task, timeout)
        argv += extra + ["{}"]
        env = _process.worker_environment(directory, self._results)
        slots = max_workers or max(1, (os.cpu_count() or 1) // (threads_per_task or 1))
        return Manager(python, argv, env, directory, self._results, journal, offset, slots)

    def _pickle(self, fn, args, kwargs):
        """The call as bytes; a clear error for what a worker could not find or read."""
        name = "%s.%s" % (getattr(fn, "__module__", "?"),
                          getattr(fn, "__qualname__", type(fn).__name__))
        if getattr(fn, "__module__", None) == "__main__" and self._main is None:
            raise TypeError(
                "%s is defined in the main module of an interactive session (or python -c, "
                "python -m package): coreflow workers cannot import it; define it in a module "
                "or a script file" % name)
        try:
            pickle.dumps(fn, _calls.PROTOCOL)
        except Exception as e:
            raise TypeError(
                "coreflow.Executor runs %s in other processes, which find functions by module "
                "and name: this one cannot be found that way (a lambda, a function defined "
                "inside another, or not at the top level of its module): %s" % (name, e)) from e
        try:
            return pickle.dumps((fn, args, kwargs), _calls.PROTOCOL), name
        except Exception as e:
            raise TypeError("the arguments of %s cannot be pickled: %s" % (name, e)) from e

    def _from_journal(self, future, key, name):
        """Settles future from an earlier run's stored result; False when there is none."""
        path = os.path.join(self._results, key)
        try:
            data = _calls.read(path)
        except FileNotFoundError:
            if key not in self._done_keys:
                return False
            # coreflow will skip it as done, so it cannot run: say so instead of waiting.
            future.set_running_or_notify_cancel()
            future.set_exception(CallFailed(
                "the journal records %s as finished, but its result %s is missing: delete "
                "the journal to run everything again" % (name, path), "ok", 0))
            return True
        future.set_running_or_notify_cancel()
        try:
            future.set_result(pickle.loads(data))
        except Exception as e:
            future.set_exception(CallFailed("the stored result %s of %s could not be read: "
                                            "%s" % (path, name, e), "ok", 0))
        return True

    def submit(self, fn, /, *args, **kwargs):
        payload, name = self._pickle(fn, args, kwargs)
        key = _calls.key_of(payload)
        future = futures.Future()
        self._manager.check_open()
        if self._results is not None and self._from_journal(future, key, name):
            return future
        self._manager.add(Call(future, payload, key, name))
        return future

    submit.__doc__ = futures.Executor.submit.__doc__

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        """As Executor.map; chunksize > 1 sends the calls to workers that many at a time
        (one coreflow task, one journal line, one result per chunk), as ProcessPoolExecutor
        does."""
        if not isinstance(chunksize, int) or chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        if chunksize == 1:
            return super().map(fn, *iterables, timeout=timeout)
        chunks = _chunks(iterables, chunksize)
        results = super().map(run_chunk, itertools.repeat(fn), chunks, timeout=timeout)
        return itertools.chain.from_iterable(results)

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Sends no more calls; cancel_futures cancels those not sent yet. With wait, returns
        when every sent call has finished and coreflow has exited."""
        self._manager.close(cancel_futures)
        if wait:
            self._manager.thread.join()
        _live.discard(self)
