#!/bin/sh
# Builds the Debian package (debian/, debhelper) from the tree's files in build/deb/.
# With --test it then installs the package with dpkg -i, runs a smoke test against the
# installed /usr/bin/coreflow, and removes the package again (as root: CI runs it).
# Usage: scripts/deb.sh [--test]
# COREFLOW_DEB_REUSE=1 tests the package built last time instead of building it again.
set -eu
cd "$(dirname "$0")/.."
test_it=no
[ "${1:-}" = --test ] && test_it=yes
version=$(sed -n '1s/^coreflow (\([^)]*\)).*/\1/p' debian/changelog)
out=build/deb
src=$out/coreflow-$version
commit=$(git rev-parse --short=12 HEAD)
git diff --quiet HEAD -- || commit="$commit-dirty"

build() {
  rm -rf "$out"
  mkdir -p "$src"
  # Tracked files and new ones not ignored: what a clean checkout of this tree would hold.
  git ls-files -z --cached --others --exclude-standard |
    xargs -0 cp -P --parents -t "$src" || {
    echo "deb: cannot copy the tree's files (is this a git checkout?)" >&2
    exit 1
  }
  echo "deb: building coreflow $version (commit $commit) in $src" >&2
  (cd "$src" && COREFLOW_COMMIT=$commit DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" \
    dpkg-buildpackage -us -uc -b >../build.log 2>&1) || {
    tail -n 40 "$out/build.log" >&2
    echo "deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
    exit 1
  }
}

if [ "${COREFLOW_DEB_REUSE:-}" != 1 ] || ! ls "$out"/coreflow_"$version"_*.deb >/dev/null 2>&1; then
  build
fi
deb=$(ls "$out"/coreflow_"$version"_*.deb)
echo "deb: built $deb" >&2
[ $test_it = yes ] || exit 0

if dpkg-query -W -f='${Status}' coreflow 2>/dev/null | grep -q "ok installed"; then
  echo "deb: a coreflow package is installed already; not replacing it for the test" >&2
  exit 1
fi
dpkg -i "$deb" >/dev/null
trap 'dpkg -r coreflow >/dev/null' EXIT
fail() {
  echo "deb: smoke test: $*" >&2
  exit 1
}
/usr/bin/coreflow --version | grep -q "^coreflow $version (commit " ||
  fail "/usr/bin/coreflow --version does not say $version and a commit"
out_text=$(/usr/bin/coreflow run -k --no-summary echo {} ::: a b c | tr '\n' ' ')
[ "$out_text" = "a b c " ] || fail "coreflow run printed '$out_text'"
for f in /usr/share/man/man1/coreflow.1.gz /usr/share/man/man1/coreflow-run.1.gz \
  /usr/share/bash-completion/completions/coreflow /usr/share/doc/coreflow/README.md.gz \
  /usr/share/zsh/vendor-completions/_coreflow /usr/share/fish/vendor_completions.d/coreflow.fish; do
  [ -e "$f" ] || fail "$f is missing"
done
[ -e /usr/include/coreflow/coreflow.h ] || fail "/usr/include/coreflow/coreflow.h is missing"
pkg-config --exists coreflow 2>/dev/null || [ ! -x "$(command -v pkg-config)" ] ||
  fail "pkg-config does not find coreflow"
zcat /usr/share/man/man1/coreflow-run.1.gz | grep -q -e '--keep' -e 'keep\\-order' ||
  fail "coreflow-run(1) does not describe --keep-order"
if [ -d python/coreflow ]; then
  (cd / && /usr/bin/python3 -c "import coreflow, coreflow.worker") ||
    fail "python3 cannot import the installed coreflow package"
fi
dpkg -r coreflow >/dev/null
trap - EXIT
[ ! -e /usr/bin/coreflow ] || fail "/usr/bin/coreflow is still there after dpkg -r"
echo "deb: $deb installed, ran, and removed cleanly" >&2
