"""Codes the site answers an API client with when a request fails outside any domain: the HTTP layer's own.

The API's error enum (graphql_api.core.error_codes) lists them beside the domain's codes; the strings are
what clients match on.
"""

from enum import StrEnum


class HttpErrorCode(StrEnum):
    CSRF_FAILED = "CSRF_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"  # an exception no view handled (agency.site.middleware, graphql_api.view)
