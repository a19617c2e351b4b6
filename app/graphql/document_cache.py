"""Parse and validation caches whose memory is bounded in bytes, not only in entries.

Strawberry's caches keep the last N documents whatever their size. Comments and whitespace are
not tokens, so a document within the token limit may still be as large as a request body: N
distinct padded documents would hold N megabytes of text and syntax trees per worker. Documents
that real clients send are a few kilobytes; larger ones are parsed and validated every time,
which their token limit keeps cheap, and never kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from graphql.language.parser import parse
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.schema import validate_document

# Large enough for any hand- or tool-written operation with its fragments.
MAX_CACHED_DOCUMENT_CHARS = 16_384


def _cacheable(query: str | None) -> bool:
    return query is not None and len(query) <= MAX_CACHED_DOCUMENT_CHARS


class SmallDocumentParserCache(ParserCache):
    """Strawberry's parse cache, for documents of at most MAX_CACHED_DOCUMENT_CHARS."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if _cacheable(context.query):
            yield from super().on_parse()
            return
        context.graphql_document = parse(context.query or "", **context.parse_options)
        yield


# Validation outcomes by (schema, document text, rules): shared by every request of a worker.
_VALIDATED: OrderedDict[tuple[Any, str, Any], list[GraphQLError]] = OrderedDict()


class SmallDocumentValidationCache(ValidationCache):
    """A validation cache for documents of at most MAX_CACHED_DOCUMENT_CHARS, keyed by text.

    Strawberry's cache is keyed by the parsed document, and a syntax tree's hash walks every
    node of it on every request (170 calls for the detail page's document, more for a legacy
    route's fragments); the text's hash is computed in C once per request. The parse cache
    maps one text to one tree, so the two keys name the same validations.
    """

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and _cacheable(query) and context.graphql_document is not None:
            key = (context.schema._schema, query, tuple(context.validation_rules))
            errors = _VALIDATED.get(key)
            if errors is None:
                errors = validate_document(key[0], context.graphql_document, key[2])
                if len(_VALIDATED) >= self.maxsize:
                    _VALIDATED.popitem(last=False)
                _VALIDATED[key] = errors
            else:
                _VALIDATED.move_to_end(key)
            context.pre_execution_errors = errors
            yield
            return
        if context.graphql_document is not None:
            context.pre_execution_errors = validate_document(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        yield
