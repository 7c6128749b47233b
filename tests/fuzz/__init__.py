"""Fuzzing digitlab's readers: the harness, the targets, and the CI run of both."""
