#!/usr/bin/env bash
# Installs what mkpolicy needs on a Debian machine, and says what it installs.
#   scripts/ensure-deps.sh build   C libraries to build and run mkpolicy
#   scripts/ensure-deps.sh test    plus reference tools the tests compare against
#                                  (hwloc, shellcheck, dtc, QEMU, Chromium) and the Python venv
set -euo pipefail
cd "$(dirname "$0")/.."

# libnuma and libudev are opened with dlopen (dist/dlopen-libraries): the
# run-time packages, no headers.
build_packages=(pkg-config libyaml-dev libfdt-dev libnuma1 libudev1)
# chromium renders the partition maps (map.svg) in the tests; fonts-dejavu-core gives
# its generic sans-serif and monospace families text on a machine without fonts.
# systemd provides systemd-analyze, which verifies every unit a plan emits.
test_packages=(hwloc shellcheck patchelf dpkg-dev lintian device-tree-compiler qemu-system-x86
  busybox-static cpio binutils
  systemd python3 python3-venv chromium fonts-dejavu-core)
python_packages=(kerf-multikernel==0.4.0 pylibfdt scipy numpy pyyaml jsonschema pillow ansible-core)

wanted=("${build_packages[@]}")
[ "${1:-build}" = test ] && wanted+=("${test_packages[@]}")

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "ensure-deps: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

if [ "${1:-build}" = test ]; then
  # Python is used only by tests and benchmarks (kerf's validator, the MILP
  # reference, JSON Schema checks, Pillow, ansible-core for the rollout role's
  # test), never by mkpolicy itself.
  if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/ansible-playbook ] \
    || ! .venv/bin/python -c 'import kerf, libfdt, scipy, yaml, jsonschema, PIL' 2>/dev/null; then
    echo "ensure-deps: creating .venv with: ${python_packages[*]}" >&2
    python3 -m venv .venv >&2
    .venv/bin/pip install -q --disable-pip-version-check "${python_packages[@]}" >&2
  fi
fi
