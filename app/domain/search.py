"""Word-start search: every word of a search starts a word of the searched text.

"Starts a word" means at the start of the text or just after a space, case-insensitively, the
same on both back ends. The text is matched as `' ' || text` against `'% ' || word || '%'`, one
pattern per word. PostgreSQL reads that pattern through a trigram GIN index on the very same
expression (migration 0005). SQLite has no such index: an FTS5 index of the deals' words finds
the candidates and the pattern checks each of them, so the answer is the pattern's exactly.

Why the FTS5 candidates never miss a match: FTS5 splits text into runs of letters and digits,
and a space always ends a run, so a word found at a word start is, token for token, a phrase of
the text whose last token may go on further: `"word"*`, which FTS5 tokenizes the same way. A
word with no letter or digit (`%`, `--`) has no tokens; it is left to the pattern alone.

Where the back ends differ, as before the indexes: "case-insensitive" is SQLite's `lower()`,
which folds ASCII letters only, and PostgreSQL's, which folds every letter of its locale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, column, func, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db.models import opportunity_t
from app.domain.bounds import MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS
from app.domain.errors import DomainError, ErrorCode

# The FTS5 index of migration 0005 (SQLite only): rowid is the deal id.
_opportunity_words = table("opportunity_search", column("rowid"))
_MATCH: ColumnElement[Any] = literal_column("opportunity_search")
# More matches than this and a walk in list order meets a page of them sooner than an index
# lookup gathers and sorts them all (PostgreSQL's probe).
COMMON_AT = 2000
# SQLite's probe: matches among the newest SAMPLE_ROWS deals. One in a hundred or more and a
# walk meets a page within a few thousand rows. FTS5 cannot tell instead: a prefix query
# ("word"*) merges the whole doclist of every term it expands to before the first row (28 ms
# for a word of half the deals at a million), however few rows are asked of it.
SAMPLE_ROWS = 2000
COMMON_IN_SAMPLE = 20


def search_words(search: str | None) -> list[str]:
    """The words of a search, refused before any SQL is built when there are too many."""
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise DomainError.one(
            ErrorCode.TOO_LONG, "search", f"A search has at most {MAX_SEARCH_LENGTH} characters."
        )
    words = [w for w in re.split(r"\s+", search or "") if w]
    if len(words) > MAX_SEARCH_WORDS:
        raise DomainError.one(
            ErrorCode.TOO_LONG, "search", f"A search has at most {MAX_SEARCH_WORDS} words."
        )
    return words


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _spaced(parts: Sequence[ColumnElement[Any]]) -> ColumnElement[str]:
    """`' ' || a || ' ' || b ...`, constants inline so PostgreSQL matches its index expression."""
    joined: ColumnElement[Any] = literal_column("' '")
    for index, part in enumerate(parts):
        if index:
            joined = joined.op("||")(literal_column("' '"))
        joined = joined.op("||")(part)
    return joined


def word_start(columns: Sequence[ColumnElement[Any]], words: list[str]) -> ColumnElement[bool]:
    """Every word starts a word in one of the columns (case-insensitive).

    The columns are matched as one text, a space between each: a word holds no space, so it
    cannot run from one column into the next.
    """
    searched = _spaced(columns)
    return and_(*(searched.ilike(f"% {_like_escape(word)}%", escape="\\") for word in words))


def opportunity_searched() -> list[ColumnElement[Any]]:
    """The deal columns a search reads, in the order of migration 0005's index expression."""
    opportunity = opportunity_t.c
    return [opportunity.title, func.coalesce(opportunity.description, literal_column("''"))]


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"*'


def _fts_query(words: list[str]) -> str | None:
    phrases = [_fts_phrase(word) for word in words if any(ch.isalnum() for ch in word)]
    return " AND ".join(phrases) if phrases else None


def opportunity_search(words: list[str], *, sqlite: bool, common: bool) -> ColumnElement[bool]:
    """Deals where every word starts a word of the title or description.

    Rare words are read by an index; `common` ones are checked row by row as a list walked in
    its order meets them, which finds a page after a few rows.
    """
    exact = word_start(opportunity_searched(), words)
    fts = _fts_query(words)
    if not sqlite or common or fts is None:
        return exact
    candidates = select(_opportunity_words.c.rowid).where(_MATCH.op("MATCH")(fts))
    return and_(opportunity_t.c.id.in_(candidates), exact)


async def common_words(conn: AsyncConnection, words: list[str], *, sqlite: bool) -> bool:
    """Whether the words are common enough that a walk in list order finds pages sooner.

    SQLite checks the newest SAMPLE_ROWS deals; PostgreSQL reads at most COMMON_AT entries of
    its trigram index (or, for common words, the first rows of the table).
    """
    exact = word_start(opportunity_searched(), words)
    if sqlite and _fts_query(words) is None:
        return True  # no index can help: check rows as the walk meets them
    if sqlite:
        newest = select(opportunity_t.c.id).order_by(opportunity_t.c.id.desc()).limit(SAMPLE_ROWS)
        probe = select(opportunity_t.c.id).where(opportunity_t.c.id.in_(newest), exact)
        needed = COMMON_IN_SAMPLE
    else:
        probe = select(opportunity_t.c.id).where(exact)
        needed = COMMON_AT
    found = select(func.count()).select_from(probe.limit(needed).subquery())
    return int((await conn.execute(found)).scalar_one()) >= needed
