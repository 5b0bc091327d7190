"""The frames Python models return keep text types when empty (smartcart_ml.tables)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from smartcart_ml.tables import with_text_columns


def _duckdb_types(frame: pd.DataFrame) -> list[str]:
    return [str(column_type) for column_type in duckdb.from_df(frame).types]


def test_an_empty_text_column_reaches_duckdb_as_text_and_numbers_stay_numbers():
    empty = pd.DataFrame({"customer_id": np.array([], dtype=object), "score": np.array([], dtype="float64")})
    assert _duckdb_types(empty) == ["INTEGER", "DOUBLE"]  # the trap
    assert _duckdb_types(with_text_columns(empty)) == ["VARCHAR", "DOUBLE"]
    kept = with_text_columns(pd.DataFrame({"customer_id": [1, 2], "name": ["a", None]}))
    assert kept["customer_id"].dtype == "int64" and kept["name"].isna().tolist() == [False, True]
