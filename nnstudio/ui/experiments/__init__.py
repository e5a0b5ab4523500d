"""The Runs tab: every run of the project in a table, overlaid curves, diffs, verdicts, sweeps."""
