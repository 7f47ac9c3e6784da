"""A file descriptor that becomes readable when a file is written: Linux's inotify.

The executor selects on it to read a journal record the moment coreflow writes it, instead
of polling the file. Where inotify cannot be had (no ctypes, no libc symbol) `fd` is None
and the executor polls.
"""

import os

IN_MODIFY = 0x00000002
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000


class Watch:
    def __init__(self, path):
        self.fd = None
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        except (ImportError, OSError, AttributeError):
            return
        if fd < 0:
            return
        if libc.inotify_add_watch(fd, os.fsencode(path), IN_MODIFY) < 0:
            os.close(fd)
            return
        self.fd = fd

    def drain(self):
        """Reads the pending events; what changed is read from the file itself."""
        if self.fd is None:
            return
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
