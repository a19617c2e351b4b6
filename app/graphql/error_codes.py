"""Every `extensions.code` a top-level GraphQL error may carry: the one list, and the fallback.

Apollo's names where Apollo has one, so that clients written against Apollo Server read ours.
Errors that carry no code of their own when they reach the HTTP layer get one from `code_for`;
the README's "Error codes" list is this one (a test compares them).
"""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError
from graphql.error import GraphQLSyntaxError


class ErrorCode(StrEnum):
    """The codes of top-level errors; field errors in payloads have their own (`UserErrorCode`)."""

    # The request as HTTP.
    BAD_REQUEST = "BAD_REQUEST"  # 400: not a GraphQL request (body, parameters, batching)
    UNAUTHENTICATED = "UNAUTHENTICATED"  # 401: no valid API key or token
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # 405: a mutation over GET, or another method
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"  # 406: Accept names no JSON type we answer
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"  # 408: the body arrived too slowly
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"  # 413: a body over CRM_MAX_BODY_BYTES
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"  # 415: a body that is not JSON
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"  # 429 + Retry-After: Basic passwords guessed too often
    # The document.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # a syntax error, or too many tokens
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # unknown fields, wrong arguments...
    BAD_USER_INPUT = "BAD_USER_INPUT"  # a variable of the wrong type, out of range, too big
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"  # deeper or more aliases than allowed
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"  # over the node budget
    INVALID = "INVALID"  # a list argument refused: page size, cursor, orderBy, search
    TOO_LONG = "TOO_LONG"  # a list argument over its cap
    # Persisted documents.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # unknown hash: send the document
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"  # APQ off, or not version 1
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"  # sha256(query) != the hash
    TRUSTED_DOCUMENT_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"  # a document not registered ahead
    # Subscriptions.
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"  # the key holds as many as it may
    TOO_SLOW = "TOO_SLOW"  # the subscriber left its buffer full: closed, refetch and resubscribe
    # The service.
    UNAVAILABLE = "UNAVAILABLE"  # 503 + Retry-After: busy, the database unreachable or full
    TIMEOUT = "TIMEOUT"  # 503 + Retry-After: over the request's time budget
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # a crash, masked as "Unexpected error."


# The code of each refusal the HTTP layer answers itself, by status.
STATUS_CODES = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    408: ErrorCode.REQUEST_TIMEOUT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.TOO_MANY_ATTEMPTS,
    500: ErrorCode.INTERNAL_SERVER_ERROR,
    503: ErrorCode.UNAVAILABLE,
}
# graphql-core's message for a variable that cannot be coerced (it has no error class of its own).
_VARIABLE_ERROR = "Variable '$"


def code_for(error: GraphQLError) -> ErrorCode:
    """The code of an error that arrives without one."""
    if error.path is not None:
        # A field failed: refusals inside fields carry their codes, so this is a masked crash.
        return ErrorCode.INTERNAL_SERVER_ERROR
    if isinstance(error, GraphQLSyntaxError):
        return ErrorCode.GRAPHQL_PARSE_FAILED  # the token limit is a syntax error too
    if error.message.startswith(_VARIABLE_ERROR):
        return ErrorCode.BAD_USER_INPUT
    return ErrorCode.GRAPHQL_VALIDATION_FAILED
