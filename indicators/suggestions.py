"""Suggested indicators while authoring (建议指标): from the organisation's own last-year table, from
approved tables of similar projects anywhere in the region, and from the library (指标库).

The engine reads plain data, never `tables`: the tables side (`tables/suggesting.py`) hands it the
approved tables as `TableDoc`s (loaded when its cheap revision query says the approved corpus
changed), the last-year table's indicators, and the text of the table being written (`Ask`).

Retrieval: character bigrams of the Chinese text (and whole runs of Latin letters or digits), each
weighted by 1 + log(tf) × idf, vectors normalised; the similarity of two texts is the cosine of their
vectors, in [0, 1] (the figure a reason prints). Queries walk an inverted index kept in this process
and rebuilt when the revision changes. Chinese needs no segmenter this way: bigrams match "高标准农田"
inside "岳阳县2022年高标准农田建设项目" without a dictionary, and nothing leaves the process.

Why this and not the database: the index must answer in < 50 ms with 100,000 approved indicators
and 5,000 library entries on both SQLite and PostgreSQL. `pg_trgm` scores trigrams, which for
Chinese are three whole characters and miss most two-character words; SQLite FTS5's trigram
tokenizer has the same grain and no PostgreSQL twin, so the two databases would rank differently.
Measured by `make bench` (bench/bench_suggestions.py) on 2 cores shared with other work (load
average 6–8): with 10,000 approved tables holding 100,000 indicators and 5,000 library entries, the
index builds in about 8 s once per process and corpus change (about 3 s on a quieter machine), and a
suggestion's whole path — the table's text and indicators, the two revision queries, the search —
takes a median of 27 ms at load 6 (38 ms at load 8; about 13 ms of it the search in Python, the rest
the five queries). Two things keep the search short: a search walks only the
32 rarest of its terms (`QUERY_TERMS`) and, of each, the 200 texts where it weighs most
(`POSTINGS_WALKED`); on the leave-one-out corpus these cost 0.0005 of recall@10 against walking all.

Quality, leave-one-out over the 50 approved project tables of the demo and the provinces' corpus
(name and goal only, the table out of the corpus): recall@10 0.420 (same name only: 0.375) against
0.406 for "the 10 most common indicators of the corpus". The corpus caps what any suggester drawing
on it can reach: only 0.543 of a table's indicators have a same or near-same name in another table or
the library at all, and 23 of the 50 tables are one 财政局's projects whose six shared indicators make
the most-common baseline strong. Doubling the baseline (0.81) is above that ceiling; a library that
names the indicators tables really use (the starter library, a province's workbook) raises it.

Ranking, one score for the three sources so ten suggestions can be cut from them:
* the organisation's last-year table: 3 + a small bonus for printed order (a continuing project keeps
  most of its indicators; they come first);
* similar approved tables: the sum, over organisations, of the similarity of each one's most similar
  table (of at most `SIMILAR_TABLES` with similarity ≥ `MIN_SIMILARITY`) using the indicator, so an
  indicator several organisations' similar tables used ranks higher; its value, unit, basis and
  explanation are those of the most similar table using it;
* the indicators most organisations use in approved tables of the kind (`COMMON_WEIGHT` × their
  share of the organisations, the table itself not counted), for a project whose similar tables are few.
  Here and in the similar tables' sum an organisation is one voice: one bureau's booklet of twenty
  projects sharing six boilerplate indicators must not put them first for every project of the region
  (on the leave-one-out corpus this lifted recall@10 of the tables outside that booklet from 0.091 to
  0.121, against their baseline of 0.077);
* the library: the cosine of the ask's text and the entry's 三级 name, definition, keywords, field and
  二级, times `LIBRARY_WEIGHT`.

An indicator is suggested once (by `core_key`: `name_key` without a form's numbering and bracketed
unit; the strongest source first, the others as extra reasons), and never when the table already has
it or a near-same one (`near_same`).

Visibility: only APPROVED tables enter the corpus (the tables side filters them); drafts, submitted
and returned tables never do. Reasons name the other organisation and its project: an approved table
is a published document (预算公开), and that name is what makes a suggestion trustworthy.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Sum

from indicators import record
from indicators.catalog import name_key
from indicators.models import CatalogEntry

SIMILAR_TABLES = 50
MIN_SIMILARITY = 0.02
LIBRARY_WEIGHT = 0.3
# The indicators most tables of the kind use, for a table whose neighbours are few: share of tables × this.
COMMON_WEIGHT = 0.3
COMMON_KEPT = 40
LAST_YEAR_SCORE = 3.0
# The rarest query terms a search walks: a long goal text has hundreds of bigrams, and the common
# ones ("项目", "工作") move no ranking while their postings are the longest.
QUERY_TERMS = 32
# A term in more than this share of the texts (and more than COMMON_FLOOR of them) is left out of a
# search, unless the text has no other: its weight is small and its postings the longest.
COMMON_TERM = 0.5
COMMON_FLOOR = 1000
# Postings are kept heaviest first and a search walks at most this many of a term's: the texts where a
# term weighs least add least to a cosine, and the walk is what a search costs (impact-ordered postings).
POSTINGS_WALKED = 200
NEAR_SAME = 0.6

SOURCE_LAST_YEAR = "last_year"
SOURCE_SIMILAR = "similar"
SOURCE_LIBRARY = "library"
SOURCE_LABELS = {
    SOURCE_LAST_YEAR: "本单位上年已用",
    SOURCE_SIMILAR: "同类项目已批复使用",
    SOURCE_LIBRARY: "指标库",
}

_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")
# What a name carries besides its meaning: a form's own numbering ("指标1:") and a bracketed unit or
# placeholder ("(%)", "(≥**人)"); after NFKC every bracket is half-width or 【】.
_LABEL = re.compile(r"^指标\d+[:：]")
_BRACKETED = re.compile(r"\([^()]*\)|【[^【】]*】")


# ---------------------------------------------------------------- text


def terms(text: str) -> list[str]:
    """The index terms of `text`: every two adjacent Chinese characters (a lone one by itself), and
    every run of Latin letters or digits."""
    found: list[str] = []
    for run in _RUN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        if run[0].isascii() or len(run) == 1:
            found.append(run)
        else:
            found.extend(run[i : i + 2] for i in range(len(run) - 1))
    return found


def core_key(name: str | None) -> str:
    """`name_key` without a form's numbering and bracketed units: `指标1:工程验收合格率(%)` → `工程验收合格率`."""
    key = _BRACKETED.sub("", _LABEL.sub("", name_key(name)))
    return key or name_key(name)


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} if len(key) > 1 else {key}


