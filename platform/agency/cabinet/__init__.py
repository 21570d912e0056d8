"""Resident cabinet services: linking accounts, the resident's view of documents and payments."""
