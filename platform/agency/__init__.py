"""The agent's side of the product: its Django apps, and the composition root (settings, URLs, Celery app)."""
