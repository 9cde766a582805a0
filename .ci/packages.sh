# Installs the Debian packages callcoach needs, only those missing (sourced by .ci/test
# and .ci/demo). Build: pkg-config and the ALSA headers for cpal (the headless build,
# `--no-default-features`, needs neither). Tests: a private PulseAudio server with a
# null sink for the end-to-end capture test.
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
TEST_PACKAGES=(pulseaudio pulseaudio-utils libasound2-plugins)
