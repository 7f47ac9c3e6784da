#!/usr/bin/env python3
"""Fails when a file in src/ is over 500 lines or a function in it is over 80.

Small files with one idea each and short functions are a house rule (docs/architecture.md);
this keeps it from drifting. Google style puts a function body that is not inside a class at
column 0, from the line that opens it to the `}` that closes it; bodies inside a class body are
indented and found by their brace depth.
"""
import os
import re
import sys

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80

# A line that opens a function body: a parameter list's `)` (maybe with qualifiers, an
# initializer list or a trailing return type) and then `{` at the end of the line.
OPENS_BODY = re.compile(r"\)\s*(const|override|noexcept|final|mutable|->[^{;]*|:[^;{]*|\s)*\{\s*$")
NOT_A_FUNCTION = re.compile(r"^\s*(if|for|while|switch|catch|do|else|return|namespace)\b|=\s*\[|\[[^\]]*\]\s*\(")


def strip_code(text):
    """The text with comments, string and character literals blanked, lines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            open_paren = text.find("(", i)
            delim = ")" + text[i + 2:open_paren] + '"'
            j = text.find(delim, open_paren)
            j = n if j < 0 else j + len(delim)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def long_functions(path):
    lines = strip_code(open(path, encoding="utf-8").read()).split("\n")
    found, depth, stack = [], 0, []  # stack: (depth inside the body, first line)
    for number, line in enumerate(lines, 1):
        opens_function = bool(OPENS_BODY.search(line)) and not NOT_A_FUNCTION.search(line)
        for ch in line:
            if ch == "{":
                depth += 1
                if opens_function and not stack:
                    stack.append((depth, number))
                    opens_function = False
            elif ch == "}":
                if stack and stack[-1][0] == depth:
                    first = stack.pop()[1]
                    if number - first + 1 > MAX_FUNCTION_LINES:
                        found.append((first, number - first + 1))
                depth -= 1
    return found


def main(root):
    problems = []
    for folder, _, files in os.walk(os.path.join(root, "src")):
        for name in sorted(files):
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(folder, name)
            shown = os.path.relpath(path, root)
            count = sum(1 for _ in open(path, encoding="utf-8"))
            if count > MAX_FILE_LINES:
                problems.append(f"{shown}: {count} lines (at most {MAX_FILE_LINES}): split it by idea")
            for first, length in long_functions(path):
                problems.append(f"{shown}:{first}: a function of {length} lines "
                                f"(at most {MAX_FUNCTION_LINES}): cut it into named steps")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")))
