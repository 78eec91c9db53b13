#!/usr/bin/env bash
# The main job on the embedded defaults: offline expert models and, unless HUGGINGGPT_LLM_BASE_URL (or an
# API key) names a server, the embedded controller. No network is used.
set -euo pipefail
cd "$(dirname "$0")/.."
hg=.venv/bin/hugginggpt
samples=examples/samples
.venv/bin/python examples/make_samples.py "$samples"

echo
echo "== 1. An implicit step: the sentiment of a photographed note needs OCR first; then it is read aloud."
$hg run "Is the note in this photo positive? Read it out loud too" --file "$samples/note.png"

echo
echo "== 2. A quoted text: it is what gets translated (not the instruction), and the translation is spoken."
$hg run 'Translate "The library opens at nine tomorrow" into Spanish and read it aloud'

echo
echo "== 3. A count from the object detector's boxes, and who a voice memo mentions (speech recognition first)."
$hg run "How many cups are in coffee.png?" --file "$samples/coffee.png"
$hg run "who is mentioned in this voice memo?" --file "$samples/speech.wav"

echo
echo "The run folders above hold each run's trace.json and the files the experts produced (the WAVs)."
