"""Identity and access: users, roles per principal, API keys, login throttling, audit log."""
