"""Grouping short texts by similarity, whatever their language: the engine of suggested themes.

Each item (a view) is one or more texts keyed by language: the original and
any translations. The grouping is deterministic (the same items give the same
groups) and needs no model or outside service:

1. **Character n-grams.** Every text becomes the counts of its character
   3-, 4- and 5-grams inside words (``char_wb``: each word padded with a
   space), so inflections, compounds, spelling variants of Romani and loan
   words shared by Swedish and Romani ("buss"/"busi", "skola"/"škola")
   still match, without a dictionary or a stemmer for either language.
2. **TF-IDF per language.** The weights (sublinear term frequency, smoothed
   inverse document frequency, n-grams in fewer than two texts dropped, rows
   L2-normalised) are computed separately among the texts of each language,
   so each language's common words weigh little in that language.
3. **Similarity of two items**: the mean cosine over the languages both have
   (Swedish with Swedish, Romani with Romani: a Romani view with a Swedish
   translation meets a Swedish view through the translation); items without
   a common language are compared on all their text pooled. Two texts in
   different languages that share no words hardly meet, so views are grouped
   across languages mostly through their translations.
4. **Spectral clustering** of that similarity graph (Ng, Jordan and Weiss):
   the eigenvectors of the normalised affinity with the largest eigenvalues,
   rows normalised, then k-means (fixed seed, several starts, the best kept).
   **k** is chosen by the largest *eigengap* among 2…``max_groups`` (von
   Luxburg, "A tutorial on spectral clustering", 2007): the number of
   well-separated groups the graph shows. (The silhouette, tried first,
   prefers many small groups of near-identical texts over the topics staff
   mean; see docs/performance.md.)

The cost is dominated by the n × n similarity matrix: about a second for
1,000 short views on one core; callers bound ``len(items)``.

numpy and scipy are imported inside :func:`group_texts`: they cost about 0.6 s
and 45 MB the first time, which only the process that computes suggestions
should pay.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Character n-gram lengths.
NGRAMS = (3, 4, 5)
_WORD = re.compile(r"\w+")
#: Words of four letters or more that say nothing about a topic, left out of labels (shorter ones
#: are left out anyway): the commonest Swedish ones, and Romani ones in the project's spelling.
LABEL_STOPWORDS = frozenset(
    """
aldrig alla allt alltid andra annars bara behöver blir borde både dessa detta deras efter eftersom eller
finns från hade hans hela henne hennes honom inga ingen inget inom inte kommer kunna mellan mina mitt
mycket många måste någon något några redan samma sedan sina sitt skall skulle snälla tack till under
utan vara varit vilka vilken vill våra vårt även över
amaro amare amari ande ando kana katar lenge maj pala sode thaj trobul trobun vaš
""".split()
)


@dataclass(frozen=True)
class Group:
    #: Indices into the items, the most typical first (highest mean similarity to the others of the group).
    members: list[int]
    #: A few words that set the group apart, for a label (see :func:`distinctive_words`).
    words: list[str]


def _ngrams(text: str) -> Counter[str]:
    padded = [f" {word} " for word in _WORD.findall(text.lower())]
    return Counter(word[i : i + n] for word in padded for n in NGRAMS for i in range(len(word) - n + 1))


def _tfidf(counts: Any, min_df: int = 2, max_df: float = 0.7) -> Any:
    """Rows of raw counts (CSR) → sublinear TF × smoothed IDF, L2-normalised.

    N-grams in fewer than ``min_df`` rows say nothing about similarity; those in
    more than ``max_df`` of the rows (a language's commonest syllables) say
    little and would make the similarity products dense: both are dropped.
    """
    import numpy as np
    import scipy.sparse as sp

    x = counts.tocsr().astype(np.float64)
    rows = x.shape[0]
    df = np.bincount(x.indices, minlength=x.shape[1])
    idf = np.log((1 + rows) / (1 + df)) + 1.0
    idf[(df < min_df) | (df > max(max_df * rows, min_df))] = 0.0
    x.data = 1.0 + np.log(x.data)
    x = x @ sp.diags(idf)
    x.eliminate_zeros()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ x


def similarity(items: Sequence[Mapping[str, str]]) -> Any:
    """The n × n similarity of the items (numpy array, 0 on the diagonal); see the module's steps 1–3."""
    import numpy as np
    import scipy.sparse as sp

    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[int] = []
    text_item: list[int] = []
    text_language: list[str] = []
    for index, texts in enumerate(items):
        for language, text in texts.items():
            row = len(text_item)
            text_item.append(index)
            text_language.append(language)
            for gram, count in _ngrams(text).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(gram, len(vocabulary)))
                vals.append(count)
    n = len(items)
    counts = sp.csr_matrix((vals, (rows, cols)), shape=(len(text_item), len(vocabulary)))
    owner = np.asarray(text_item)
    shared_sum = np.zeros((n, n))
    shared_count = np.zeros((n, n))
    for language in sorted(set(text_language)):
        picked = np.flatnonzero(np.asarray(text_language) == language)
        weights = _tfidf(counts[picked])
        # One row per item (an item has at most one text per language); items without one stay empty.
        lift = sp.csr_matrix((np.ones(len(picked)), (owner[picked], np.arange(len(picked)))), shape=(n, len(picked)))
        x = lift @ weights
        shared_sum += (x @ x.T).toarray()
        present = np.zeros(n)
        present[owner[picked]] = 1.0
        shared_count += np.outer(present, present)
    out = np.divide(shared_sum, shared_count, out=np.zeros((n, n)), where=shared_count > 0)
    if (shared_count == 0).any():
        lift = sp.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(n, len(owner)))
        pooled = _tfidf(lift @ counts)
        out = np.where(shared_count > 0, out, (pooled @ pooled.T).toarray())
    np.fill_diagonal(out, 0.0)
    return out


