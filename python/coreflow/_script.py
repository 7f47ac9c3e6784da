"""`python3 -m coreflow.worker SCRIPT [ARGS...]`: an unchanged per-item script as a warm worker.

SCRIPT is imported once per worker (its imports and module-level loading happen once), under
a name other than __main__ so that its `if __name__ == "__main__":` block does not run. Then,
for each task, sys.argv becomes [SCRIPT, *ARGS, *task.args] and the script's main() is
called: with no arguments when it can be (it reads sys.argv, as it always did), else, when
it needs exactly one positional parameter, with the argument list sys.argv[1:].

What main() returns or raises is the task's status, as for serve(): None or 0 is success,
an integer is that status, sys.exit(N) is N, an exception is 1 with the traceback on stderr.
"""

import inspect
import os
import sys

from coreflow import worker
from coreflow._load import load_script

MODULE_NAME = "__coreflow_script__"

USAGE = "usage: python3 -m coreflow.worker SCRIPT [ARGS...]  (under coreflow run --worker)"


def _die(text):
    sys.stderr.write("coreflow.worker: %s\n" % text)
    sys.exit(2)


def _wants_argument_list(main):
    """True when main() cannot be called bare but takes one positional argument."""
    try:
        signature = inspect.signature(main)
    except (TypeError, ValueError):  # builtins and the like: call it bare
        return False
    try:
        signature.bind()
        return False
    except TypeError:
        pass
    try:
        signature.bind([])
        return True
    except TypeError:
        _die("main%s needs more than one argument; it must be callable as main() or "
             "main(argv)" % signature)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        _die(USAGE)
    script, fixed = argv[0], argv[1:]
    if not os.path.isfile(script):
        _die("no such script: %s" % script)
    # As `python3 script.py` would: its folder first on the path, no task arguments yet.
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    sys.argv = [script] + fixed
    module = load_script(script, MODULE_NAME)
    entry = getattr(module, "main", None)
    if not callable(entry):
        _die("%s has no main() function to call for each task: define one (the code under "
             "`if __name__ == \"__main__\":` is not run by the worker)" % script)
    with_list = _wants_argument_list(entry)

    def handle(task):
        sys.argv = [script] + fixed + task.args
        return entry(sys.argv[1:]) if with_list else entry()

    worker.serve(handle)
