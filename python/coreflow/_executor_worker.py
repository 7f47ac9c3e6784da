"""The warm worker of a coreflow.Executor: `python3 -m coreflow._executor_worker`.

coreflow starts one per slot. Before it says ready it takes the executor's sys.path and
sys.argv and imports the executor's main module (as multiprocessing's spawn does), so that
functions defined in the user's script can be found by name. Then, per task, it runs the
call in N.call and leaves its return value or exception beside it (coreflow/_calls.py), and
answers 0 when the call returned, 1 when it raised.
"""

import importlib
import os
import pickle
import sys
import traceback

from coreflow import _calls
from coreflow._load import load_script
from coreflow.worker import serve

DIRECTORY = os.environ.get(_calls.DIR_VARIABLE)
RESULTS = os.environ.get(_calls.RESULTS_VARIABLE) or None


def _import_main(how):
    """Makes the executor's main module importable as __main__ (and __mp_main__)."""
    kind, value = how
    _calls.importing_main = True
    try:
        if kind == "name":
            module = importlib.import_module(value)
        else:
            module = load_script(value, "__mp_main__")
    finally:
        _calls.importing_main = False
    sys.modules["__main__"] = sys.modules["__mp_main__"] = module


def _prepare():
    prep = pickle.loads(_calls.read(os.path.join(DIRECTORY, "prep")))
    here = [p for p in sys.path if p not in prep["sys_path"]]
    sys.path[:] = prep["sys_path"] + here
    sys.argv[:] = prep["sys_argv"]  # for a main module that reads it as it is imported
    if prep["main"] is not None:
        _import_main(prep["main"])
    if prep.get("initializer") is not None:  # Executor(initializer=...): before ready
        fn, args, kwargs = pickle.loads(prep["initializer"])
        try:
            fn(*args, **kwargs)
        except BaseException:
            traceback.print_exc()
            sys.exit("coreflow.Executor: the initializer %s.%s raised, so this worker does "
                     "not start" % (fn.__module__, fn.__qualname__))


def _error_data(error):
    """The pickled (exception, traceback text, summary); a stand-in for an unpicklable one."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()
    try:
        return pickle.dumps((error, text, summary), _calls.PROTOCOL)
    except Exception as e:
        from coreflow._errors import CallFailed  # here only: it imports concurrent.futures
        stand_in = CallFailed("the call raised %s (not picklable: %s)" % (summary, e), "raised")
        return pickle.dumps((stand_in, text, summary), _calls.PROTOCOL)


def _run(task):
    seq, key = task.id, task.input
    try:
        fn, args, kwargs = pickle.loads(_calls.read(_calls.call_path(DIRECTORY, seq)))
        data = pickle.dumps(fn(*args, **kwargs), _calls.PROTOCOL)
    except BaseException as e:  # SystemExit too: the caller gets it, as with ProcessPool
        _calls.write_atomic(_calls.error_path(DIRECTORY, seq), _error_data(e))
        return 1
    # Written whole before the answer: once coreflow records success, the result is there.
    _calls.write_atomic(_calls.result_path(DIRECTORY, RESULTS, seq, key), data,
                        sync=RESULTS is not None)
    return 0


def main():
    if not DIRECTORY:
        sys.exit("coreflow._executor_worker: run by coreflow.Executor only "
                 "($%s is not set)" % _calls.DIR_VARIABLE)
    _prepare()
    serve(_run)


if __name__ == "__main__":
    main()
