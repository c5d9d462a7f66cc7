"""The MSRA NER corpus (SIGHAN 2006 bakeoff 3): its label set and where its files are.

LABELS is the order of the emission columns of every model alsel_py trains (label id = index).
"""

from __future__ import annotations

import os

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]


def msra_dir() -> str:
    """../shared/data/msra next to the project: where MSRA is unless a path is given."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "msra")
