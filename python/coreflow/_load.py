"""Import a script by its path under a name other than __main__.

Its `if __name__ == "__main__":` block then does not run: the script's functions and
globals are defined, its command-line entry point is not. Used by `python3 -m
coreflow.worker script.py` and by the Executor's workers (as multiprocessing's spawn does).
"""

import importlib.machinery
import importlib.util
import os
import sys


def load_script(path, name):
    """Runs the file at `path` as module `name` (in sys.modules) and returns the module."""
    path = os.path.abspath(path)
    # SourceFileLoader also takes files without a .py suffix (executable scripts).
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
