"""Builds tests/latencyfs/latencyfs.c and mounts it for a benchmark: a FUSE file system that
adds a fixed delay to every getattr, readdir, open and read (a stand-in for a parallel file
system). Needs /dev/fuse, libfuse3-dev and fuse3 (scripts/install-deps.sh), and root or
fusermount3."""

import contextlib
import os
import subprocess
import sys
import time

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "latencyfs",
                      "latencyfs.c")


def build(work):
    """Compiles latencyfs into the directory `work`; returns its path."""
    fs = os.path.join(work, "latencyfs")
    flags = subprocess.run(["pkg-config", "fuse3", "--cflags", "--libs"], capture_output=True,
                           text=True, check=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", fs, SOURCE] + flags, check=True)
    return fs


@contextlib.contextmanager
def mounted(fs, src, mnt, delay_us, log_path, threads=None):
    """Serves `src` at `mnt` with `delay_us` per call, `threads` requests at once (None:
    libfuse's default, 10)."""
    log = open(log_path, "w")
    extra = ["-o", "max_threads=%d" % threads] if threads else []
    server = subprocess.Popen([fs, src, mnt, str(delay_us), "-f"] + extra, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while not os.path.ismount(mnt):
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("benchmark: latencyfs did not mount %s (see %s)" % (mnt, log_path))
            time.sleep(0.05)
        yield
    finally:
        subprocess.run(["fusermount3", "-u", mnt], check=False)
        server.wait(timeout=20)
        log.close()
