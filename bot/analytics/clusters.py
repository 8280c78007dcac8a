"""Group missed questions into clusters for the teach loop (plain functions, no SQLite).

Each question becomes a set of features from its normalised text: stemmed
English content words, and Chinese character unigrams and bigrams (after
dropping question particles, since Chinese has no spaces). Two questions are
alike when the features they share, weighted by rarity (inverse document
frequency), cover much of both; English words also match across typos
(rapidfuzz ratio). Clusters grow greedily in time order. Candidates come from
an inverted index of blocking keys (each word, its one-letter deletions for
typos, each Chinese bigram), read only at the most recent entries, so the cost
grows linearly with the number of questions, never with all pairs.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.text.normalize import cjk_runs, content_stems, normalize

MATCH_THRESHOLD = 0.5
FUZZY_MIN_LEN = 4  # shorter words must match exactly ("gpt" is not "gpu")
FUZZY_SCORE = 80
MAX_POSTING = 50  # most recent clusters read per blocking key
MAX_CANDIDATES = 20  # clusters scored per question
MAX_EXEMPLARS = 3  # phrasings per cluster a new question is compared with
MAX_EXAMPLES = 5

# Question words and particles that say nothing about what is asked.
_ZH_FILLER = re.compile(
    "|".join(
        sorted(
            "什么 怎么样 怎么 如何 哪个 哪些 哪一个 请问 一下 可以 一个 是不是 有没有 能不能 "
            "告诉 的 了 吗 呢 吧 啊 呀 嘛 么 我 你 您 他 她 它 们 个 请 给".split(),
            key=len,
            reverse=True,
        )
    )
)

Suggest = Callable[[str], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Miss:
    """One question that went wrong, as read from the store."""

    id: int
    at: float
    text: str
    language: str
    user: str
    # Why it counts: declined, unsure (did-you-mean shown), low (low confidence),
    # down (👎), picked (a suggestion was clicked).
    kinds: tuple[str, ...]
    picks: tuple[str, ...] = ()


@dataclass(frozen=True)
class MissCluster:
    """Similar missed questions, with what an admin needs to teach the bot."""

    key: str  # stable across calls: a hash of the cluster's first phrasing
    representative: str  # the most frequent phrasing
    examples: tuple[str, ...]  # up to 5 distinct phrasings, representative first
    count: int
    users: int  # distinct (hashed) users
    languages: tuple[str, ...]
    last_seen: float  # Unix time
    picked: str | None  # the suggestion users clicked most
    target: tuple[str, str] | None  # (entry ref, label) from the injected ``suggest``
    reasons: tuple[tuple[str, int], ...] = ()  # how many members were declined, unsure, …


@dataclass(frozen=True)
class Features:
    """What a question is compared by; sorted tuples keep every sum in a fixed order."""

    norm: str
    words: tuple[str, ...]
    grams: tuple[str, ...]
    fuzzy_words: frozenset[str]  # long enough to match across a typo
    keys: tuple[str, ...]  # blocking keys for the inverted index
    word_set: frozenset[str] = field(init=False)
    gram_set: frozenset[str] = field(init=False)
    empty: bool = field(init=False)  # nothing to weigh: "what is it?"

    def __post_init__(self) -> None:
        object.__setattr__(self, "word_set", frozenset(self.words))
        object.__setattr__(self, "gram_set", frozenset(self.grams))
        object.__setattr__(self, "empty", not self.words and not self.grams)


def _fuzzy(word: str) -> bool:
    return len(word) >= FUZZY_MIN_LEN and not any(ch.isdigit() for ch in word)


def features(text: str) -> Features:
    norm = normalize(text)
    grams: set[str] = set()
    for run in cjk_runs(_ZH_FILLER.sub(" ", norm)):
        grams.update(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    words = tuple(sorted(set(content_stems(norm))))
    fuzzy = frozenset(w for w in words if _fuzzy(w))
    keys = ["=" + norm]
    for word in words:
        keys.append("w" + word)
        if word in fuzzy:  # one-letter deletions: "wether" meets "weather" via "wether"
            keys.extend("w" + word[:i] + word[i + 1 :] for i in range(len(word)))
    bigrams = [g for g in sorted(grams) if len(g) == 2]
    keys.extend("c" + g for g in bigrams or sorted(grams))
    return Features(norm, words, tuple(sorted(grams)), fuzzy, tuple(dict.fromkeys(keys)))


def cluster_key(norm: str) -> str:
    return hashlib.blake2b(norm.encode(), digest_size=8).hexdigest()


class _Scorer:
    """Rarity-weighted overlap of two questions' features, between 0 and 1."""

    def __init__(self, items: Iterable[Features]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for f in items:
            n += 1
            df.update(f.words)
            df.update(f.grams)
        self._weight = {x: math.log(1 + n / count) for x, count in df.items()}
        self._default = math.log(1 + max(n, 1))
        self._totals: dict[str, float] = {}

    def weight(self, x: str) -> float:
        return self._weight.get(x, self._default)

    def total(self, f: Features) -> float:
        total = self._totals.get(f.norm)
        if total is None:
            total = sum(self.weight(x) for x in (*f.words, *f.grams))
            self._totals[f.norm] = total
        return total

    def similarity(self, a: Features, b: Features) -> float:
        if a.empty or b.empty:
            # Nothing to weigh ("what is it?"): only near-identical wording counts.
            return fuzz.ratio(a.norm, b.norm) / 100 if a.empty and b.empty else 0.0
        b_grams = b.gram_set
        shared = sum(self.weight(g) for g in a.grams if g in b_grams)
        spare: list[str] | None = None
        for word in a.words:
            if word in b.word_set:
                shared += self.weight(word)
            elif word in a.fuzzy_words:
                if spare is None:
                    spare = [w for w in b.words if w in b.fuzzy_words and w not in a.word_set]
                if not spare:
                    continue
                hit = process.extractOne(
                    word, spare, scorer=fuzz.ratio, processor=None, score_cutoff=FUZZY_SCORE
                )
                if hit is not None:
                    shared += (self.weight(word) + self.weight(hit[0])) / 2
                    spare.remove(hit[0])
        ta, tb = self.total(a), self.total(b)
        jaccard = shared / (ta + tb - shared)
        containment = min(1.0, shared / min(ta, tb))
        return (jaccard + containment) / 2


@dataclass
class _Group:
    index: int
    exemplars: list[Features]
    ignored_key: str | None = None
    members: list[tuple[Miss, Features]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    @property
    def live(self) -> bool:
        """Still a cluster: it has members, or stands for an ignored one."""
        return bool(self.members) or self.ignored_key is not None


class _Clustering:
    def __init__(self, scorer: _Scorer, threshold: float) -> None:
        self.scorer = scorer
        self.threshold = threshold
        self.groups: list[_Group] = []
        self.index: defaultdict[str, list[int]] = defaultdict(list)

    def new_group(self, f: Features, ignored_key: str | None = None) -> _Group:
        group = _Group(len(self.groups), [f], ignored_key)
        self.groups.append(group)
        self.index_keys(group, f)
        return group

    def index_keys(self, group: _Group, f: Features) -> None:
        for key in f.keys:
            if key not in group.keys:
                group.keys.add(key)
                self.index[key].append(group.index)

    def best_group(self, f: Features, exclude: _Group | None = None) -> _Group | None:
        same_text = self.index.get(f.keys[0])  # "=" + norm: the same question asked again
        if same_text and exclude is None:
            return self.groups[same_text[0]]
        shared: Counter[int] = Counter()
        for key in f.keys:
            posting = self.index.get(key)
            if posting:
                shared.update(posting[-MAX_POSTING:])
        if exclude is not None:
            del shared[exclude.index]
        live = ((i, n) for i, n in shared.items() if self.groups[i].live)
        ranked = sorted(live, key=lambda item: (-item[1], item[0]))[:MAX_CANDIDATES]
        best: _Group | None = None
        best_score = -1.0
        for index, _ in ranked:  # ties go to the group sharing more keys, then the older
            group = self.groups[index]
            score = max(self.scorer.similarity(f, e) for e in group.exemplars)
            if score > best_score:
                best, best_score = group, score
        return best if best_score >= self.threshold else None

    def add(self, miss: Miss, f: Features) -> None:
        group = self.best_group(f)
        if group is None:
            group = self.new_group(f)
        self.join(group, miss, f)

    def join(self, group: _Group, miss: Miss, f: Features) -> None:
        if len(group.exemplars) < MAX_EXEMPLARS and all(e.norm != f.norm for e in group.exemplars):
            group.exemplars.append(f)
        group.members.append((miss, f))
        self.index_keys(group, f)

    def regroup_singletons(self) -> None:
        """Give each lone question a second chance against clusters formed after it.

        One pass in time order misses chains: if A came first and B is unlike A, a
        later C like both joins only one of them, leaving A alone.
        """
        for group in self.groups:
            if len(group.members) != 1 or group.ignored_key is not None:
                continue
            miss, f = group.members[0]
            target = self.best_group(f, exclude=group)
            if target is not None:
                group.members.clear()
                self.join(target, miss, f)


def group_misses(
    misses: Sequence[Miss],
    ignored: Sequence[tuple[str, Sequence[str]]] = (),
    threshold: float = MATCH_THRESHOLD,
) -> list[list[Miss]]:
    """Clusters of ``misses`` (oldest first within each), leaving out ignored ones.

    ``ignored`` pairs an ignored cluster's key with phrasings that define it; a
    new question close to them is absorbed and hidden with them.
    """
    return [[m for m, _ in g.members] for g in _cluster(misses, ignored, threshold)]


def _cluster(
    misses: Sequence[Miss], ignored: Sequence[tuple[str, Sequence[str]]], threshold: float
) -> list[_Group]:
    cache: dict[str, Features] = {}

    def feats(text: str) -> Features:
        f = cache.get(text)
        if f is None:
            f = cache[text] = features(text)
        return f

    ordered = sorted(misses, key=lambda m: (m.at, m.id))
    anchors = [(key, [feats(t) for t in texts if t]) for key, texts in sorted(ignored)]
    items = [feats(m.text) for m in ordered]
    scorer = _Scorer([*items, *(f for _, fs in anchors for f in fs)])
    clustering = _Clustering(scorer, threshold)
    for key, fs in anchors:
        if fs:
            group = clustering.new_group(fs[0], ignored_key=key)
            for f in fs[1:]:
                group.exemplars.append(f)
                clustering.index_keys(group, f)
    for miss, f in zip(ordered, items, strict=True):
        clustering.add(miss, f)
    clustering.regroup_singletons()
    hidden = {key for key, _ in ignored}
    return [
        g
        for g in clustering.groups
        if g.members and g.ignored_key is None and cluster_key(g.members[0][1].norm) not in hidden
    ]


def miss_clusters(
    misses: Sequence[Miss],
    ignored: Sequence[tuple[str, Sequence[str]]] = (),
    *,
    limit: int = 25,
    suggest: Suggest | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> list[MissCluster]:
    """The ``limit`` largest clusters, biggest and most recent first; same input, same output."""
    groups = _cluster(misses, ignored, threshold)
    groups.sort(
        key=lambda g: (
            -len(g.members),
            -max(m.at for m, _ in g.members),
            cluster_key(g.members[0][1].norm),
        )
    )
    return [_summarise(g, suggest) for g in groups[:limit]]


def _summarise(group: _Group, suggest: Suggest | None) -> MissCluster:
    members = sorted(group.members, key=lambda mf: (mf[0].at, mf[0].id))
    # Phrasings by how often they came, then how recently.
    by_norm: dict[str, list[Miss]] = defaultdict(list)
    for miss, f in members:
        by_norm[f.norm].append(miss)
    phrasings = sorted(by_norm.values(), key=lambda ms: (-len(ms), -ms[-1].at, ms[0].id))
    examples = tuple(ms[-1].text for ms in phrasings[:MAX_EXAMPLES])
    picks = Counter(p for miss, _ in members for p in miss.picks)
    picked = min(picks, key=lambda p: (-picks[p], p)) if picks else None
    reasons = Counter(k for miss, _ in members for k in miss.kinds)
    return MissCluster(
        key=cluster_key(group.members[0][1].norm),  # the first phrasing, which never moves
        representative=examples[0],
        examples=examples,
        count=len(members),
        users=len({miss.user for miss, _ in members}),
        languages=tuple(sorted({miss.language for miss, _ in members})),
        last_seen=max(miss.at for miss, _ in members),
        picked=picked,
        target=suggest(examples[0]) if suggest is not None else None,
        reasons=tuple(sorted(reasons.items())),
    )


def format_clusters(clusters: Sequence[MissCluster]) -> str:
    """A plain-text list for the console and ``/kb unanswered``."""
    if not clusters:
        return "No missed questions recorded yet."
    lines = ["Most frequent missed questions (declined, unsure, 👎 or a suggestion picked):"]
    for i, c in enumerate(clusters, start=1):
        users = f"{c.users} user" + ("s" if c.users != 1 else "")
        lines.append(f"{i:>2}. ×{c.count}  {_one_line(c.representative)}  ({users})")
        lines.extend(f"       ~ {_one_line(example)}" for example in c.examples[1:3])
        if c.picked:
            lines.append(f"       picked: {_one_line(c.picked)}")
        if c.target:
            lines.append(f"       teach: {c.target[1]} ({c.target[0]})")
    return "\n".join(lines)


def _one_line(text: str, width: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
