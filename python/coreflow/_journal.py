"""Reading coreflow's journal (docs/journal.md), the record of how each task ended.

coreflow writes each attempt's record with one write() the moment it ends, so following the
file as it grows tells the executor, from coreflow itself, which call finished and how.
"""

import json
import os

# Columns of a record (format version 2).
SEQ, EXITVAL, SIGNAL, COMMAND, OUTCOME, FINAL = 0, 6, 7, 8, 15, 16


class Record:
    """The final record of a task: its number, outcome, exit status and signal."""

    __slots__ = ("seq", "outcome", "status", "signal", "command")

    def __init__(self, cols):
        self.seq = int(cols[SEQ])
        self.outcome = cols[OUTCOME]
        self.status = int(cols[EXITVAL])
        self.signal = int(cols[SIGNAL])
        self.command = cols[COMMAND]


def final_record(line):
    """The Record a journal line holds when it finishes a task, else None."""
    if not line or line.startswith("#") or line.startswith("Seq\t"):
        return None
    cols = line.split("\t")
    if len(cols) < 17 or cols[FINAL] != "1":
        return None
    return Record(cols)


def config_slots(line):
    """The number of slots a `#config` line gives, else None."""
    if not line.startswith("#config\t"):
        return None
    try:
        return int(json.loads(line.split("\t", 1)[1])["slots"]["value"])
    except (ValueError, KeyError, TypeError):
        return None


def finished_commands(path):
    """(the commands of tasks the journal records as done, the offset its last whole line
    ends at). Done is what `coreflow run --resume-failed` skips: a final record that is ok."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return set(), 0
    end = data.rfind(b"\n") + 1  # a torn last line is not a record; coreflow cuts it
    done = set()
    for line in data[:end].decode("utf-8", "replace").split("\n"):
        record = final_record(line)
        if record is not None and record.outcome == "ok":
            done.add(record.command)
    return done, end


class Tail:
    """The whole lines appended to a journal after an offset, as they are written."""

    def __init__(self, path, offset):
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self.pos = offset  # always the end of a whole line

    def lines(self):
        # Read from the last whole line each time: coreflow cuts a torn last line (left by a
        # crash) before it appends, so bytes after `pos` may change once.
        size = os.fstat(self.fd).st_size
        data = os.pread(self.fd, max(0, size - self.pos), self.pos)
        end = data.rfind(b"\n") + 1
        self.pos += end
        return data[:end].decode("utf-8", "replace").split("\n")[:-1]

    def close(self):
        os.close(self.fd)


def touch(path):
    """Creates an empty journal if there is none: coreflow takes it as a fresh start, and the
    executor can follow the file from the moment coreflow opens it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
