"""Parsed and validated documents, kept per query text.

Clients send the same few query texts over and over (an integrator's page walk, the portal's
screens), and parsing plus validating a page query costs more than its SQL. A bounded LRU maps
(query text, token limit, validation rules) to the parsed document and its validation errors, so a
repeated text is parsed and validated once. The key carries the limits, so changing a limit never
serves a document checked under the old one. A text that does not parse is not kept: its error is
cheap to find again, and a stream of garbage must not evict the texts that work.

Documents are shared between threads: graphql-core reads the AST during execution and never
changes it.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate

from graphql_api.core.validation import validation_rules

DEFAULT_SIZE = 256


@dataclass(frozen=True)
class CheckedDocument:
    document: DocumentNode
    errors: tuple[GraphQLError, ...]  # validation errors; empty — the document may run


class DocumentCache:
    """A thread-safe LRU of checked documents; ``parse`` errors propagate and are not stored."""

    def __init__(self, maxsize: int = DEFAULT_SIZE):
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple, CheckedDocument] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, schema: GraphQLSchema, query: str) -> CheckedDocument:
        max_tokens = settings.GRAPHQL_MAX_TOKENS
        rules = validation_rules()  # one tuple object per set of limits: cheap to hash, compared by identity
        key = (query, max_tokens, rules, schema)
        with self._lock:
            checked = self._entries.get(key)
            if checked is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return checked
            self.misses += 1
        # outside the lock: two threads may check the same text at once, and both get a correct answer
        document = parse(query, max_tokens=max_tokens)  # raises GraphQLError, not cached
        checked = CheckedDocument(document, tuple(validate(schema, document, rules)))
        if self.maxsize > 0:
            with self._lock:
                self._entries[key] = checked
                self._entries.move_to_end(key)
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return checked

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


documents = DocumentCache(getattr(settings, "GRAPHQL_DOCUMENT_CACHE_SIZE", DEFAULT_SIZE))
