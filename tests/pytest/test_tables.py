"""The frames Python models return keep text types when empty (smartcart_ml.tables)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from smartcart_ml.tables import with_text_columns


def test_an_empty_text_column_reaches_duckdb_as_text_and_numbers_stay_numbers():
    empty = pd.DataFrame({"customer_id": np.array([], dtype=object), "score": np.array([], dtype="float64")})
    assert duckdb.sql("describe select * from empty").fetchall()[0][1] == "INTEGER"  # the trap
    typed = with_text_columns(empty)
    assert [row[1] for row in duckdb.sql("describe select * from typed").fetchall()] == ["VARCHAR", "DOUBLE"]
    ids = pd.DataFrame({"customer_id": [1, 2], "name": ["a", None]})
    kept = with_text_columns(ids)
    assert kept["customer_id"].dtype == "int64" and kept["name"].isna().tolist() == [False, True]
