#!/usr/bin/env bash
# The package outside the build tree: `pip install .` (into a scratch folder) and `pip install -e .`
# (into a scratch venv) each give an `import npusim` that finds its compiled module, presets,
# model configs and data, and simulates what the build tree's package simulates.
# Usage: check_install.sh ROOT BUILD_PYTHON_DIR PYTHON   (ctest passes them; PYTHON has the dependencies)
set -euo pipefail
ROOT=$(cd "$1" && pwd)
BUILD_PY=$2
PY=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset PYTHONPATH NPUSIM_CONFIG_DIR
# The compiler of the build tree, not Python's (x86_64-linux-gnu-g++): with ccache on (make test),
# the same command finds the build tree's objects.
export CC=${CC:-cc} CXX=${CXX:-c++}

probe='
import os, sys, npusim
r = npusim.Npu("rk3588").kernel("rms_norm", t=64, d=512)
print(os.path.dirname(npusim.__file__), os.path.dirname(npusim._npusim.__file__), npusim.config_dir(),
      npusim.data_dir(), len(npusim.sentences()), len(npusim.model_names()), r.cycles, r.energy_j)
'
read -r _ _ _ _ n_sent n_models want_cycles want_energy < <(cd "$tmp" && PYTHONPATH=$BUILD_PY $PY -c "$probe")

echo "pip install . (scikit-build-core, build dir $ROOT/build/wheel-*)"
$PY -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps --target "$tmp/site" "$ROOT"
read -r pkg mod cfg data s m c e < <(cd "$tmp" && PYTHONPATH=$tmp/site $PY -c "$probe")
[ "$pkg" = "$tmp/site/npusim" ] && [ "$mod" = "$pkg" ] || { echo "imported $pkg ($mod), not the installed package"; exit 1; }
[ "$cfg" = "$pkg/configs" ] && [ "$data" = "$pkg/data" ] || { echo "configs $cfg, data $data: not the package's"; exit 1; }
[ "$s $m $c $e" = "$n_sent $n_models $want_cycles $want_energy" ] || { echo "installed: $s $m $c $e, build tree: $n_sent $n_models $want_cycles $want_energy"; exit 1; }

echo "pip install -e . (a scratch venv; the project's venv provides the dependencies)"
/usr/bin/python3 -m venv "$tmp/venv"
site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
$PY -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/project-deps.pth"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps -e "$ROOT"
read -r pkg mod cfg data s m c e < <(cd "$tmp" && "$tmp/venv/bin/python" -c "$probe")
[ "$pkg" = "$ROOT/bindings/npusim" ] || { echo "editable install imported $pkg, not the sources"; exit 1; }
[ "$s $m $c $e" = "$n_sent $n_models $want_cycles $want_energy" ] || { echo "editable: $s $m $c $e"; exit 1; }
echo "both installs import npusim and reproduce $want_cycles cycles"
