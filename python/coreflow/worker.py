"""Serve many coreflow tasks from one long-lived Python process (`coreflow run --worker`).

Do the slow loading once, at import, then hand serve() a function that does one task:

    from coreflow.worker import serve
    import my_model                          # loaded once per worker, not once per task
    def handle(task):
        print(my_model.score(task.input))    # what the task prints is its output
    if __name__ == "__main__":
        serve(handle)

and run it with `coreflow run --worker 'python3 score.py' {} ::: inputs...`.

handle(task) returns None, True or 0 for success, False for status 1, or a status 0-255.
An exception fails the task with status 1 (raise TaskFailed(status, message) to choose the
status); sys.exit(N) inside handle() is taken as the task's status too. The protocol is
described in docs/workers.md. Standard library only, Python 3.9 or later.

An existing per-item script becomes a worker without a new line of code:

    coreflow run --worker 'python3 -m coreflow.worker score.py' {} ::: inputs...

(see coreflow/_script.py). contrib/python/coreflow_worker.py is a link to this file: it
stays one file that can be copied next to a script (serve() needs nothing else).
"""

import json
import os
import sys
import traceback

__all__ = ["Task", "TaskFailed", "serve"]

# Keeps an answer line far below coreflow's 1 MiB limit, whatever an exception says.
MAX_MESSAGE = 8192


class TaskFailed(Exception):
    """Raise in handle() to fail the task with this status and message."""

    def __init__(self, status, message=""):
        super().__init__(message)
        self.status = status
        self.message = message


class Task:
    """One request: id, attempt, slot, args (list of str), inputs (list of lists of str)."""

    __slots__ = ("id", "attempt", "slot", "args", "inputs")

    def __init__(self, id, attempt=1, slot=0, args=(), inputs=()):
        self.id = id
        self.attempt = attempt
        self.slot = slot
        self.args = list(args)
        self.inputs = [list(item) for item in inputs]

    @property
    def input(self):
        """The first value of the first input item (None when there is none)."""
        return self.inputs[0][0] if self.inputs and self.inputs[0] else None

    def __repr__(self):
        return "Task(id=%r, attempt=%r, slot=%r, args=%r, inputs=%r)" % (
            self.id, self.attempt, self.slot, self.args, self.inputs)


def _fail(text):
    sys.stderr.write("coreflow_worker: %s\n" % text)
    sys.stderr.flush()
    sys.exit(2)


def _result_fd():
    value = os.environ.get("COREFLOW_RESULT_FD")
    if value is None:
        _fail("COREFLOW_RESULT_FD is not set: this script is meant to run under "
              "`coreflow run --worker '...'` (see docs/workers.md)")
    try:
        fd = int(value)
        os.fstat(fd)
    except (ValueError, OSError):
        _fail("COREFLOW_RESULT_FD=%r is not an open file descriptor" % value)
    os.set_inheritable(fd, False)  # programs a task starts must not write answers
    return fd


def _write_line(fd, obj):
    data = memoryview((json.dumps(obj) + "\n").encode("utf-8"))
    while data:
        try:
            data = data[os.write(fd, data):]
        except InterruptedError:
            continue


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_strings(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _parse(line):
    """The Task a request line holds; exits 2 on anything malformed."""
    try:
        request = json.loads(line.decode("utf-8", "surrogateescape"))
    except ValueError as e:
        _fail("malformed request (not JSON: %s): %r" % (e, line[:200]))
    if not isinstance(request, dict) or not _is_int(request.get("id")):
        _fail("malformed request (not an object with an integer id): %r" % line[:200])
    args = request.get("args", [])
    inputs = request.get("inputs", [])
    if not _is_strings(args) or not (isinstance(inputs, list)
                                     and all(_is_strings(item) for item in inputs)):
        _fail("malformed request (args must be strings, inputs lists of strings): %r"
              % line[:200])
    return Task(request["id"], request.get("attempt", 1), request.get("slot", 0), args, inputs)


def _status_of(value):
    """(status, message) for what handle() returned."""
    if value is None or value is True:
        return 0, None
    if value is False:
        return 1, None
    if _is_int(value) and 0 <= value <= 255:
        return value, None
    return 1, "handle() returned %.200r; return None, True, False or a status 0-255" % (value,)


def _exception_status(e):
    """(status, message) for an exception handle() raised."""
    if isinstance(e, TaskFailed):
        valid = _is_int(e.status) and 0 <= e.status <= 255
        return (e.status if valid else 1), str(e.message) or None
    if isinstance(e, SystemExit):
        if e.code is None or _is_int(e.code):
            return _status_of(e.code)
        return 1, str(e.code)
    traceback.print_exc()
    text = str(e)
    return 1, ("%s: %s" % (type(e).__name__, text) if text else type(e).__name__)


def _c_flusher():
    """fflush(NULL) of the C library, for output that extension modules wrote with printf."""
    try:
        import ctypes
        return ctypes.CDLL(None).fflush
    except (ImportError, OSError, AttributeError):
        return None


def serve(handle):
    """Says ready, then runs handle(task) for each request until coreflow closes stdin."""
    fd = _result_fd()
    # Requests are read from a private copy of stdin; fd 0 becomes /dev/null so that
    # neither handle() nor a program it starts can swallow the next request.
    requests = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = open(os.devnull, "r")
    c_flush = _c_flusher()
    _write_line(fd, {"ready": True})
    for line in requests:
        task = _parse(line)
        try:
            status, message = _status_of(handle(task))
        except (Exception, SystemExit) as e:
            status, message = _exception_status(e)
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
        if c_flush is not None:
            c_flush(None)
        answer = {"id": task.id, "status": status}
        if message:
            # Lone surrogates (from undecodable bytes) would make the line invalid JSON text.
            answer["message"] = message[:MAX_MESSAGE].encode("utf-8", "replace").decode()
        _write_line(fd, answer)


if __name__ == "__main__":
    from coreflow._script import main
    main(sys.argv[1:])
