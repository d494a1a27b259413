"""Leave-one-out precision and recall of `kmgen tag` on a hub (the sample hub by default).

For each published resource page, its own facet tags are hidden (all but `type`,
which every page must carry), the suggester predicts them from the page's text
and from the tags of the other pages, and predictions at or above a threshold
are compared with the hidden tags, exact concept for exact concept. The
suggester is rebuilt for every page from a hub in which that page carries only
its `type`, so no part of it (neighbour votes, base rates, co-occurrence) can
see the hidden tags.

Prints figures; asserts nothing.
Usage: .venv/bin/python bench/tag_bench.py [--content content] [--thresholds 0.3,0.5,0.7]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from kmgen import facets
from kmgen.hub import load_hub
from kmgen.suggest import DEFAULT_MIN_CONFIDENCE, Suggester, Suggestion

Pair = tuple[str, str]  # (facet, concept)
MIN_PRECISION = 0.85  # a suggestion written with --apply should rarely need undoing


def leave_one_out(content: Path) -> tuple[dict[str, set[Pair]], dict[str, list[Suggestion]]]:
    """Hidden tags and every suggestion (any confidence) per page."""
    hub = load_hub(content)
    gold: dict[str, set[Pair]] = {}
    predicted: dict[str, list[Suggestion]] = {}
    for doc in hub.resources():
        tags = hub.tags_of(doc.path)
        known = {f: ids for f, ids in tags.items() if f == facets.RESOURCE_TYPE}
        gold[doc.path] = {(f, cid) for f, ids in tags.items() if f != facets.RESOURCE_TYPE for cid in ids}
        hidden = {p: t for p, t in hub.tags.items() if p != doc.path} | {doc.path: known}
        suggester = Suggester(hub.taxonomy, hub.documents, hidden)
        predicted[doc.path] = suggester.suggest(doc.path, known=known)
    return gold, predicted


def score(gold: dict[str, set[Pair]], predicted: dict[str, list[Suggestion]],
          threshold: float) -> dict[str, Counter[str]]:
    """facet (and '*' for all) -> counts of gold, predicted and correct tags."""
    out: dict[str, Counter[str]] = {"*": Counter()}
    for path, hidden in gold.items():
        chosen = {(s.facet, s.concept) for s in predicted[path] if s.confidence >= threshold}
        for facet, _cid in hidden:
            out.setdefault(facet, Counter())["gold"] += 1
            out["*"]["gold"] += 1
        for pair in chosen:
            counts = out.setdefault(pair[0], Counter())
            counts["predicted"] += 1
            out["*"]["predicted"] += 1
            if pair in hidden:
                counts["correct"] += 1
                out["*"]["correct"] += 1
    return out


def _ratios(c: Counter[str]) -> tuple[float, float, float]:
    p = c["correct"] / c["predicted"] if c["predicted"] else 0.0
    r = c["correct"] / c["gold"] if c["gold"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def best_threshold(gold: dict[str, set[Pair]], predicted: dict[str, list[Suggestion]]) -> tuple[float, ...]:
    """The threshold (in steps of 0.05) with the best F1 whose precision is at least MIN_PRECISION."""
    best: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0)
    for step in range(1, 20):
        p, r, f = _ratios(score(gold, predicted, step / 20)["*"])
        if p >= MIN_PRECISION and f > best[3]:
            best = (step / 20, p, r, f)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--thresholds", default="0.3,0.4,0.5,0.6,0.7,0.8")
    args = parser.parse_args()
    thresholds = sorted({float(x) for x in args.thresholds.split(",")} | {DEFAULT_MIN_CONFIDENCE})
    gold, predicted = leave_one_out(args.content)
    hidden = sum(len(v) for v in gold.values())
    print(f"Leave-one-out tag suggestion on {args.content}/: {len(gold)} pages, {hidden} hidden facet tags")
    print(f"micro-averaged (default threshold {DEFAULT_MIN_CONFIDENCE}):")
    print(f"  {'threshold':>9} {'predicted':>9} {'correct':>7} {'precision':>9} {'recall':>6} {'F1':>5}")
    for t in thresholds:
        c = score(gold, predicted, t)["*"]
        p, r, f = _ratios(c)
        mark = "  <- default" if t == DEFAULT_MIN_CONFIDENCE else ""
        print(f"  {t:>9.2f} {c['predicted']:>9} {c['correct']:>7} {p:>9.2f} {r:>6.2f} {f:>5.2f}{mark}")
    best = best_threshold(gold, predicted)
    print(f"best threshold with precision >= {MIN_PRECISION}: {best[0]:.2f}"
          f" (P {best[1]:.2f} R {best[2]:.2f} F1 {best[3]:.2f})")
    print("calibration (share of suggestions in each confidence band that were right):")
    for lo in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        band = [(p, s) for p, items in predicted.items() for s in items if lo <= s.confidence < lo + 0.1]
        right = sum(1 for p, s in band if (s.facet, s.concept) in gold[p])
        share = f"{right / len(band):.2f}" if band else "-"
        print(f"  {lo:.1f}-{lo + 0.1:.1f}: {len(band):>4} suggestions, {share} right")
    by_facet = score(gold, predicted, DEFAULT_MIN_CONFIDENCE)
    print(f"per facet at {DEFAULT_MIN_CONFIDENCE}:")
    print(f"  {'facet':<22} {'hidden':>6} {'predicted':>9} {'correct':>7} {'precision':>9} {'recall':>6}")
    for facet in sorted(k for k in by_facet if k != "*"):
        c = by_facet[facet]
        p, r, _f = _ratios(c)
        print(f"  {facet:<22} {c['gold']:>6} {c['predicted']:>9} {c['correct']:>7} {p:>9.2f} {r:>6.2f}")


if __name__ == "__main__":
    main()
