"""Text helpers and the small model behind `kmgen tag` (kmgen.suggest).

Words are folded (kmgen.taxonomy.fold) and then plural-folded, so 'registries'
in a page finds the label 'Registry' and 'trainer' finds 'Trainers'. The
witnesses for a concept are turned into a confidence by a logistic model whose
weights are learnt from the hub's own tagged pages, each page predicted as if
its tags were hidden; with few pages the weights stay near DEFAULT_WEIGHTS.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

from kmgen.taxonomy import Concept, fold

STOP = frozenset("""a about above after again all also an and any are as at be because been before being
between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just more most must no nor not now of off on
once only or other our ours out over own same she should so some such than that the their them then there
these they this those through to too under until up very was we were what when where which while who whom
why will with would you your within without may might use used using one two new also""".split())

# bias, then one weight per witness: neighbour vote (log-odds), labels, definition.
# Roughly what the sample hub learns; a hub with few tagged pages keeps close to them.
DEFAULT_WEIGHTS = (-1.0, 1.0, 4.0, 2.0)
RIDGE = 5.0  # pull towards DEFAULT_WEIGHTS, in units of training examples


def stem(word: str) -> str:
    """Plural folding, enough for taxonomy labels: registries -> registry,
    trainers -> trainer, approaches -> approach; 'access', 'status', 'basis' stay."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in fold(text).split()]


def content_word(word: str) -> bool:
    return word not in STOP and len(word) > 2 and not word.isdigit()


def concept_words(c: Concept) -> Counter[str]:
    """A concept's labels (twice) and definition, as stemmed content words."""
    counts: Counter[str] = Counter()
    for text, weight in ((c.label, 2), (" ".join(c.alt_labels), 2), (c.definition, 1)):
        for w in stems(text):
            if content_word(w):
                counts[w] += weight
    return counts


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def shared_words(page: Mapping[str, float], concept: Mapping[str, float], limit: int = 4) -> list[str]:
    """The words a page shares with a concept's labels and definition, strongest first."""
    return [w for _s, w in sorted(((page[w] * v, w) for w, v in concept.items() if w in page), reverse=True)[:limit]]


def features(vote: float, voters: int, label_score: float, overlap: float) -> tuple[float, ...]:
    """The model's inputs: 1 (bias), the vote's log-odds, and labels and definition on 0..1.
    A vote from `voters` tagged pages is no surer than the rule of succession allows
    (1 / (voters + 2) from either end), so a small hub cannot be certain."""
    floor = 1 / (voters + 2)
    v = min(max(vote, floor), 1 - floor)
    return 1.0, math.log(v / (1 - v)), 1 - math.exp(-label_score), min(1.0, 2 * overlap)


def confidence(weights: Sequence[float], x: Sequence[float]) -> float:
    z = sum(w * v for w, v in zip(weights, x, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def fit(rows: Sequence[tuple[Sequence[float], bool]], prior: Sequence[float] = DEFAULT_WEIGHTS,
        ridge: float = RIDGE, steps: int = 25) -> tuple[float, ...]:
    """Logistic regression by Newton's method, with a ridge penalty towards `prior`
    so that a handful of pages cannot push the weights anywhere extreme."""
    w = list(prior)
    k = len(w)
    for _ in range(steps):
        grad = [ridge * (w[i] - prior[i]) for i in range(k)]
        hess = [[ridge if i == j else 0.0 for j in range(k)] for i in range(k)]
        for x, y in rows:
            p = confidence(w, x)
            for i in range(k):
                grad[i] += (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return tuple(w)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the system is small and positive definite)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x