def near_same(a: str, b: str) -> bool:
    """Two 三级 names of the same meaning: the same `core_key` (`name_key` without a form's
    numbering and bracketed units), or, on those keys, character bigrams whose Dice coefficient
    (2·shared / (bigrams of a + bigrams of b)) is at least 0.6.

    `项目验收合格率` ~ `验收合格率` (0.8), `培训人次` ~ `培训人数` (0.67); not `服务对象满意度` ~
    `群众满意度` (0.4) nor `资金发放及时率` ~ `资金支付及时率` (0.5): whose satisfaction, which money.
    """
    ka, kb = core_key(a), core_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    return _dice(_bigrams(ka), _bigrams(kb)) >= NEAR_SAME


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b))


class _Held:
    """The names a table holds, for `near_same` against many suggestions (their keys computed once)."""

    def __init__(self, names: Iterable[str]):
        self.keys = {key for key in map(core_key, names) if key}
        self.grams = [_bigrams(key) for key in self.keys]

    def __contains__(self, key: str) -> bool:
        if key in self.keys:
            return True
        if not self.grams:
            return False
        grams = _bigrams(key)
        return any(_dice(grams, held) >= NEAR_SAME for held in self.grams)


# ---------------------------------------------------------------- data in


@dataclass(frozen=True, slots=True)
class Item:
    """An indicator as it can be added to a table: the fields a click fills."""

    level1: str
    level2: str
    level3: str
    value: str = ""
    basis: str = ""
    explanation: str = ""
    direction: str = ""

    @property
    def parts(self) -> record.ValueParts:
        return record.split_value(self.value)


