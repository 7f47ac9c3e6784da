#!/usr/bin/env python3
"""Writes bash, zsh and fish completions for coreflow from its own --help, so that they name
exactly the commands and options the binary has.

Usage: scripts/completions.py COREFLOW_BINARY OUTPUT_DIR
Writes OUTPUT_DIR/coreflow.bash, OUTPUT_DIR/_coreflow (zsh) and OUTPUT_DIR/coreflow.fish.
"""

import os
import re
import subprocess
import sys

# "  -j,-P,--jobs,--max-procs TEXT   help": names, then a value's type when it takes one
# (TEXT, INT, "INT:INT in [1 - 10]", ...), then the help, on the line or on the next.
OPTION = re.compile(r"^  (-\S+)(?: ([A-Z]+)(?:(?::[A-Z]+)? in \[[^\]]*\])?)?(?:\s+(.*))?$")
COMMAND = re.compile(r"^  ([a-z][a-z-]*)\s{2,}(.*)$")


def help_of(binary, *words):
    r = subprocess.run([binary, *words, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"completions: {' '.join([binary, *words, '--help'])} failed: {r.stderr}")
    return r.stdout.splitlines()


def sections(lines):
    """{'Options': [...], 'Subcommands': [...]}: the lines under each heading."""
    out, current = {}, None
    for line in lines:
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            out[current] = []
        elif current:
            out[current].append(line)
    return out


def options(lines):
    """[(names, takes_value, help)] of an Options section."""
    out = []
    for line in lines:
        m = OPTION.match(line)
        if m:
            names = [n for n in m.group(1).split(",") if n.startswith("-")]
            out.append([names, bool(m.group(2)), (m.group(3) or "").strip()])
        elif out and not out[-1][2] and line.strip():  # the help went to the next line
            out[-1][2] = line.strip()
    return [tuple(o) for o in out]


def commands(lines):
    return [(m.group(1), m.group(2).strip()) for m in map(COMMAND.match, lines) if m]


def first_sentence(text):
    text = text.split(". ")[0].rstrip(".")
    return text[:70]


def bash(top, subs):
    cases = []
    for name, (opts, _) in subs.items():
        words = " ".join(n for names, _, _ in opts for n in names)
        cases.append(f"    {name}) opts='{words}' ;;")
    top_words = " ".join(n for names, _, _ in top for n in names)
    return f"""# bash completion for coreflow (written from its --help by scripts/completions.py)
_coreflow() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} cmd='' i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in -*) ;; *) cmd=${{COMP_WORDS[i]}}; break ;; esac
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W '{" ".join(subs)} help {top_words}' -- "$cur"))
    return
  fi
  local opts=''
  case $cmd in
{chr(10).join(cases)}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}}
complete -o filenames -o bashdefault -F _coreflow coreflow
"""


def zsh_quote(text):
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace(
        "]", "\\]").replace(":", "\\:")


def zsh(top, subs):
    lines = ["#compdef coreflow", "# zsh completion for coreflow (written from its --help by "
             "scripts/completions.py)", "", "_coreflow() {", "  local -a commands",
             "  commands=("]
    for name, (_, about) in subs.items():
        lines.append(f"    '{name}:{zsh_quote(first_sentence(about))}'")
    lines += ["  )", "  if (( CURRENT == 2 )); then", "    _describe 'command' commands",
              "    return", "  fi", "  local cmd=${words[2]}", "  shift words",
              "  (( CURRENT-- ))", "  case $cmd in"]
    for name, (opts, _) in subs.items():
        specs = []
        for names, takes, about in opts:
            value = ":value:_files" if takes else ""
            for n in names:
                specs.append(f"'{n}[{zsh_quote(first_sentence(about))}]{value}'")
        specs.append("'*:file:_files'")
        lines.append(f"    {name}) _arguments -s {' '.join(specs)} ;;")
    lines += ["  esac", "}", "", '_coreflow "$@"', ""]
    return "\n".join(lines)


def fish_quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish(top, subs):
    lines = ["# fish completion for coreflow (written from its --help by scripts/completions.py)",
             "complete -c coreflow -f -n __fish_use_subcommand -a help -d 'Show the commands'"]
    for name, (opts, about) in subs.items():
        lines.append(f"complete -c coreflow -f -n __fish_use_subcommand -a {name} "
                     f"-d {fish_quote(first_sentence(about))}")
        for names, takes, text in opts:
            flags = []
            for n in names:
                if n.startswith("--"):
                    flags.append(f"-l {n[2:]}")
                elif len(n) == 2:
                    flags.append(f"-s {n[1]}")
                else:
                    flags.append(f"-o {n[1:]}")
            lines.append(f"complete -c coreflow -n '__fish_seen_subcommand_from {name}' "
                         f"{' '.join(flags)}{' -r' if takes else ''} "
                         f"-d {fish_quote(first_sentence(text))}")
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, out_dir = sys.argv[1], sys.argv[2]
    top_help = sections(help_of(binary))
    top = options(top_help.get("Options", []))
    subs = {}
    for name, about in commands(top_help.get("Subcommands", [])):
        subs[name] = (options(sections(help_of(binary, name)).get("Options", [])), about)
    if "run" not in subs or not subs["run"][0]:
        sys.exit("completions: found no options of 'coreflow run' in its --help")
    os.makedirs(out_dir, exist_ok=True)
    for file_name, text in (("coreflow.bash", bash(top, subs)), ("_coreflow", zsh(top, subs)),
                            ("coreflow.fish", fish(top, subs))):
        with open(os.path.join(out_dir, file_name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
