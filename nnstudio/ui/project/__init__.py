"""Project UI pieces (see README architecture)."""
