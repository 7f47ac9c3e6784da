"""Finding the coreflow binary and starting `coreflow run --worker ...` for an executor."""

import os
import shlex
import shutil
import site
import subprocess
import sysconfig

from coreflow import _calls

# Runs as the coreflow process before it becomes coreflow: asks the kernel to SIGKILL it when
# the thread that started it ends (the executor's own thread, which outlives coreflow unless
# the Python process dies). Killed, coreflow ends its tasks' process trees and releases the
# journal at once, so a re-run of a killed script can resume it straight away.
LAUNCHER = """import os, signal, sys
try:
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (ImportError, OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)  # the executor is already gone
os.execv(sys.argv[2], sys.argv[2:])
"""


def find_coreflow(explicit=None):
    """The coreflow binary: `explicit`, else $COREFLOW_BIN, else `coreflow` on PATH."""
    for path, where in ((explicit, "coreflow="), (os.environ.get("COREFLOW_BIN"),
                                                   "$COREFLOW_BIN")):
        if path:
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise FileNotFoundError("the coreflow binary given by %s is not an executable "
                                        "file: %s" % (where, path))
            return os.path.abspath(path)
    found = shutil.which("coreflow")
    if found is None:
        raise FileNotFoundError("coreflow is not on PATH: install it, set $COREFLOW_BIN, or "
                                "pass Executor(coreflow='/path/to/coreflow')")
    return found


def worker_command(python):
    """The --worker command: the executor's worker module under `python`."""
    words = [python, "-m", "coreflow._executor_worker"]
    command = " ".join(shlex.quote(w) for w in words)
    # Quoted words make coreflow use /bin/sh -c; exec keeps the shell out of the way.
    return command if command == " ".join(words) else "exec " + command


def run_options(max_workers, threads_per_task, bind, mem_per_task, timeout):
    """The `coreflow run` options for the executor's settings."""
    options = []
    if max_workers is not None:
        options += ["-j", str(max_workers)]
    if threads_per_task is not None:
        options += ["-t", str(threads_per_task)]
    if bind:
        options.append("--bind")
    if mem_per_task is not None:
        options += ["--mem-per-task", str(mem_per_task)]
    if timeout is not None:
        options += ["--timeout", "%gs" % timeout]
    return options


def _installed(folder):
    """Whether folder is one of this interpreter's site-packages folders."""
    paths = site.getsitepackages() + [site.getusersitepackages()]
    paths += [sysconfig.get_paths()[name] for name in ("purelib", "platlib")]
    return os.path.realpath(folder) in {os.path.realpath(p) for p in paths}


def worker_environment(directory, results):
    """Our environment, plus what the workers need to find the package and the calls."""
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not _installed(package_parent):
        # A source tree (PYTHONPATH, sys.path.insert): the workers must find it too. An
        # installed package is left alone: site-packages on PYTHONPATH would go before the
        # standard library.
        paths = [package_parent] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(paths)
    env[_calls.DIR_VARIABLE] = directory
    env[_calls.RESULTS_VARIABLE] = results or ""
    return env


def start(python, argv, env):
    """Starts coreflow (argv) with a pipe to its stdin and one from its stderr."""
    launcher = [python, "-S", "-c", LAUNCHER, str(os.getpid())]
    return subprocess.Popen(launcher + argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
