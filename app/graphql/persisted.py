"""Persisted documents: Apollo's automatic persisted queries, or only trusted documents.

Automatic persisted queries (Apollo's protocol): a client sends `extensions.persistedQuery
{version: 1, sha256Hash}` without the query; an unknown hash is answered 200 with
PERSISTED_QUERY_NOT_FOUND, and the client sends the query with the hash again, which we check
and, once the document has parsed and validated, keep under it. The store is per worker, least
recently used first out, bounded in bytes; what it holds runs under every limit a document sent
in full runs under (tokens, depth, aliases, node budget, time).

Trusted documents (production): a manifest read at start-up names the only documents that
run, by id; nothing is registered at run time.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from app.graphql.error_codes import ErrorCode
from app.graphql.http_request import DOCUMENT_ID_PARAMS, RequestRefused
from app.settings import Settings

APQ_VERSION = 1
# Counted for each stored document besides its text: its key and the LRU's bookkeeping.
ENTRY_OVERHEAD = 256
# Longer than any hash a client sends (sha256 is 64 hex digits; Relay's ids are shorter).
MAX_ID_LENGTH = 128
# As Apollo Server answers the protocol's retry signals: a cache must not keep them.
NO_CACHE = {"Cache-Control": "private, no-cache, must-revalidate"}
APOLLO_MANIFEST = "apollo-persisted-query-manifest"


class ManifestError(ValueError):
    """The trusted-documents manifest cannot be read."""


class DocumentStore:
    """Documents by hash, least recently used first out, at most `max_bytes` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._documents: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, key: str) -> str | None:
        """The document stored under `key`, now the most recently used, or None."""
        text = self._documents.get(key)
        if text is not None:
            self._documents.move_to_end(key)
        return text

    def put(self, key: str, text: str) -> None:
        """Keep `text` under `key`, dropping the least recently used beyond the bound."""
        if key in self._documents:
            self._documents.move_to_end(key)
            return
        size = _size(text)
        if size > self.max_bytes:
            return  # would push out everything else and still not fit
        self._documents[key] = text
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, dropped = self._documents.popitem(last=False)
            self.bytes -= _size(dropped)


def _size(text: str) -> int:
    return len(text.encode()) + ENTRY_OVERHEAD


@dataclass(frozen=True, slots=True)
class Document:
    """The text a request runs, and the hash to keep it under once it validates."""

    text: str
    register_as: str | None = None


def sha256_hex(text: str) -> str:
    """The hash Apollo's clients send for a document: SHA-256 of its UTF-8, lower-case hex."""
    return hashlib.sha256(text.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """The documents of a manifest by id: `{id: document}` (Relay's) or Apollo's format."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ManifestError(f"trusted documents {path}: {error}") from error
    if isinstance(data, dict) and data.get("format") == APOLLO_MANIFEST:
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"trusted documents {path}: 'operations' must be a list")
        pairs = [
            (op.get("id"), op.get("body")) if isinstance(op, dict) else (None, None)
            for op in operations
        ]
    elif isinstance(data, dict):
        pairs = list(data.items())
    else:
        raise ManifestError(f"trusted documents {path}: expected a JSON object")
    documents: dict[str, str] = {}
    for key, text in pairs:
        if not (isinstance(key, str) and key and isinstance(text, str) and text.strip()):
            raise ManifestError(f"trusted documents {path}: {key!r} is not an id with a document")
        documents[key] = text
    return documents


def _refused(code: ErrorCode, message: str, status: int = 400) -> RequestRefused:
    return RequestRefused(status, message, NO_CACHE if status == 200 else None, code=code)


def _not_found() -> RequestRefused:
    # The message is the protocol's: older clients match on it rather than on the code.
    return _refused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", 200)


SHA256_PREFIX = "sha256:"


def document_id(params: Mapping[str, Any]) -> str | None:
    """The id a request names its document by with `documentId` or `doc_id`, or None."""
    given = next((params[n] for n in DOCUMENT_ID_PARAMS if params.get(n) is not None), None)
    if given is None:
        return None
    if not isinstance(given, str) or not 0 < len(given) <= MAX_ID_LENGTH:
        raise RequestRefused(400, "documentId (or doc_id) must be a non-empty string.")
    return given.removeprefix(SHA256_PREFIX)


def persisted_query(params: Mapping[str, Any]) -> tuple[object, str] | None:
    """The version and hash of the request's `extensions.persistedQuery`, or None.

    A `documentId` or `doc_id` names a document the same way, as version 1.
    """
    extensions = params.get("extensions") or {}
    asked = extensions.get("persistedQuery")
    if asked is None:
        named = document_id(params)
        return None if named is None else (APQ_VERSION, named)
    key = asked.get("sha256Hash") if isinstance(asked, dict) else None
    if not isinstance(key, str) or not 0 < len(key) <= MAX_ID_LENGTH:
        raise RequestRefused(400, "persistedQuery needs its sha256Hash (a string).")
    return asked.get("version"), key


class PersistedDocuments:
    """Which document a request runs: sent in full, stored under its hash, or trusted."""

    def __init__(self, *, store_bytes: int, trusted: Mapping[str, str] | None = None) -> None:
        self.store = DocumentStore(store_bytes) if store_bytes > 0 and trusted is None else None
        self.trusted = dict(trusted) if trusted is not None else None
        self.trusted_texts = frozenset(self.trusted.values()) if self.trusted else frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> PersistedDocuments:
        """The store the settings ask for, with the trusted manifest read if one is named."""
        path = settings.trusted_documents
        trusted = load_manifest(path) if path is not None else None
        return cls(store_bytes=settings.apq_store_bytes, trusted=trusted)

    def document(self, params: Mapping[str, Any]) -> Document:
        """The document the request's parameters name, or the protocol's refusal."""
        query: str | None = params.get("query")
        asked = persisted_query(params)
        if asked is not None and not (type(asked[0]) is int and asked[0] == APQ_VERSION):
            raise _refused(
                ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
                f"Only version {APQ_VERSION} of persisted queries is supported.",
            )
        if self.trusted is not None:
            return self._trusted(query, None if asked is None else asked[1])
        if asked is None:
            assert query is not None  # read_params refuses a request with neither
            return Document(query)
        if self.store is None:
            # The message is the protocol's; Apollo's client then stops sending hashes.
            raise _refused(
                ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, "PersistedQueryNotSupported", 200
            )
        key = asked[1]
        if query is None:
            stored = self.store.get(key)
            if stored is None:
                raise _not_found()
            return Document(stored)
        if sha256_hex(query) != key:
            raise _refused(
                ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
                "sha256Hash is not the SHA-256 (lower-case hex) of the query.",
            )
        return Document(query, register_as=key)

    def remember(self, document: Document) -> None:
        """Keep a document sent with its hash, now that it has parsed and validated."""
        if self.store is not None and document.register_as is not None:
            self.store.put(document.register_as, document.text)

    def _trusted(self, query: str | None, key: str | None) -> Document:
        assert self.trusted is not None
        registered = self.trusted.get(key) if key is not None else None
        if registered is not None:
            if query is not None and query != registered:
                raise _refused(
                    ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
                    "The query is not the document registered under this id.",
                )
            return Document(registered)
        if query is None:
            raise _not_found()
        if query in self.trusted_texts:
            return Document(query)
        raise _refused(
            ErrorCode.TRUSTED_DOCUMENT_REQUIRED,
            "Only registered documents run here: send the id of one "
            "(extensions.persistedQuery.sha256Hash).",
        )
