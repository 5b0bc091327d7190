"""Tests for smartcart_ml.forecasting (synthetic data, fixed seeds)."""

import numpy as np
import pandas as pd
import pytest

from smartcart_ml.forecasting import (
    ACCURACY_COLUMNS,
    BASELINE_MODEL,
    CANDIDATES,
    FORECAST_COLUMNS,
    FORECAST_TABLE_COLUMNS,
    ForecastSettings,
    backtest_all,
    backtest_origins,
    backtest_table,
    fill_closed_days,
    forecast_all,
    forecast_table,
    reconcile_to_total,
    serve_all,
)
from smartcart_ml.forecasting import _Window as Window

WEEKLY = np.array([0.8, 0.9, 0.95, 1.0, 1.2, 1.5, 0.65])


def daily_series(
    values: np.ndarray,
    as_of: str,
    series_id: str = "all",
    level: str = "total",
    closed: np.ndarray | None = None,
) -> pd.DataFrame:
    """Long input frame for one series ending on ``as_of``."""
    dates = pd.date_range(end=as_of, periods=len(values), freq="D")
    return pd.DataFrame(
        {
            "series_level": level,
            "series_id": series_id,
            "date": dates,
            "value": np.asarray(values, dtype=float),
            "is_closed": np.zeros(len(values), bool) if closed is None else closed,
        }
    )


