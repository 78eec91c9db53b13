#!/usr/bin/env bash
# The main job on the embedded defaults: offline expert models and, unless HUGGINGGPT_LLM_BASE_URL (or an
# API key) names a server, the local Qwen2.5-Coder-1.5B as the controller. No network is used.
set -euo pipefail
cd "$(dirname "$0")/.."
hg=.venv/bin/hugginggpt
samples=examples/samples
.venv/bin/python examples/make_samples.py "$samples"

echo
echo "== 1. A multi-task request on a fixed plan (OCR -> speech, OCR -> sentiment); the controller picks"
echo "==    the models and writes the answer from the experts' real results."
$hg run "Read the text in note.png aloud and tell me the sentiment of that text" \
  --file "$samples/note.png" --plan examples/demo_plan.json

echo
echo "== 2. A request the controller plans by itself."
$hg run "What objects are in coffee.png?" --file "$samples/coffee.png"

echo
echo "The run folders above hold each run's trace.json and the files the experts produced (the WAV of run 1)."