def _kmeans(points: Any, k: int, seed: int, starts: int = 8) -> Any:
    """k-means labels (scipy's, k-means++ starts); the start with the least distortion wins."""
    import numpy as np
    from scipy.cluster.vq import kmeans2

    rng = np.random.default_rng(seed)
    best: tuple[float, Any] | None = None
    for _ in range(starts):
        centroids, labels = kmeans2(points, k, iter=50, minit="++", seed=rng)
        distortion = float(((points - centroids[labels]) ** 2).sum())
        if best is None or distortion < best[0]:
            best = (distortion, labels)
    assert best is not None
    return best[1]


def _spectral(affinity: Any, max_groups: int, seed: int) -> Any:
    import numpy as np
    import scipy.sparse as sp
    from scipy.sparse.linalg import eigsh

    n = affinity.shape[0]
    degree = affinity.sum(axis=1)
    degree[degree <= 0] = 1.0
    scale = 1.0 / np.sqrt(degree)
    # As a sparse matrix: scipy multiplies it on one thread, where a dense product would start a
    # BLAS thread per core (on a shared web server, slower, not faster).
    normalised = sp.csr_matrix(affinity * scale[:, None] * scale[None, :])
    wanted = min(max_groups + 1, n - 1)
    if n <= 200:  # small: the full decomposition is cheaper than Lanczos' set-up
        values, vectors = np.linalg.eigh(normalised.toarray())
    else:
        values, vectors = eigsh(normalised, k=wanted, which="LA", v0=np.sqrt(degree))
    order = np.argsort(-values)[:wanted]
    values, vectors = values[order], vectors[:, order]
    # Eigenvalues of the normalised Laplacian, smallest first: 1 - those of the affinity.
    gaps = np.diff(1.0 - values)  # gaps[i]: between the (i+1)-th and (i+2)-th smallest
    k = int(np.argmax(gaps[1:]) + 2) if len(gaps) > 1 else 2
    embedding = vectors[:, :k]
    norms = np.linalg.norm(embedding, axis=1)
    norms[norms == 0] = 1.0
    return _kmeans(embedding / norms[:, None], k, seed)


def distinctive_words(texts: Sequence[str], members: Sequence[int], count: int = 3) -> list[str]:
    """Up to ``count`` words that are in many of the members' texts and in few of the others'.

    A word scores ``p · log(p / q)``, ``p`` and ``q`` the (smoothed) shares of
    the members' and of the other texts that have it: a language's common
    words, about as frequent everywhere, score near nothing. Empty texts (an
    item with nothing in the label's language) are not counted; words shorter
    than four letters, numbers and :data:`LABEL_STOPWORDS` are left out.
    """
    import math

    words_of = [
        {w for w in _WORD.findall(text.lower()) if len(w) >= 4 and not w.isdigit() and w not in LABEL_STOPWORDS}
        for text in texts
    ]
    inside = set(members)
    in_group: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for index, words in enumerate(words_of):
        (in_group if index in inside else elsewhere).update(words)
    group_size = max(sum(1 for i in inside if words_of[i]), 1)
    others = max(sum(1 for i, words in enumerate(words_of) if words and i not in inside), 1)

    def score(word: str) -> float:
        p = (in_group[word] + 0.5) / (group_size + 1)
        q = (elsewhere[word] + 0.5) / (others + 1)
        return p * math.log(p / q)

    ranked = sorted(
        ((score(w), w) for w in in_group if in_group[w] > 1 or group_size == 1), key=lambda pair: (-pair[0], pair[1])
    )
    return [word for value, word in ranked[:count] if value > 0]


def group_texts(
    items: Sequence[Mapping[str, str]], *, max_groups: int = 10, seed: int = 0, label_texts: Sequence[str] | None = None
) -> list[Group]:
    """Group the items (each ``{language: text}``) by similarity; groups of one item are left out.

    Returns the groups, largest first. ``label_texts`` (one text per item, e.g.
    its Swedish text) are where the label words come from; by default all of
    an item's text.
    """
    import numpy as np

    if len(items) < 4:
        return []
    affinity = similarity(items)
    labels = _spectral(affinity, max(2, min(max_groups, len(items) - 2)), seed)
    texts = list(label_texts) if label_texts is not None else ["\n".join(t.values()) for t in items]
    groups = []
    for label in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            continue
        typical = affinity[np.ix_(members, members)].sum(axis=1)
        ordered = [int(members[i]) for i in sorted(range(len(members)), key=lambda i: (-typical[i], members[i]))]
        groups.append(Group(members=ordered, words=distinctive_words(texts, ordered)))
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups
