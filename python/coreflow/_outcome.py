"""What a finished call's future gets: its journal record read with the files it left.

coreflow says how the task ended (ok, failed, timeout, signal, over-memory); the worker left
the return value or the raised exception beside the call (coreflow/_calls.py).
"""

import pickle
import signal

from coreflow import _calls
from coreflow._errors import (CallFailed, CallTimeout, MemoryLimitExceeded, RemoteTraceback,
                              WorkerDied)


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def _returned(path, name):
    try:
        return pickle.loads(_calls.read(path)), None
    except Exception as e:
        error = CallFailed("%s returned, but its result could not be read back: %s: %s"
                           % (name, type(e).__name__, e), "ok", 0)
        error.__cause__ = e
        return None, error


def _raised(path, record, name):
    try:
        data = _calls.read(path)
    except FileNotFoundError:
        # No exception was written: the worker ended during the call (os._exit, a crash, a
        # signal coreflow saw as the result pipe closing) or could not write the file.
        return WorkerDied("the worker running %s ended during the call and left no result "
                          "(coreflow recorded exit status %d; its message on stderr says more)"
                          % (name, record.status), record.outcome, record.status)
    try:
        error, text, _summary = pickle.loads(data)
    except Exception as e:
        error, text = CallFailed("%s raised an exception that could not be read back: %s"
                                 % (name, e), record.outcome, record.status), ""
    error.__cause__ = RemoteTraceback(text)
    return error


def outcome(record, directory, results, key, name):
    """(value, None) when the call returned, else (None, the exception to raise)."""
    if record.outcome == "ok":
        return _returned(_calls.result_path(directory, results, record.seq, key), name)
    if record.outcome == "failed":
        return None, _raised(_calls.error_path(directory, record.seq), record, name)
    details = (record.outcome, record.status, record.signal)
    if record.outcome == "timeout":
        return None, CallTimeout("%s ran past its timeout: coreflow killed its worker's process "
                                 "tree and started a new worker" % name, *details)
    if record.outcome == "over-memory":
        return None, MemoryLimitExceeded("%s used more memory than mem_per_task: coreflow "
                                         "killed its worker" % name, *details)
    if record.signal:
        return None, WorkerDied("the worker running %s was killed by %s during the call"
                                % (name, _signal_name(record.signal)), *details)
    return None, CallFailed("coreflow recorded %s as %s (exit status %d)"
                            % (name, record.outcome, record.status), *details)
