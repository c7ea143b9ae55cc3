#!/usr/bin/env bash
# kube-sre-gym's OpenEnv server against the Python reference server (openenv-core's echo
# environment, served by openenv-core's create_app and uvicorn) under the same load client,
# on this machine, each server in its own process:
#
#   python/bench_reference.sh                          # builds the release binary
#   python/bench_reference.sh target/release/kube-sre-gym [bench compare flags...]
#
# Flags after the binary go to `kube-sre-gym bench compare` (default: --sessions 1,64
# --duration 5s). The reference venv (openenv-core 0.3.0 from PyPI) lives in
# $KSG_VENVS/reference (default target/python-venvs) and is reused while its requirement is
# unchanged. See docs/bench.md for figures.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bin=${1:-${KSG_SERVER_BIN:-}}
[[ $# -gt 0 ]] && shift
if [[ -z $bin ]]; then
  cargo build --locked -q --release -p kube-sre-gym
  bin=${CARGO_TARGET_DIR:-target}/release/kube-sre-gym
fi
[[ -x $bin ]] || { echo "bench_reference.sh: no binary at $bin" >&2; exit 2; }
flags=("$@")
[[ ${#flags[@]} -gt 0 ]] || flags=(--sessions 1,64 --duration 5s)

venvs=${KSG_VENVS:-$root/target/python-venvs}
venv=$venvs/reference
req="openenv-core==0.3.0"
if [[ ! -f $venv/.stamp || $(cat "$venv/.stamp") != "$req" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install -q "$req"
  echo "$req" > "$venv/.stamp"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() {
  local url=$1 pid=$2
  for _ in $(seq 1 600); do
    curl -sf "$url/health" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { echo "bench_reference.sh: server $url exited" >&2; return 1; }
    sleep 0.1
  done
  echo "bench_reference.sh: $url not healthy after 60 s" >&2
  return 1
}

logs=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

ref_port=$(free_port)
"$venv/bin/python" python/bench/reference_echo.py --port "$ref_port" --max-sessions 1100 \
  > "$logs/reference.log" 2>&1 &
pids+=($!)
ours_port=$(free_port)
RUST_LOG=warn "$bin" serve --host 127.0.0.1 --port "$ours_port" --max-sessions 1100 \
  > "$logs/ours.log" 2>&1 &
pids+=($!)
wait_healthy "http://127.0.0.1:$ref_port" "${pids[0]}" || { cat "$logs/reference.log" >&2; exit 1; }
wait_healthy "http://127.0.0.1:$ours_port" "${pids[1]}" || { cat "$logs/ours.log" >&2; exit 1; }

echo "$(nproc) cores; reference: openenv-core 0.3.0 echo environment, $("$venv/bin/python" --version)"
"$bin" bench compare --url "http://127.0.0.1:$ours_port" --python-url "http://127.0.0.1:$ref_port" "${flags[@]}"
