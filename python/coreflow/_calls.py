"""The files through which an Executor and its workers exchange calls.

Each executor has a private directory (its path in $COREFLOW_PY_DIR for the workers):

    prep           what a worker needs before its first call: sys.path, the main module
    N.call         call number N (coreflow's task number {#}): pickled (fn, args, kwargs)
    N.result       the pickled return value
    N.error        the pickled (exception or None, formatted traceback, one-line summary)

With a journal, return values go to <journal>.results/<key> instead of N.result
($COREFLOW_PY_RESULTS), where a later run of the same script finds them. The input line
coreflow gets for a call is its key, a hash of the pickled (fn, args, kwargs): the same call
has the same key in every run, which is what coreflow's --resume goes by.
"""

import hashlib
import os

# Fixed, so that a call's key does not change with the interpreter's default protocol; 5
# (Python 3.8+) writes large buffers such as numpy arrays without an extra copy.
PROTOCOL = 5

DIR_VARIABLE = "COREFLOW_PY_DIR"
RESULTS_VARIABLE = "COREFLOW_PY_RESULTS"

# True while a worker imports the user's main module: an Executor made then is a script
# that starts one at import time, which would start workers without end.
importing_main = False


def key_of(payload):
    """The key of a call from its pickled (fn, args, kwargs): 32 hex digits."""
    return hashlib.sha256(payload).hexdigest()[:32]


def call_path(directory, seq):
    return os.path.join(directory, "%d.call" % seq)


def error_path(directory, seq):
    return os.path.join(directory, "%d.error" % seq)


def result_path(directory, results, seq, key):
    """Where call `seq` with `key` leaves its return value (results: the journal's folder)."""
    if results:
        return os.path.join(results, key)
    return os.path.join(directory, "%d.result" % seq)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_atomic(path, data, sync=False):
    """Writes data to path so that a reader sees all of it or no file: temp file, rename.
    sync makes it durable too (a journal's results must outlive a power cut)."""
    temp = "%s.%d.tmp" % (path, os.getpid())
    try:
        with open(temp, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
