"""Where the real public files live: beside the checkout, with the README of each naming its
source, licence and subset rule (``../shared/data/real/<name>``), not in the repository, as
data brought in from public sources is kept. ``REAL_DATA_DIR`` points elsewhere. Tests of a
file that is absent skip, naming the folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REAL = Path(os.environ.get("REAL_DATA_DIR") or ROOT.parent / "shared" / "data" / "real")


def needs(*paths: Path) -> pytest.MarkDecorator:
    """Skip unless every one of ``paths`` exists."""
    missing = [str(p) for p in paths if not p.exists()]
    return pytest.mark.skipif(bool(missing), reason=f"real data not found: {', '.join(missing)}")
