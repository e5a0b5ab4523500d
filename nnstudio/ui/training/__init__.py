"""Training UI pieces (see README architecture)."""