def seasonal_values(
    n_days: int, as_of: str, seed: int, base: float = 500.0, noise: float = 0.1
) -> np.ndarray:
    """Multiplicative weekly x yearly seasonality with log-normal noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(end=as_of, periods=n_days, freq="D")
    yearly = 0.3 * np.sin(2 * np.pi * dates.day_of_year.to_numpy() / 365.25)
    return base * WEEKLY[dates.day_of_week] * np.exp(yearly + rng.normal(0, noise, n_days))


def assert_valid_intervals(forecasts: pd.DataFrame) -> None:
    """lower_95 <= lower_80 <= forecast <= upper_80 <= upper_95, all finite and >= 0."""
    cols = ["lower_95", "lower_80", "forecast", "upper_80", "upper_95"]
    values = forecasts[cols].to_numpy(float)
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert (np.diff(values, axis=1) >= 0).all()


def test_chosen_model_beats_baseline_with_calibrated_intervals():
    as_of = "2024-06-30"
    series = daily_series(seasonal_values(730, as_of, seed=0), as_of)
    result = forecast_all(series, as_of, ForecastSettings(horizon=28, n_origins=16, n_jobs=1))

    overall = result.accuracy[result.accuracy["horizon_bucket"] == "all"].set_index("model_name")
    chosen = overall.index[overall["is_chosen"]]
    assert len(chosen) == 1 and chosen[0] != BASELINE_MODEL
    best = overall.loc[chosen[0]]
    assert best["n_points"] == 16 * 28
    assert best["mae"] < overall.loc[BASELINE_MODEL, "mae"]
    assert best["mase"] < 0.9
    assert 0.70 <= best["coverage_80"] <= 0.90
    assert list(result.accuracy.columns) == ACCURACY_COLUMNS
    assert set(result.accuracy["horizon_bucket"]) == {"1-7", "8-14", "15-28", "all"}
    assert (result.forecasts["model_name"] == chosen[0]).all()


def test_forecast_dates_and_row_counts():
    as_of = pd.Timestamp("2024-03-31")
    series = pd.concat(
        [
            daily_series(seasonal_values(120, "2024-03-31", seed=1), "2024-03-31", "a", "store"),
            daily_series(seasonal_values(100, "2024-03-31", seed=2), "2024-03-31", "b", "store"),
        ]
    )
    result = forecast_all(series, as_of, ForecastSettings(horizon=45, n_origins=3, n_jobs=1))

    assert list(result.forecasts.columns) == FORECAST_COLUMNS
    expected = pd.date_range(as_of + pd.Timedelta(days=1), periods=45, freq="D")
    for _, group in result.forecasts.groupby("series_id"):
        assert len(group) == 45
        assert (pd.DatetimeIndex(group["forecast_date"]) == expected).all()
    assert result.notes.set_index("series_id")["n_origins"].to_dict() == {"a": 3, "b": 3}


def test_backtest_origins_spacing_and_window():
    as_of = pd.Timestamp("2024-03-31")
    origins = backtest_origins("2023-01-01", as_of, n_origins=8, backtest_horizon=28)
    assert len(origins) == 8
    assert all((b - a).days == 7 for a, b in zip(origins, origins[1:]))
    assert origins[-1] + pd.Timedelta(days=28) == as_of

    # only origins leaving >= 56 days of history survive
    short = backtest_origins("2024-01-01", as_of, n_origins=8, backtest_horizon=28)
    assert [o.strftime("%Y-%m-%d") for o in short] == ["2024-02-25", "2024-03-03"]


def test_closed_days_are_zero_and_excluded_from_scoring():
    as_of = "2024-12-15"
    dates = pd.date_range(end=as_of, periods=400, freq="D")
    values = seasonal_values(400, as_of, seed=3)
    saturday = dates.day_of_week == 5
    christmas = (dates.month == 12) & (dates.day == 25)
    values[saturday | christmas] = 0.0
    series = daily_series(values, as_of, closed=christmas)
    future_closed = ["2024-12-25", "2025-01-01"]
    holidays = ["2023-12-25", "2024-01-01", *future_closed]

    result = forecast_all(
        series,
        as_of,
        ForecastSettings(
            horizon=30,
            n_origins=4,
            closed_dates_future=future_closed,
            holidays=holidays,
            n_jobs=1,
        ),
    )

    fc = result.forecasts.set_index("forecast_date")
    closed = (fc.index.day_of_week == 5) | fc.index.isin(pd.to_datetime(future_closed))
    bounds = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert (fc.loc[closed, bounds] == 0).all().all()
    assert (fc.loc[~closed, "forecast"] > 0).all()
    assert_valid_intervals(result.forecasts)
    assert "failed" not in result.notes.loc[0, "note"]

    # scored points: open days (not Saturday, not Christmas) in the 4 backtest windows
    origins = backtest_origins(dates[0], as_of, 4, 28)
    windows = [pd.date_range(o + pd.Timedelta(days=1), periods=28) for o in origins]
    n_open = sum(int(((w.day_of_week != 5) & ~((w.month == 12) & (w.day == 25))).sum()) for w in windows)
    overall = result.accuracy[result.accuracy["horizon_bucket"] == "all"]
    assert (overall["n_points"] == n_open).all()
    assert set(overall["model_name"]) == set(CANDIDATES)


def test_near_zero_series_have_ordered_nonnegative_intervals():
    as_of = "2024-05-31"
    rng = np.random.default_rng(4)
    series = pd.concat(
        [
            daily_series(rng.gamma(0.5, 0.2, 200), as_of, "tiny"),  # small, non-sparse: all models
            daily_series(rng.poisson(0.3, 200), as_of, "sparse"),  # mostly zero: baseline
        ]
    )
    result = forecast_all(series, as_of, ForecastSettings(horizon=60, n_origins=4, n_jobs=1))

    assert_valid_intervals(result.forecasts)
    served = result.notes.set_index("series_id")
    assert served.loc["sparse", "served_model"] == BASELINE_MODEL
    assert "sparse series" in served.loc["sparse", "note"]
    coverage = result.accuracy[["coverage_80", "coverage_95"]]
    assert ((coverage >= 0) & (coverage <= 1)).all().all()
    assert (result.accuracy["coverage_95"] >= result.accuracy["coverage_80"]).all()


def test_short_and_zero_series_fall_back_to_baseline():
    as_of = "2024-05-31"
    series = pd.concat(
        [
            daily_series(np.linspace(50, 100, 20), as_of, "short"),  # growing: all lag errors > 0
            daily_series(np.zeros(200), as_of, "zero"),
        ]
    )
    result = forecast_all(series, as_of, ForecastSettings(horizon=30, n_origins=4, n_jobs=1))

    notes = result.notes.set_index("series_id")
    assert (notes["served_model"] == BASELINE_MODEL).all()
    assert notes.loc["short", "note"].startswith("short series (20 days")
    assert notes.loc["short", "n_origins"] == 0
    assert "short" not in set(result.accuracy["series_id"])

    fc = result.forecasts.set_index("series_id")
    assert len(fc.loc["short"]) == 30 and (fc.loc["short", "forecast"] > 0).all()
    assert_valid_intervals(result.forecasts)
    bounds = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert (fc.loc["zero", bounds] == 0).all().all()


def test_parallel_matches_serial():
    as_of = "2024-04-30"
    series = pd.concat(
        [daily_series(seasonal_values(110, as_of, seed=s), as_of, f"s{s}", "store") for s in range(3)]
    )
    serial = forecast_all(series, as_of, ForecastSettings(horizon=14, n_origins=2, n_jobs=1))
    parallel = forecast_all(series, as_of, ForecastSettings(horizon=14, n_origins=2, n_jobs=2))
    pd.testing.assert_frame_equal(serial.forecasts, parallel.forecasts)
    pd.testing.assert_frame_equal(serial.accuracy, parallel.accuracy)


def test_reconcile_to_total_matches_total_per_date():
    dates = pd.date_range("2025-01-01", periods=4, freq="D")

    def rows(level, series_id, forecast):
        forecast = np.asarray(forecast, float)
        return pd.DataFrame(
            {
                "series_level": level,
                "series_id": series_id,
                "forecast_date": dates,
                "model_name": "ets_weekly",
                "forecast": forecast,
                "lower_80": 0.8 * forecast,
                "upper_80": 1.2 * forecast,
                "lower_95": 0.6 * forecast,
                "upper_95": 1.5 * forecast,
            }
        )

    forecasts = pd.concat(
        [
            rows("total", "all", [100, 80, 0, 50]),
            rows("category", "a", [30, 60, 0, 0]),
            rows("category", "b", [50, 10, 0, 0]),  # day 4: members all zero, total 50
            rows("category", "c", [10, 10, 0, 0]),
            rows("store", "s1", [7, 7, 7, 7]),
        ],
        ignore_index=True,
    )

    result = reconcile_to_total(forecasts, "category")

    members = result[result["series_level"] == "category"]
    sums = members.groupby("forecast_date")["forecast"].sum().to_numpy()
    np.testing.assert_allclose(sums, [100, 80, 0, 50], atol=1e-6)
    assert_valid_intervals(members)
    np.testing.assert_allclose(
        members.loc[members["series_id"] == "a", "upper_80"].iloc[0], 1.2 * 30 * 100 / 90
    )
    untouched = result["series_level"] != "category"
    pd.testing.assert_frame_equal(result[untouched], forecasts[untouched])
    with pytest.raises(ValueError):
        reconcile_to_total(forecasts[forecasts["series_level"] != "total"], "category")


def test_rejects_gaps_in_a_series():
    series = daily_series(np.ones(100), "2024-05-31").drop(index=50)
    with pytest.raises(ValueError, match="contiguous"):
        forecast_all(series, "2024-05-31", ForecastSettings(n_jobs=1))


def test_future_rows_carry_each_series_own_closures():
    as_of = "2024-06-30"
    future = pd.date_range("2024-07-01", periods=10, freq="D")
    series = pd.concat(
        [
            daily_series(seasonal_values(200, as_of, seed=5), as_of, "store_a", "store"),
            daily_series(seasonal_values(200, as_of, seed=6), as_of, "online", "store"),
            # known future rows: the store is closed on 3 July, the online shop is not
            pd.DataFrame(
                {
                    "series_level": "store",
                    "series_id": "store_a",
                    "date": future,
                    "value": np.nan,
                    "is_closed": future == pd.Timestamp("2024-07-03"),
                }
            ),
            pd.DataFrame(
                {
                    "series_level": "store",
                    "series_id": "online",
                    "date": future,
                    "value": np.nan,
                    "is_closed": False,
                }
            ),
        ]
    )
    result = forecast_all(series, as_of, ForecastSettings(horizon=10, n_origins=2, n_jobs=1))

    fc = result.forecasts.set_index(["series_id", "forecast_date"])
    closed_day = pd.Timestamp("2024-07-03")
    assert fc.loc[("store_a", closed_day), "is_closed"]
    assert (fc.loc[("store_a", closed_day), ["forecast", "upper_95"]] == 0).all()
    assert not fc.loc[("online", closed_day), "is_closed"]
    assert fc.loc[("online", closed_day), "forecast"] > 0
    assert fc["is_closed"].sum() == 1
    assert_valid_intervals(result.forecasts)


def test_serving_uses_the_backtest_choice_and_reports_failed_candidates():
    as_of = "2024-06-30"
    series = daily_series(seasonal_values(200, as_of, seed=7), as_of, "s1", "store")
    accuracy = backtest_all(series, as_of, ForecastSettings(n_origins=2, n_jobs=1))
    assert accuracy.loc[accuracy["is_chosen"], "model_name"].nunique() == 1

    # as if ETS had failed at an origin and the regression had won
    doctored = accuracy[accuracy["model_name"] != "ets_weekly"].assign(
        is_chosen=lambda a: a["model_name"] == "regression_calendar"
    )
    result = serve_all(series, as_of, doctored, ForecastSettings(horizon=14, n_jobs=1))

    assert (result.forecasts["model_name"] == "regression_calendar").all()
    note = result.notes.loc[0, "note"]
    assert note == "ets_weekly failed at a backtest origin: excluded"
    assert result.notes.loc[0, "n_origins"] == 2
    chosen = result.accuracy.loc[result.accuracy["is_chosen"], "model_name"]
    assert set(chosen) == {"regression_calendar"}

    # a series the backtest never saw is served the baseline, with a note
    unseen = serve_all(series, as_of, accuracy.iloc[0:0], ForecastSettings(horizon=14, n_jobs=1))
    assert unseen.notes.loc[0, "served_model"] == BASELINE_MODEL
    assert "no backtest results" in unseen.notes.loc[0, "note"]


def test_identical_series_get_identical_results():
    as_of = "2024-04-30"
    values = seasonal_values(120, as_of, seed=8)
    series = pd.concat(
        [
            daily_series(values, as_of, "all", "total"),
            daily_series(values, as_of, "North", "region"),  # a region with a single store
            daily_series(values, as_of, "S1", "store"),
        ]
    )
    result = forecast_all(series, as_of, ForecastSettings(horizon=14, n_origins=2, n_jobs=2))

    assert len(result.forecasts) == 3 * 14
    by_series = [
        g.drop(columns=["series_level", "series_id"]).reset_index(drop=True)
        for _, g in result.forecasts.groupby(["series_level", "series_id"])
    ]
    pd.testing.assert_frame_equal(by_series[0], by_series[1])
    pd.testing.assert_frame_equal(by_series[0], by_series[2])
    assert result.accuracy.groupby("series_level").size().nunique() == 1
    assert set(result.notes["series_id"]) == {"all", "North", "S1"}


def test_reconciliation_splits_a_total_among_open_members_only():
    dates = pd.date_range("2025-12-31", periods=2, freq="D")
    forecasts = pd.DataFrame(
        {
            "series_level": ["total", "total", "store", "store", "store", "store"],
            "series_id": ["all", "all", "s1", "s1", "online", "online"],
            "forecast_date": list(dates) * 3,
            "model_name": BASELINE_MODEL,
            "is_closed": [False, False, False, True, False, False],  # s1 closed on 1 January
            "forecast": [10.0, 6.0, 0.0, 0.0, 0.0, 0.0],  # members all forecast 0
        }
    )
    for column in ["lower_80", "upper_80", "lower_95", "upper_95"]:
        forecasts[column] = forecasts["forecast"]

    result = reconcile_to_total(forecasts, "store").set_index(["series_id", "forecast_date"])

    assert result.loc[("s1", dates[0]), "forecast"] == 5.0  # split between two open stores
    assert result.loc[("online", dates[0]), "forecast"] == 5.0
    assert result.loc[("s1", dates[1]), "forecast"] == 0.0  # closed: the open store takes all
    assert result.loc[("online", dates[1]), "forecast"] == 6.0
    assert result.loc[("s1", dates[1]), "is_closed"]


def test_warehouse_tables_reconcile_stores_to_the_total():
    as_of = pd.Timestamp("2024-06-30")
    history = pd.date_range(end=as_of, periods=150, freq="D")
    future = pd.date_range(as_of + pd.Timedelta(days=1), periods=21, freq="D")
    a = seasonal_values(150, "2024-06-30", seed=9, base=300)
    b = seasonal_values(150, "2024-06-30", seed=10, base=100)

    def rows(level, series_id, values, closed_future=()):
        return pd.DataFrame(
            {
                "series_level": level,
                "series_id": series_id,
                "sales_date": list(history) + list(future),
                "sales_value": list(values) + [None] * len(future),
                "is_closed": [False] * len(history) + [d in closed_future for d in future],
                "horizon_day": [None] * len(history) + list(range(1, len(future) + 1)),
            }
        )

    christmas_like = {future[5]}
    series_daily = pd.concat(
        [
            rows("total", "all", a + b),
            rows("store", "s1", a, closed_future=christmas_like),
            rows("store", "s2", b),
            rows("product", "p1", np.round(b / 10)),
        ],
        ignore_index=True,
    )
    holidays = pd.DataFrame({"holiday_date": [future[5].date()], "holiday_name": ["x"], "is_closure": [True]})

    backtest = backtest_table(series_daily, as_of, ForecastSettings(n_origins=2, n_jobs=1), holidays)
    assert list(backtest.columns) == ACCURACY_COLUMNS
    table = forecast_table(series_daily, as_of, backtest, ForecastSettings(horizon=21, n_jobs=1), holidays)

    assert list(table.columns) == FORECAST_TABLE_COLUMNS
    assert len(table) == 4 * 21
    assert table["forecast_date"].iloc[0] == future[0].date()
    stores = table[table["series_level"] == "store"].groupby("forecast_date")["forecast"].sum()
    total = table[table["series_level"] == "total"].set_index("forecast_date")["forecast"]
    np.testing.assert_allclose(stores.to_numpy(), total.loc[stores.index].to_numpy(), rtol=1e-9)
    assert table.groupby("series_level")["is_reconciled"].all().to_dict() == {
        "product": False,
        "store": True,
        "total": False,
    }
    unreconciled = table[~table["is_reconciled"]]
    np.testing.assert_array_equal(unreconciled["forecast"], unreconciled["base_forecast"])
    closed = table[(table["series_id"] == "s1") & (table["forecast_date"] == future[5].date())]
    assert closed["is_closed"].all() and (closed["forecast"] == 0).all()
    assert_valid_intervals(table)
    assert (table["n_origins"] == 2).all() and (table["n_history_days"] == 150).all()


def test_warehouse_tables_keep_their_types_when_nothing_can_be_backtested():
    # One day of history (e.g. a 500-line export): no backtest origin, every series short.
    duckdb = pytest.importorskip("duckdb")
    as_of = pd.Timestamp("2010-12-01")
    series_daily = pd.DataFrame(
        {
            "series_level": ["total"] * 4,
            "series_id": ["all"] * 4,
            "sales_date": pd.date_range(as_of, periods=4, freq="D"),
            "sales_value": [120.0, None, None, None],
            "is_closed": False,
        }
    )
    backtest = backtest_table(series_daily, as_of, ForecastSettings(n_jobs=1))
    served = forecast_table(series_daily, as_of, backtest, ForecastSettings(horizon=3, n_jobs=1))

    assert backtest.empty
    types = duckdb.sql("select * from backtest").types
    assert [str(t) for t in types] == [
        "VARCHAR",
        "VARCHAR",
        "VARCHAR",
        "VARCHAR",
        "DOUBLE",
        "DOUBLE",
        "DOUBLE",
        "DOUBLE",
        "DOUBLE",
        "DOUBLE",
        "BIGINT",
        "BIGINT",
        "BOOLEAN",
    ]
    relation = duckdb.sql("select forecast_date, forecast_note, n_origins from served")
    assert [str(t) for t in relation.types] == ["DATE", "VARCHAR", "BIGINT"]
    assert relation.fetchall()[0][0] == as_of.date() + pd.Timedelta(days=1)
    assert served["forecast_note"].iloc[0].startswith("short series (1 days")


NO_DATES = np.array([], dtype="datetime64[D]")


def window(values: np.ndarray, start: str, n_future: int) -> Window:
    """A candidate model's input: ``values`` from ``start`` (NaN = closed), no calendars."""
    dates = pd.date_range(start, periods=len(values), freq="D")
    future = pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=n_future, freq="D")
    return Window(y=values, dates=dates, future=future, holidays=NO_DATES, store_closures=NO_DATES)


