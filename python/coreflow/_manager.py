"""The executor's thread: it owns the coreflow process and settles every future.

It starts coreflow, writes one input line per call to its stdin (no more than LOOKAHEAD
lines per slot ahead of the finished ones, so that a call not yet sent can be cancelled),
follows the journal to learn from coreflow how each call ended, and relays coreflow's stderr.
When coreflow exits, every future it has not settled fails: nothing waits forever.
"""

import collections
import os
import select
import shutil
import sys
import threading

from coreflow import _calls, _journal, _outcome, _process
from coreflow._errors import CallFailed, ExecutorBroken
from coreflow._watch import Watch

# Calls sent per slot beyond those finished: enough that a slot never waits for the next.
LOOKAHEAD = 2

# Bytes of coreflow's stderr kept to quote when it exits unexpectedly.
STDERR_KEPT = 4096


class Call:
    __slots__ = ("future", "payload", "key", "name")

    def __init__(self, future, payload, key, name):
        self.future, self.payload, self.key, self.name = future, payload, key, name


def _forward(data):
    """Relays bytes of coreflow's stderr (its messages, the tasks' stderr) to ours."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        if hasattr(stream, "buffer"):
            stream.buffer.write(data)
        else:
            stream.write(data.decode("utf-8", "replace"))
        stream.flush()
    except (OSError, ValueError):
        pass


def _pidfd(pid):
    """A descriptor that becomes readable when the process ends (Linux 5.3+), else None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


