"""Parsed and validated documents are kept per query text and limits (graphql_api.core.documents)."""

from unittest import mock

import graphql
import pytest
from django.test import Client
from graphql import GraphQLError

from graphql_api.api import schema
from graphql_api.core import documents as documents_module
from graphql_api.core.documents import DocumentCache
from tests.conftest import error_codes

GRAPHQL_SCHEMA = schema.graphql_schema
ME = "{ me { isAuthenticated } }"
DEEP = "{ principals { nodes { domains } } }"


def _counting_parse():
    """graphql-core's real parse, counted."""
    return mock.patch.object(documents_module, "parse", wraps=graphql.parse)


def test_a_repeated_text_is_parsed_and_validated_once():
    cache = DocumentCache(8)
    with _counting_parse() as parse:
        first = cache.get(GRAPHQL_SCHEMA, ME)
        second = cache.get(GRAPHQL_SCHEMA, ME)
    assert parse.call_count == 1
    assert second is first and first.errors == ()
    assert (cache.hits, cache.misses) == (1, 1)


def test_validation_errors_are_kept_with_the_document():
    cache = DocumentCache(8)
    bad = "{ me { noSuchField } }"
    first = cache.get(GRAPHQL_SCHEMA, bad)
    second = cache.get(GRAPHQL_SCHEMA, bad)
    assert second is first
    assert [e.message for e in first.errors] == [
        e.message for e in graphql.validate(GRAPHQL_SCHEMA, graphql.parse(bad))
    ]
    assert "noSuchField" in first.errors[0].message


def test_a_changed_limit_is_never_served_from_the_old_entry(settings):
    cache = DocumentCache(8)
    settings.GRAPHQL_MAX_DEPTH = 10
    assert cache.get(GRAPHQL_SCHEMA, DEEP).errors == ()

    settings.GRAPHQL_MAX_DEPTH = 1
    shallow_limit = cache.get(GRAPHQL_SCHEMA, DEEP)
    assert [e.message for e in shallow_limit.errors] and "depth" in shallow_limit.errors[0].message

    settings.GRAPHQL_MAX_DEPTH = 10
    assert cache.get(GRAPHQL_SCHEMA, DEEP).errors == ()
    assert cache.misses == 2 and cache.hits == 1


def test_the_token_limit_applies_to_a_text_checked_under_a_higher_one(settings):
    cache = DocumentCache(8)
    query = "{ " + " ".join("me { isAuthenticated }" for _ in range(30)) + " }"
    settings.GRAPHQL_MAX_TOKENS = 5000
    assert cache.get(GRAPHQL_SCHEMA, query).errors == ()
    settings.GRAPHQL_MAX_TOKENS = 50
    with pytest.raises(GraphQLError, match="tokens"):
        cache.get(GRAPHQL_SCHEMA, query)


def test_the_cache_is_bounded_least_recently_used_first():
    cache = DocumentCache(2)
    a, b, c = "{ me { email } }", "{ me { isAuthenticated } }", "{ me { permissions } }"
    cache.get(GRAPHQL_SCHEMA, a)
    cache.get(GRAPHQL_SCHEMA, b)
    cache.get(GRAPHQL_SCHEMA, a)  # a is now the most recent
    cache.get(GRAPHQL_SCHEMA, c)  # evicts b
    assert len(cache) == 2
    with _counting_parse() as parse:
        cache.get(GRAPHQL_SCHEMA, a)
        assert parse.call_count == 0
        cache.get(GRAPHQL_SCHEMA, b)
        assert parse.call_count == 1


def test_a_text_that_does_not_parse_is_not_kept():
    cache = DocumentCache(8)
    for _ in range(2):
        with pytest.raises(GraphQLError, match="Syntax Error"):
            cache.get(GRAPHQL_SCHEMA, "{ me { ")
    assert len(cache) == 0 and cache.misses == 2


def test_gateway_answers_the_same_from_the_cache(tenants, gql):
    documents_module.documents.clear()
    client = gql(tenants.public_host)
    with _counting_parse() as parse:
        answers = [client(ME) for _ in range(3)]
        invalid = [client("{ me { noSuchField } }") for _ in range(2)]
    assert parse.call_count == 2
    assert all(a["data"] == {"me": {"isAuthenticated": False}} for a in answers)
    assert [error_codes(p) for p in invalid] == [["GRAPHQL_VALIDATION_FAILED"]] * 2
    assert invalid[0] == invalid[1]


def test_gateway_still_refuses_a_mutation_over_get_when_the_text_is_cached(tenants, gql):
    mutation = 'mutation { login(email: "x@y.test", password: "p") { errors { code } } }'
    posted = gql(tenants.public_host)(mutation)  # POST: checked and cached
    assert posted["data"]["login"]["errors"]

    payload = Client(HTTP_HOST=tenants.public_host).get("/graphql", {"query": mutation}).json()

    assert error_codes(payload) == ["INVALID"]
    assert "data" not in payload