def test_closed_days_are_filled_from_the_same_weekday_of_neighbouring_weeks():
    dates = pd.date_range("2024-01-01", periods=21, freq="D")  # three weeks from a Monday
    y = np.arange(21, dtype=float) * 10
    y[[0, 7]] = np.nan  # the first two Mondays: both take the next open Monday's 140
    y[9] = np.nan  # a Wednesday between 20 and 160: their midpoint
    y[dates.day_of_week == 5] = np.nan  # Saturdays never open: between Friday and Sunday
    expected = np.arange(21, dtype=float) * 10
    expected[[0, 7]] = 140
    expected[9] = 90
    np.testing.assert_array_equal(fill_closed_days(y, dates), expected)


def test_theta_forecasts_a_line_with_half_its_slope_and_a_weekly_cycle_exactly():
    # log1p(y) = 3 + 0.01 t: no weekly cycle, SES's best alpha is 1 (each one-step error is
    # the slope), so Theta forecasts last + slope / 2 per day, with variance 0.01^2 h.
    n, steps = 120, np.arange(1, 11)
    line = CANDIDATES["theta"](window(np.expm1(3 + 0.01 * np.arange(n)), "2024-01-01", 10))
    np.testing.assert_allclose(np.log1p(line.forecast), 3 + 0.01 * (n - 1) + 0.01 * steps / 2, atol=1e-5)
    np.testing.assert_allclose(
        np.log1p(line.upper_80) - np.log1p(line.forecast), 1.2816 * 0.01 * np.sqrt(steps), rtol=1e-3
    )
    # A pure weekly cycle is continued exactly, with zero-width intervals.
    cycle = np.log([0.8, 0.9, 0.95, 1.0, 1.2, 1.5, 0.65]) + 5
    weekly = CANDIDATES["theta"](window(np.expm1(np.tile(cycle, 16)), "2024-01-01", 10))
    np.testing.assert_allclose(weekly.forecast, np.expm1(np.tile(cycle, 2)[:10]))
    np.testing.assert_allclose(weekly.upper_95, weekly.lower_95, atol=1e-9)


