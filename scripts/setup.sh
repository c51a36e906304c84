#!/usr/bin/env bash
# Installs what npusim needs and is missing: Debian packages, then the project's virtual
# environment (.venv) with the pinned requirements. Idempotent; a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake ninja-build g++ pkg-config libsystemc-dev libhalide14-0-dev libeigen3-dev
              libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
              libbenchmark-dev libgtest-dev clang-format clang libclang-rt-14-dev python3 python3-venv python3-dev
              python3-halide ccache)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Debian's interpreter: its headers come from python3-dev, which the module is built against.
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  /usr/bin/python3 -m venv .venv
fi
# Kernels written in Python (npusim.halide_kernel) use Debian's Halide bindings, python3-halide,
# which install the `halide` module for the system interpreter only: the venv gets a link to it.
site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for so in /usr/lib/python3/dist-packages/halide.cpython-*.so; do
  [ -e "$site/$(basename "$so")" ] || ln -s "$so" "$site/"
done
want=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages from requirements.txt and requirements-nodeps.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
  echo "$want" > .venv/.requirements.sha256
fi
