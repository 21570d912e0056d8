"""The address registry shared by all principals: houses and premises (public schema)."""
