#!/bin/sh
# Remakes the pictures in docs/img from real runs of coreflow (needs chromium and tmux, which
# scripts/install-deps.sh installs):
#   docs/img/progress.png  the terminal while a run goes on (a tmux pane, captured as text)
#   docs/img/report.png    the --html page of a finished run with failures, a retry, a timeout
#
# Usage: scripts/screenshots.sh [PATH/TO/coreflow]   (default build/release/coreflow)
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
coreflow=${1:-build/release/coreflow}
case $coreflow in /*) ;; *) coreflow=$top/$coreflow ;; esac
for tool in chromium tmux python3; do
  command -v "$tool" >/dev/null || { echo "screenshots.sh: needs $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$coreflow" ] || { echo "screenshots.sh: '$coreflow' is not executable (make release)" >&2; exit 1; }

work=$(mktemp -d)
trap 'tmux -S "$work/tmux" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
shoot() {  # shoot PAGE PNG WIDTH HEIGHT
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --hide-scrollbars --window-size="$3,$4" --screenshot="$2" "file://$1" >/dev/null 2>&1
  echo "wrote $2"
}

# An item of a made-up fit: some CPU, mostly waiting, a reproducible runtime per item; item 23
# fails, item 41 fails once and then succeeds, item 57 hangs past --timeout.
cat >"$work/fit.sh" <<'EOF'
#!/bin/sh
n=$1
t=$(( (n * 7919) % 13 + 4 ))
i=0; while [ $i -lt $((t * 300)) ]; do i=$((i + 1)); done
sleep "$(printf '0.%02d' $((t * 6)))"
[ "$n" -ne 23 ] || { echo "sample_$n: singular matrix" >&2; exit 2; }
if [ "$n" -eq 41 ] && [ ! -e retried ]; then : >retried; exit 1; fi
[ "$n" -ne 57 ] || sleep 30
echo "sample_$(printf %03d "$n"): converged after $((t * 61)) iterations"
EOF
chmod +x "$work/fit.sh"

# 1. The progress line on a real terminal, 100 x 16, part-way through the run.
cat >"$work/pane.sh" <<EOF
cd "$work"
printf '%s\n' '\$ coreflow run -j4 --timeout 4 --retries 2 ./fit.sh {} ::: \$(seq 1 120)'
"$coreflow" run -j4 --timeout 4 --retries 2 --no-summary ./fit.sh {} ::: \$(seq 1 120) 2>&1
sleep 600
EOF
tmux -S "$work/tmux" -f /dev/null new-session -d -x 100 -y 16 "sh $work/pane.sh" \; \
  set-option -g status off
sleep 9
tmux -S "$work/tmux" capture-pane -p >"$work/screen.txt"
tmux -S "$work/tmux" kill-server
python3 - "$work/screen.txt" "$work/progress.html" <<'EOF'
import html, sys
lines = open(sys.argv[1]).read().rstrip("\n").split("\n")
body = html.escape("\n".join(lines))
open(sys.argv[2], "w").write(
    "<!DOCTYPE html><meta charset=utf-8><style>body{margin:0;background:#2b2f36}"
    "pre{margin:16px;padding:14px 16px;background:#15171c;color:#d8dee9;border-radius:8px;"
    "font:14px/1.35 'DejaVu Sans Mono',monospace}</style><pre>" + body + "</pre>")
EOF
shoot "$work/progress.html" docs/img/progress.png 900 $((16 * 19 + 62))

# 2. The report page of the same workload, finished.
rm -f "$work/retried"
(cd "$work" && "$coreflow" run -j6 --timeout 4 --retries 2 --joblog run.log --html run.html \
  ./fit.sh {} ::: $(seq 1 120) >/dev/null) || true
shoot "$work/run.html" docs/img/report.png 1400 1060
