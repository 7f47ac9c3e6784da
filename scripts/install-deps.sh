#!/bin/sh
# Installs the Debian 12 packages coreflow needs to build, test, benchmark and demo.
# Idempotent: does nothing when every package is already present.
set -eu

PACKAGES="build-essential cmake ninja-build pkg-config git clang clang-format \
  libclang-rt-14-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev \
  libhwloc-dev libxxhash-dev googletest libgtest-dev libgmock-dev libbenchmark-dev \
  parallel hyperfine python3 procps util-linux libfuse3-dev fuse3 help2man debhelper \
  python3-numpy python3-scipy libopenblas0-pthread \
  chromium fonts-dejavu-core tmux \
  voronota theseus-examples pymol-data \
  mpich libmpich-dev openmpi-bin libopenmpi-dev slurm-wlm munge"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
  fi
else
  SUDO=""
fi
echo "install-deps: installing what is missing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
