"""Common UI pieces (see README architecture)."""
