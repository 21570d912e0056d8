"""Consolidated payment documents (ЕПД), kept in the public schema."""
