"""The exceptions a coreflow.Executor future can raise besides the function's own.

Each says it is of module `coreflow`: shown, and pickled, by the name users import it by.
"""

from concurrent.futures import BrokenExecutor


class CallFailed(Exception):
    """A call ended without a result or an exception of its own.

    `outcome` is how coreflow's journal recorded it (docs/journal.md: timeout, signal,
    failed, over-memory, ...), `status` its exit status and `signal` the signal that ended
    the worker (0 for none).
    """

    __module__ = "coreflow"

    def __init__(self, message, outcome=None, status=None, signal=0):
        super().__init__(message)
        self.outcome = outcome
        self.status = status
        self.signal = signal


class CallTimeout(CallFailed):
    """The call ran past the executor's timeout: coreflow killed its worker's process tree."""

    __module__ = "coreflow"


class WorkerDied(CallFailed):
    """The worker process running the call died (a signal such as SIGKILL, or os._exit)."""

    __module__ = "coreflow"


class MemoryLimitExceeded(CallFailed):
    """coreflow killed the call's worker for using more memory than mem_per_task."""

    __module__ = "coreflow"


class ExecutorBroken(CallFailed, BrokenExecutor):
    """The coreflow process ended (or could not start) before the call finished."""

    __module__ = "coreflow"


class RemoteTraceback(Exception):
    """The formatted traceback of an exception raised in a worker; set as its __cause__."""

    __module__ = "coreflow"

    def __init__(self, tb):
        super().__init__(tb)
        self.tb = tb

    def __str__(self):
        return '\n"""\n%s"""' % self.tb  # as ProcessPoolExecutor shows it
