"""Keyset (cursor) pagination on the primary key: stable under inserts, one query per page.

Lists of things that happen in time (imports, runs, payouts, appeals…) page newest first: ``newest_first`` orders
by descending primary key, and a cursor then means "older than this row"."""

import base64
from operator import attrgetter

import graphene
from django.utils.translation import gettext as _

from billing_core.error_codes import ErrorCode
from graphql_api.core.errors import ApiError

MAX_PAGE = 100


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String()


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"pk:{pk}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _sep, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "pk":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(ErrorCode.INVALID, _("Неверный курсор.")) from exc


def page(queryset, *, first: int | None, after: str | None, fetch=list, pk=attrgetter("pk"),
         newest_first: bool = False):
    """Return (rows, page_info) for ``first`` rows after ``after``, ordered by pk (descending when ``newest_first``).

    ``fetch`` turns the sliced queryset into the rows (model instances by default; a caller may shape
    them as plain dicts in the same one query), and ``pk`` reads a row's primary key for the cursor.
    """
    size = MAX_PAGE if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise ApiError(ErrorCode.INVALID, _("Размер страницы — от 0 до %(max)s.") % {"max": MAX_PAGE})
    qs = queryset.order_by("-pk" if newest_first else "pk")
    if after:
        cursor = decode_cursor(after)
        qs = qs.filter(pk__lt=cursor) if newest_first else qs.filter(pk__gt=cursor)
    rows = fetch(qs[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return rows, PageInfo(has_next_page=has_next, end_cursor=encode_cursor(pk(rows[-1])) if rows else None)


def connection_type(node_type, name: str):
    """A connection type: ``nodes``, ``pageInfo`` and ``totalCount``."""
    return type(
        name,
        (graphene.ObjectType,),
        {
            "nodes": graphene.List(graphene.NonNull(node_type), required=True),
            "page_info": graphene.Field(PageInfo, required=True),
            "total_count": graphene.Int(required=True),
            # counted only when asked for: a count scans every matching row, a page does not
            "resolve_total_count": staticmethod(lambda conn, info: conn.total_count()),
        },
    )


def resolve_connection(conn_type, queryset, *, first, after, fetch=list, pk=attrgetter("pk"), newest_first=False):
    rows, info = page(queryset, first=first, after=after, fetch=fetch, pk=pk, newest_first=newest_first)
    return conn_type(nodes=rows, page_info=info, total_count=queryset.count)
