#!/usr/bin/env bash
# The Python client's and the server's protocol tests, and the /web page in headless Chromium,
# against a kube-sre-gym binary:
#
#   python/ci.sh                               # builds and tests the debug binary
#   python/ci.sh target/release/kube-sre-gym   # tests this binary
#
# One venv per OpenEnv client library, from PyPI: openenv-core 0.3.0 runs every test (with its
# GenericEnvClient and `openenv validate --url`), openenv-core 0.2.1 and openenv 0.10.0 run the
# client tests and the original quick start. Venvs live in $KSG_VENVS (default
# target/python-venvs) and are reused while their requirements are unchanged. Chromium comes from
# Debian (apt-get install chromium) when missing, playwright-core from npm (`npm ci`).
# KSG_SKIP_BROWSER=1 leaves the browser test out. The screenshot goes to
# target/web-screenshot.png. A `train` venv (torch, transformers, trl, peft, matplotlib, pinned
# in requirements-train.txt) runs one GRPO step of examples/train_grpo.py on CPU (tests marked
# `training`); KSG_SKIP_TRAINING=1 leaves it out. PyPI's Linux torch wheel brings the CUDA
# libraries (about 5 GB installed, 2 minutes here): PyPI has no CPU-only build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bin=${1:-${KSG_SERVER_BIN:-}}
if [[ -z $bin ]]; then
  cargo build --locked -q -p kube-sre-gym
  bin=${CARGO_TARGET_DIR:-target}/debug/kube-sre-gym
fi
[[ -x $bin ]] || { echo "ci.sh: no server binary at $bin (build it: cargo build --release -p kube-sre-gym)" >&2; exit 2; }
export KSG_SERVER_BIN=$(realpath "$bin")
venvs=${KSG_VENVS:-$root/target/python-venvs}
export KSG_TEST_LOGS=${KSG_TEST_LOGS:-$root/target/python-test-logs}
export KSG_SCREENSHOT=${KSG_SCREENSHOT:-$root/target/web-screenshot.png}
export PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$venvs" "$KSG_TEST_LOGS"

# venv NAME REQUIREMENT...: a venv with these requirements and this package, made once.
venv() {
  local name=$1; shift
  local dir=$venvs/$name stamp="$*|$(cat python/pyproject.toml | sha256sum)"
  if [[ ! -f $dir/.stamp || $(cat "$dir/.stamp") != "$stamp" ]]; then
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q "$@" "pytest>=7"
    "$dir/bin/pip" install -q --no-deps "$root/python"
    echo "$stamp" > "$dir/.stamp"
  else
    "$dir/bin/pip" install -q --no-deps --force-reinstall "$root/python" >/dev/null
  fi
}

# locked_venv NAME LOCK: a venv of exactly the lock file's pins and this package. Nothing is
# resolved (--no-deps). The CUDA libraries and torch come one wheel at a time: pip keeps every
# wheel of one install until its end, and all of them at once (3 GB) beside the venv (5 GB)
# overflow a small CI disk.
locked_venv() {
  local name=$1 lock=$2
  local dir=$venvs/$name stamp
  stamp=$(cat "$lock" python/pyproject.toml | sha256sum)
  if [[ ! -f $dir/.stamp || $(cat "$dir/.stamp") != "$stamp" ]]; then
    rm -rf "$dir"
    python3 -m venv "$dir"
    local pins big=() rest=()
    pins=$(grep -E '^[A-Za-z0-9]' "$lock")
    mapfile -t big < <(grep -E '^(torch|nvidia-|cuda-)' <<<"$pins")
    mapfile -t rest < <(grep -v -E '^(torch|nvidia-|cuda-)' <<<"$pins")
    for pin in "${big[@]}"; do
      "$dir/bin/pip" install -q --no-deps "$pin"
    done
    "$dir/bin/pip" install -q --no-deps "${rest[@]}"
    "$dir/bin/pip" install -q --no-deps "$root/python"
    echo "$stamp" > "$dir/.stamp"
  else
    "$dir/bin/pip" install -q --no-deps --force-reinstall "$root/python" >/dev/null
  fi
}

venv core030 "openenv-core==0.3.0" &
venv core021 "openenv-core==0.2.1" &
venv oe010 "openenv==0.10.0" &
training=0
if [[ ${KSG_SKIP_TRAINING:-0} != 1 ]]; then
  training=1
  locked_venv train python/requirements-train.txt &
fi
browser=0
if [[ ${KSG_SKIP_BROWSER:-0} != 1 ]]; then
  browser=1
  if [[ ! -x /usr/bin/chromium ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) &
  fi
  (cd python/browser && npm ci --no-audit --no-fund --silent) &
fi
wait_all() { local rc=0; for j in $(jobs -p); do wait "$j" || rc=1; done; return $rc; }
wait_all || { df -h "$venvs" | tail -n 1 | awk '{print "ci.sh: set-up failed; " $4 " free"}' >&2; exit 1; }

status=0
run() {
  local name=$1; shift
  echo "== $name: $*"
  (cd python && "$venvs/$name/bin/python" -m pytest -q -p no:cacheprovider "$@") || status=1
}
if [[ $browser == 1 ]]; then
  export KSG_REQUIRE_BROWSER=1
  run core030 tests -m "not training"
else
  run core030 tests -m "not training" --deselect tests/test_web_page.py::test_play_an_incident_in_the_browser
fi
run core021 tests/test_clients.py tests/test_quickstart.py tests/test_trl_example.py
run oe010 tests/test_clients.py tests/test_quickstart.py tests/test_trl_example.py
if [[ $training == 1 ]]; then
  export KSG_REQUIRE_TRAINING=1 HF_HUB_OFFLINE=1
  run train tests/test_train_grpo.py -m training
fi
[[ $browser == 1 && -f $KSG_SCREENSHOT ]] && echo "screenshot: $KSG_SCREENSHOT"
exit $status
