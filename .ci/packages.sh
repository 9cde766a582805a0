# Installs the Debian packages callcoach needs, only those missing (sourced by .ci/test
# and .ci/demo). Build: pkg-config and the ALSA headers for cpal (the headless build,
# `--no-default-features`, needs neither). Tests: a private PulseAudio server with a
# null sink for the end-to-end capture test; a private Slurm cluster (slurm-wlm, munge)
# for the sharded-scoring test; sox for the cue fixtures (tests/cues.rs); Python with a
# virtual environment for the DuckDB query and the Kubernetes manifest check (see
# install_python_tools).
# Usage: install_packages PKG...
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}
BUILD_PACKAGES=(pkg-config libasound2-dev)
TEST_PACKAGES=(pulseaudio pulseaudio-utils libasound2-plugins slurm-wlm munge python3 python3-venv sox)

# Python tools of the tests, pinned, in a virtual environment under target/ (Debian's
# own Python takes no pip installs): DuckDB runs deploy/duckdb/weekly.sql in
# tests/shards.rs, kubernetes-validate checks deploy/k8s/*.yaml against the Kubernetes
# API schema. Sets CALLCOACH_PYTHON and PYTHON_TOOLS (the environment's bin folder).
PYTHON_TOOLS_PINNED=(duckdb==2.0.1 kubernetes-validate==1.37.0)
install_python_tools() {
  local venv=target/ci-python
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qx "${PYTHON_TOOLS_PINNED[0]}" ||
    ! "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qx "${PYTHON_TOOLS_PINNED[1]}"; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${PYTHON_TOOLS_PINNED[@]}"
  fi
  PYTHON_TOOLS=$(readlink -f "$venv/bin")
  export CALLCOACH_PYTHON="$PYTHON_TOOLS/python"
}
