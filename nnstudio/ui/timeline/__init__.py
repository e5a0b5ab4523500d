"""The timeline scrubber, the coach and the health view (issue 19)."""
