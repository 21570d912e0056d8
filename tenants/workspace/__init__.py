"""Per-principal settings; its table lives in each principal's schema."""