@dataclass(frozen=True, slots=True)
class TableDoc:
    """An approved table of the corpus: who, when, what it is about, and its indicators."""

    id: int
    organisation: str
    year: int
    kind: str
    name: str
    text: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class LibraryDoc:
    id: int
    field: str  # "教育 / 普通教育"
    text: str
    item: Item


@dataclass(frozen=True)
class Ask:
    """What the table being written says about itself, and what it already holds."""

    text: str
    kind: str
    present: tuple[str, ...] = ()  # 三级 names the table has
    last_year: tuple[Item, ...] = ()
    last_year_label: str = ""  # "2024年"
    exclude_table: int | None = None  # the table itself, when it is in the corpus


@dataclass
class Suggestion:
    item: Item
    source: str
    reason: str
    score: float
    similarity: float | None = None
    more: list[str] = field(default_factory=list)  # the other sources' reasons
    key: str = ""  # core_key of the name (the index passes the one it computed once)

    def __post_init__(self) -> None:
        self.key = self.key or core_key(self.item.level3)

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


# ---------------------------------------------------------------- the index


class _Vectors:
    """Normalised tf·idf vectors of a set of texts, with their inverted index."""

    def __init__(self, texts: list[str]):
        counted = []
        df: dict[str, int] = {}
        for text in texts:
            tf: dict[str, int] = {}
            for term in terms(text):
                tf[term] = tf.get(term, 0) + 1
            counted.append(tf)
            for term in tf:
                df[term] = df.get(term, 0) + 1
        n = self.size = len(texts)
        self.idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
        self.df = df
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for doc, tf in enumerate(counted):
            weights = {term: (1 + math.log(count)) * self.idf[term] for term, count in tf.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for term, weight in weights.items():
                self.postings.setdefault(term, []).append((doc, weight / norm))
        for postings in self.postings.values():
            postings.sort(key=lambda posting: (-posting[1], posting[0]))

    def search(self, text: str) -> dict[int, float]:
        """{doc: cosine with `text`} for the documents sharing a term with it."""
        tf: dict[str, int] = {}
        for term in terms(text):
            if term in self.idf:
                tf[term] = tf.get(term, 0) + 1
        weights = {term: (1 + math.log(count)) * self.idf[term] for term, count in tf.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return {}
        walked = sorted(weights, key=lambda term: self.df[term])[:QUERY_TERMS]
        common = max(self.size * COMMON_TERM, COMMON_FLOOR)
        walked = [term for term in walked if self.df[term] <= common] or walked[:1]
        scores: dict[int, float] = {}
        get = scores.get
        for term in walked:
            q = weights[term] / norm
            for doc, weight in self.postings[term][:POSTINGS_WALKED]:
                scores[doc] = get(doc, 0.0) + q * weight
        return scores


class Index:
    """The approved corpus and the library, searchable; built once per revision of either."""

    def __init__(self, tables: Iterable[TableDoc], library: Iterable[LibraryDoc]):
        self.tables = list(tables)
        self.library = list(library)
        self._tables = _Vectors([doc.text for doc in self.tables])
        self._library = _Vectors([doc.text for doc in self.library])
        # {kind: {core_key: {organisation: its tables of that kind using it}}}, and the first table using
        # each: popularity counts organisations, so one bureau's booklet of twenty projects is one voice
        self._used: dict[str, dict[str, dict[str, int]]] = {}
        self._keys: dict[int, dict[str, Item]] = {}
        self._first: dict[str, tuple[Item, TableDoc]] = {}
        organisations: dict[str, set[str]] = {}
        for doc in self.tables:
            used = self._used.setdefault(doc.kind, {})
            organisations.setdefault(doc.kind, set()).add(doc.organisation)
            keyed = self._keys[doc.id] = _keyed(doc.items)
            for key, item in keyed.items():
                users = used.setdefault(key, {})
                users[doc.organisation] = users.get(doc.organisation, 0) + 1
                self._first.setdefault(key, (item, doc))
        self._by_id = {doc.id: doc for doc in self.tables}
        self._of_kind = {kind: len(names) for kind, names in organisations.items()}
        self._common = {
            kind: sorted(used, key=lambda key: (-len(used[key]), key))[:COMMON_KEPT]
            for kind, used in self._used.items()
        }

    def similar_tables(self, text: str, kind: str, exclude: int | None = None) -> list[tuple[TableDoc, float]]:
        scores = self._tables.search(text)
        found = [
            (self.tables[doc], score)
            for doc, score in scores.items()
            if score >= MIN_SIMILARITY and self.tables[doc].kind == kind and self.tables[doc].id != exclude
        ]
        return heapq.nsmallest(SIMILAR_TABLES, found, key=lambda pair: (-pair[1], -pair[0].year, pair[0].id))

    def library_matches(self, text: str, limit: int) -> list[tuple[LibraryDoc, float]]:
        scores = self._library.search(text)
        best = heapq.nsmallest(limit, scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return [(self.library[doc], score) for doc, score in best]

    def _common_of(self, ask: Ask) -> list[Suggestion]:
        """The indicators most organisations use in tables of the kind (the table itself not counted)."""
        used = self._used.get(ask.kind, {})
        mine = self._by_id.get(ask.exclude_table) if ask.exclude_table is not None else None
        own = set(self._keys[mine.id]) if mine is not None and mine.kind == ask.kind else set()
        total = max(self._of_kind.get(ask.kind, 0), 1)
        found = []
        for key in self._common.get(ask.kind, ()):
            users = used[key]
            count = len(users) - (key in own and users.get(mine.organisation) == 1)
            if count < 2:
                continue
            item, _ = self._first[key]
            reason = f"{count} 个单位的已批复同类表使用"
            found.append(Suggestion(item, SOURCE_SIMILAR, reason, COMMON_WEIGHT * count / total, key=key))
        return found

    def suggest(self, ask: Ask, limit: int = 10) -> list[Suggestion]:
        """Up to `limit` suggestions for `ask`, best first, none the table has."""
        found: dict[str, Suggestion] = {}
        held = _Held(ask.present)

        def offer(suggestion: Suggestion) -> None:
            key = suggestion.key
            if not key or key in held:
                return
            kept = found.get(key)
            if kept is None:
                found[key] = suggestion
            elif suggestion.score > kept.score:
                suggestion.more = [kept.reason, *kept.more]
                found[key] = suggestion
            else:
                kept.more.append(suggestion.reason)

        for position, item in enumerate(ask.last_year):
            reason = f"本单位上年已用（{ask.last_year_label}）" if ask.last_year_label else "本单位上年已用"
            offer(Suggestion(item, SOURCE_LAST_YEAR, reason, LAST_YEAR_SCORE - position / 1000))

        for suggestion in _aggregate(self.similar_tables(ask.text, ask.kind, ask.exclude_table), self._keys):
            offer(suggestion)
        for suggestion in self._common_of(ask):
            offer(suggestion)

        for doc, score in self.library_matches(ask.text, limit * 3):
            where = f"指标库：{doc.field}" if doc.field else "指标库"
            offer(Suggestion(doc.item, SOURCE_LIBRARY, f"{where}（相似度 {score:.2f}）", LIBRARY_WEIGHT * score, score))

        ranked = sorted(found.values(), key=lambda s: -s.score)
        return ranked[:limit]


def _keyed(items: Iterable[Item]) -> dict[str, Item]:
    """A table's indicators by `core_key`, the first of each."""
    keyed: dict[str, Item] = {}
    for item in items:
        key = core_key(item.level3)
        if key:
            keyed.setdefault(key, item)
    return keyed


def _aggregate(similar: list[tuple[TableDoc, float]], keys: dict[int, dict[str, Item]]) -> list[Suggestion]:
    """The indicators of similar tables, each once, scored by the similarities of the tables using it."""
    # {key: {organisation: its most similar table's similarity}}: an organisation is one voice, however
    # many of its tables use the indicator (one bureau's booklet of 20 projects must not outvote the region)
    voices: dict[str, dict[str, float]] = {}
    first: dict[str, tuple[Item, TableDoc, float]] = {}
    users: dict[str, int] = {}
    for doc, similarity in similar:
        for key, item in keys[doc.id].items():
            voice = voices.setdefault(key, {})
            voice[doc.organisation] = max(voice.get(doc.organisation, 0.0), similarity)
            users[key] = users.get(key, 0) + 1
            first.setdefault(key, (item, doc, similarity))
    support = {key: sum(voice.values()) for key, voice in voices.items()}
    suggestions = []
    for key, (item, doc, similarity) in first.items():
        project = f"《{doc.name}》" if doc.name else ""
        others = f"等 {users[key]} 个" if users[key] > 1 else ""
        reason = f"{doc.year}年 {doc.organisation}{project}{others}同类项目已批复使用（相似度 {similarity:.2f}）"
        suggestions.append(Suggestion(item, SOURCE_SIMILAR, reason, support[key], similarity, key=key))
    return suggestions


# ---------------------------------------------------------------- the library as documents


def library_docs() -> list[LibraryDoc]:
    """The active library entries as documents. One query."""
    rows = (
        CatalogEntry.objects.filter(active=True, retired_at__isnull=True)
        .order_by("pk")
        .values_list(
            "pk", "field__name", "field__parent__name", "level1", "level2", "level3", "value", "comparator",
            "unit", "basis", "definition", "formula", "direction", "keywords",
        )
    )  # fmt: skip
    docs = []
    for pk, field_name, parent, level1, level2, level3, value, comparator, unit, basis, *rest in rows:
        definition, formula, direction, keywords = rest
        where = " / ".join(name for name in (parent, field_name) if name)
        explanation = definition.strip()
        if formula.strip():
            explanation = f"{explanation}\n计算公式：{formula.strip()}".strip()
        if value and unit and not record.split_value(value).unit:
            value = record.join_value(comparator, value, unit)  # a bare 95 beside its unit %
        item = Item(level1, level2, level3, value, basis, explanation, direction)
        text = f"{level3} {level3} {level2} {where} {keywords} {definition}"
        docs.append(LibraryDoc(pk, where, text, item))
    return docs


def library_revision() -> tuple:
    """Changes whenever an entry is added, edited, retired or removed. One query."""
    return tuple(
        CatalogEntry.objects.filter(active=True, retired_at__isnull=True)
        .aggregate(n=Count("pk"), ids=Sum("pk"), changed=Max("updated_at"))
        .values()
    )


# ---------------------------------------------------------------- the process's index

_CACHE: dict[str, tuple[Hashable, Index]] = {}


def index(revision: Hashable, load_tables: Callable[[], Iterable[TableDoc]]) -> Index:
    """The index of the approved corpus (`load_tables`, at `revision`) and of the library, rebuilt
    only when either's revision changed since this process last built it."""
    key = (revision, library_revision())
    held = _CACHE.get("index")
    if held is not None and held[0] == key:
        return held[1]
    built = Index(load_tables(), library_docs())
    _CACHE["index"] = (key, built)
    return built


def forget_index() -> None:
    """Drop this process's index (tests start cold; the bench times a build)."""
    _CACHE.clear()