def test_ets_by_aicc_takes_the_damped_trend_of_a_growing_series():
    # 1% growth a day under a weekly cycle: AICc prefers the damped trend, whose forecast
    # keeps growing over four weeks; the no-trend ETS stays flat.
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=140, freq="D")
    log_y = 5 + 0.01 * np.arange(140) + np.log(WEEKLY)[days.day_of_week] + rng.normal(0, 0.05, 140)
    w = window(np.expm1(log_y), "2024-01-01", 28)
    chosen, flat = CANDIDATES["ets_aicc"](w), CANDIDATES["ets_weekly"](w)
    assert chosen.forecast[21:].sum() / chosen.forecast[:7].sum() > 1.1
    assert flat.forecast[21:].sum() / flat.forecast[:7].sum() == pytest.approx(1, abs=0.02)


def test_new_candidates_ignore_closed_days_and_keep_valid_intervals():
    # Saturdays closed and a closed week (NaN): theta and ets_aicc fit on the filled grid,
    # their backtest scores open days only and their served closed days are exactly 0.
    as_of = "2024-06-30"
    dates = pd.date_range(end=as_of, periods=200, freq="D")
    values = seasonal_values(200, as_of, seed=5)
    closed = (dates >= "2024-04-01") & (dates <= "2024-04-07")
    values[(dates.day_of_week == 5) | closed] = 0.0
    result = forecast_all(
        daily_series(values, as_of, closed=closed), as_of, ForecastSettings(horizon=14, n_origins=3, n_jobs=1)
    )
    overall = result.accuracy[result.accuracy["horizon_bucket"] == "all"].set_index("model_name")
    assert {"theta", "ets_aicc"} <= set(overall.index)
    assert (overall.loc[["theta", "ets_aicc"], "mase"] < 1.2).all()
    assert set(overall["n_points"]) == {3 * 24}
    saturday = pd.DatetimeIndex(result.forecasts["forecast_date"]).day_of_week == 5
    assert (result.forecasts.loc[saturday, "upper_95"] == 0).all()
    assert_valid_intervals(result.forecasts)