class Manager:
    def __init__(self, python, argv, env, directory, results, journal, offset, slots):
        self.directory, self.results = directory, results
        self._lock = threading.Lock()
        self._pending = collections.deque()   # calls not yet sent: these can be cancelled
        self._sent = {}                       # coreflow's task number -> call
        self._seq = 0                         # input lines written so far
        self._slots = slots
        self._closing = False                 # shutdown asked: close stdin once all is sent
        self._stdin_open = True
        self.broken = None                    # why no call can run any more
        self._done = False
        self._stderr = b""
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._tail = _journal.Tail(journal, offset)
        self._watch = Watch(journal)
        self._proc = None
        self._start_error = None
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._main, args=(python, argv, env),
                                       name="coreflow-executor", daemon=True)
        self.thread.start()
        self._started.wait()
        if self._start_error is not None:
            raise self._start_error

    # Called from the executor's users' threads.

    def check_open(self):
        """Raises when no call can be added: shut down, or coreflow is gone."""
        if self._closing:
            raise RuntimeError("cannot schedule new futures after shutdown")
        if self.broken is not None:
            raise ExecutorBroken(self.broken)

    def add(self, call):
        with self._lock:
            self.check_open()
            self._pending.append(call)
            self._wake()

    def close(self, cancel_futures):
        with self._lock:
            self._closing = True
            cancelled = list(self._pending) if cancel_futures else []
            if cancel_futures:
                self._pending.clear()
            self._wake()
        for call in cancelled:
            call.future.cancel()

    def _wake(self):
        """Interrupts the thread's select(); called with the lock held."""
        if not self._done:
            try:
                os.write(self._wake_w, b".")
            except BlockingIOError:
                pass  # it has wake-ups enough

    # The thread.

    def _main(self, python, argv, env):
        # coreflow is started here, not by the caller: it is killed when the thread that
        # started it ends (see _process.LAUNCHER), and this thread lasts as long as it.
        try:
            self._proc = _process.start(python, argv, env)
        except BaseException as e:
            self._start_error = e
            self._started.set()
            self._finish()
            return
        self._started.set()
        try:
            self._loop()
            self._fail_all("coreflow exited with status %d before the call finished"
                           % self._proc.returncode)
        except BaseException as e:
            self._proc.kill()
            self._proc.wait()
            self._fail_all("the executor's thread failed: %s: %s" % (type(e).__name__, e))
            raise
        finally:
            self._finish()

    def _loop(self):
        proc = self._proc
        err, out = proc.stderr.fileno(), proc.stdin.fileno()
        os.set_blocking(err, False)
        os.set_blocking(out, False)
        pidfd = _pidfd(proc.pid)
        waits = [fd for fd in (self._wake_r, self._watch.fd, pidfd) if fd is not None]
        # Without inotify or a pidfd some events only show by looking again.
        exact = self._watch.fd is not None and pidfd is not None
        unsent, err_open = b"", True
        try:
            while proc.poll() is None:
                timeout = 1.0 if exact else (0.02 if self._sent else 0.2)
                select.select(waits + ([err] if err_open else []), [out] if unsent else [],
                              [], timeout)
                self._drain_wake()
                self._watch.drain()
                err_open = err_open and self._relay(err)
                self._collect()
                unsent += self._feed()
                unsent = self._write(out, unsent)
                self._maybe_close_stdin(unsent)
            self._relay(err)
            self._collect()  # the records coreflow wrote before it exited
        finally:
            if pidfd is not None:
                os.close(pidfd)

    def _drain_wake(self):
        try:
            while os.read(self._wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def _relay(self, fd):
        """Forwards what coreflow wrote on stderr; False at its end."""
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return True
            if not data:
                return False
            self._stderr = (self._stderr + data)[-STDERR_KEPT:]
            if self._seq == 0:
                # An executor that ran no call gave coreflow no input: its warning that
                # nothing ran is no news to the user.
                data = b"".join(line for line in data.splitlines(True)
                                if b"no inputs were read" not in line)
            _forward(data)

    def _feed(self):
        """Sends pending calls while fewer than LOOKAHEAD per slot are unfinished."""
        batch = []
        with self._lock:
            while (self._pending and self._stdin_open
                   and len(self._sent) < LOOKAHEAD * self._slots):
                call = self._pending.popleft()
                if not call.future.set_running_or_notify_cancel():
                    continue  # cancelled while pending
                self._seq += 1
                self._sent[self._seq] = call
                batch.append((self._seq, call))
        lines = []
        for seq, call in batch:
            try:
                with open(_calls.call_path(self.directory, seq), "wb") as f:
                    f.write(call.payload)
            except OSError as e:
                with self._lock:
                    del self._sent[seq]
                call.future.set_exception(CallFailed("could not write %s's call file: %s"
                                                     % (call.name, e), "not-sent"))
            # Sent even when its file could not be written (the worker then finds no call
            # and its record is ignored): coreflow's task numbers must stay ours.
            call.payload = None
            lines.append(call.key)
        return "".join(line + "\n" for line in lines).encode("ascii")

    def _write(self, fd, data):
        """Writes what the pipe takes now; returns the rest."""
        try:
            while data:
                data = data[os.write(fd, data):]
        except BlockingIOError:
            pass
        except BrokenPipeError:
            return b""  # coreflow is gone; the loop sees it exit
        return data

    def _maybe_close_stdin(self, unsent):
        with self._lock:
            close = self._closing and not self._pending and not unsent and self._stdin_open
            if close:
                self._stdin_open = False
        if close:
            self._proc.stdin.close()  # end of input: coreflow finishes the calls and exits

    def _collect(self):
        """Settles the calls whose final records coreflow has written."""
        finished = []
        for line in self._tail.lines():
            slots = _journal.config_slots(line)
            if slots:
                with self._lock:
                    self._slots = slots
            record = _journal.final_record(line)
            if record is None:
                continue
            with self._lock:
                call = self._sent.pop(record.seq, None)
            if call is not None:
                finished.append((record, call))
        for record, call in finished:
            value, error = _outcome.outcome(record, self.directory, self.results, call.key,
                                            call.name)
            self._remove_files(record.seq)
            if error is None:
                call.future.set_result(value)
            else:
                call.future.set_exception(error)

    def _remove_files(self, seq):
        paths = [_calls.call_path(self.directory, seq), _calls.error_path(self.directory, seq)]
        if not self.results:
            paths.append(_calls.result_path(self.directory, None, seq, None))
        for path in paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    def _fail_all(self, message):
        """Fails every call not settled yet: coreflow is gone."""
        tail = self._stderr.decode("utf-8", "replace").strip()
        if tail:
            message += "; its last messages:\n" + tail
        with self._lock:
            self.broken = message
            pending, sent = list(self._pending), list(self._sent.values())
            self._pending.clear()
            self._sent.clear()
        for call in pending:
            if not call.future.set_running_or_notify_cancel():
                continue
            call.future.set_exception(ExecutorBroken(message, "not-run"))
        for call in sent:
            call.future.set_exception(ExecutorBroken(message, "unfinished"))

    def _finish(self):
        with self._lock:
            self._done = True
            if self.broken is None:
                self.broken = "the executor has shut down"
        proc = self._proc
        for pipe in (proc.stdin, proc.stderr) if proc is not None else ():
            try:
                pipe.close()
            except OSError:
                pass
        self._tail.close()
        self._watch.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
        shutil.rmtree(self.directory, ignore_errors=True)
