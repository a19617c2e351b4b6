"""Parse and validation caches whose memory is bounded in bytes, not only in entries.

Strawberry's caches keep the last N documents whatever their size. Comments and whitespace are
not tokens, so a document within the token limit may still be as large as a request body: N
distinct padded documents would hold N megabytes of text and syntax trees per worker. Documents
that real clients send are a few kilobytes; larger ones are parsed and validated every time,
which their token limit keeps cheap, and never kept.
"""

from __future__ import annotations

from collections.abc import Iterator

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


class SmallDocumentValidationCache(ValidationCache):
    """Strawberry's validation cache, for documents of at most MAX_CACHED_DOCUMENT_CHARS."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if _cacheable(context.query):
            yield from super().on_validate()
            return
        if context.graphql_document is not None:
            context.pre_execution_errors = validate_document(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        yield