def test_seasonal_mean_averages_each_weekdays_last_six_open_days_with_symmetric_intervals():
    # Ten weeks from a Monday, weekday d of week t sells 10 (d + 1) + t: each weekday's mean
    # over weeks 4-9 is 10 (d + 1) + 6.5; the last Monday is closed, so Mondays average weeks
    # 3-8 (15.5).
    days = pd.date_range("2024-01-01", periods=70, freq="D")
    y = 10 * (days.day_of_week.to_numpy() + 1) + np.arange(70) // 7
    y = y.astype(float)
    y[63] = np.nan
    forecast = CANDIDATES["seasonal_mean_6"](window(y, "2024-01-01", 14))
    expected = 10 * (np.arange(7) + 1) + 6.5
    expected[0] = 15.5
    np.testing.assert_allclose(forecast.forecast, np.tile(expected, 2))
    # Intervals: symmetric around the point, relative to it, and wider two weeks ahead (the
    # mean lags the growing series by one more week); 95% outside 80%.
    np.testing.assert_allclose(forecast.upper_80 - forecast.forecast, forecast.forecast - forecast.lower_80)
    relative = (forecast.upper_80 - forecast.forecast) / forecast.forecast
    assert 0 < relative[0] < relative[7]
    assert (forecast.upper_95 >= forecast.upper_80).all() and (forecast.lower_95 <= forecast.lower_80).all()
    # A pure weekly cycle is continued exactly, with zero-width intervals.
    flat = CANDIDATES["seasonal_mean_6"](window(np.tile(WEEKLY * 100, 10), "2024-01-01", 10))
    np.testing.assert_allclose(flat.forecast, np.tile(WEEKLY * 100, 2)[:10])
    np.testing.assert_allclose(flat.upper_95, flat.lower_95)
