"""The API's one error-code enum: the domain's codes (billing_core.error_codes) and the transport's.

The transport's codes are the gateway's request guards and host checks (here) and the HTTP layer's
(agency.site.http_errors). The GraphQL ``ErrorCode`` enum is built from ``ErrorCode`` below, in the order
the schema publishes; the strings are what clients match on.
"""

from enum import StrEnum

from agency.site.http_errors import HttpErrorCode
from billing_core.error_codes import ErrorCode as DomainErrorCode


class TransportErrorCode(StrEnum):
    PRINCIPAL_HOST_REQUIRED = "PRINCIPAL_HOST_REQUIRED"
    AGENT_HOST_REQUIRED = "AGENT_HOST_REQUIRED"
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"  # estimated cost over GRAPHQL_MAX_COST (graphql_api.core.cost)
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


# Where the transport's codes stand in the published enum: right after the domain code named here.
_PLACED_AFTER = {
    DomainErrorCode.FOREIGN_PRINCIPAL: (TransportErrorCode.PRINCIPAL_HOST_REQUIRED,
                                        TransportErrorCode.AGENT_HOST_REQUIRED),
    DomainErrorCode.TOO_MANY_ATTEMPTS: (HttpErrorCode.CSRF_FAILED,),
    DomainErrorCode.REQUISITES_CHANGE_STATUS: (
        TransportErrorCode.QUERY_TOO_DEEP, TransportErrorCode.TOO_MANY_ALIASES, TransportErrorCode.QUERY_TOO_LARGE,
        TransportErrorCode.TOO_MANY_OPERATIONS, TransportErrorCode.QUERY_TOO_COSTLY,
        TransportErrorCode.GRAPHQL_VALIDATION_FAILED, HttpErrorCode.INTERNAL_ERROR,
    ),
}

ErrorCode = StrEnum("ErrorCode", [
    (code.name, code.value)
    for domain_code in DomainErrorCode for code in (domain_code, *_PLACED_AFTER.get(domain_code, ()))
], module=__name__)
