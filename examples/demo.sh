#!/usr/bin/env bash
# The main job, with what is installed. A real controller is used when HUGGINGGPT_LLM_BASE_URL (or an
# API key) is set; otherwise a dry run shows the whole pipeline with a scripted controller and the
# echo experts, which run no model.
set -euo pipefail
cd "$(dirname "$0")/.."
hg=.venv/bin/hugginggpt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python - "$work/e1.png" <<'PY'
import sys
from pathlib import Path
from hugginggpt.experts.echo import write_png
write_png(Path(sys.argv[1]))
PY
request="Describe e1.png, find the objects in it, then read the description aloud"

$hg --help
echo
$hg models --task object-detection --limit 5
echo
if [ -n "${HUGGINGGPT_LLM_BASE_URL:-}${HUGGINGGPT_LLM_API_KEY:-}${OPENAI_API_KEY:-}" ]; then
  echo "== run with the configured controller (${HUGGINGGPT_LLM_MODEL:-default model}), echo experts"
  $hg --experts "${HUGGINGGPT_EXPERTS:-echo}" run "$request" --file "$work/e1.png"
else
  echo "== dry run: scripted controller, echo experts (set HUGGINGGPT_LLM_BASE_URL for a real controller)"
  HUGGINGGPT_LLM_SCRIPT=examples/dry_run_replies.json $hg --experts echo run "$request" --file "$work/e1.png"
fi
