"""What the Python models hand back to DuckDB."""

from __future__ import annotations

import pandas as pd


def with_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its object columns as pandas strings: DuckDB types an empty object column
    INTEGER, so an export without known customers would break the marts' contracts (ids and
    names are text)."""
    return frame.astype({column: "str" for column in frame.columns if frame[column].dtype == object})
