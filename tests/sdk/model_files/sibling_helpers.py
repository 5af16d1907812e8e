"""A module beside a model file, imported by it as a sibling."""

SCORE = 0.625
