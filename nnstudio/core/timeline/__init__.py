"""A run's timeline (issue 19): snapshots, recording, going back and branching."""
