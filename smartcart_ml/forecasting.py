"""Daily sales forecasting with rolling-origin model selection.

Two steps, each fitting its series in parallel worker processes (joblib's loky backend),
both configured by one :class:`ForecastSettings`:

1. :func:`backtest_all` takes a long DataFrame of daily series (one row per
   ``series_level`` x ``series_id`` x ``date``), refits a small set of
   candidate models per series on rolling origins and returns per-bucket
   accuracy, flagging the model with the lowest backtest MAE (``is_chosen``).
2. :func:`serve_all` refits only the chosen model of each series on the full
   history and forecasts ``horizon`` days with 80 % / 95 % prediction
   intervals, plus a per-series note (fallbacks, failures).

:func:`forecast_all` runs both. :func:`reconcile_to_total` optionally makes one
level's members add up to the ``'total'`` series afterwards. The dbt Python
models call :func:`backtest_table` and :func:`forecast_table`, which wrap the
two steps for the warehouse's column names, so the backtest runs once per
build and the serving model reads its result instead of recomputing it.

Candidate models
----------------
``seasonal_naive_7``
    Value of the same weekday in the most recent open week. Intervals are
    empirical quantiles of the in-sample ``k``-week-lag seasonal-naive errors
    (``k = ceil(h / 7)``); lags with fewer than ``_MIN_LAG_ERRORS`` errors
    reuse the largest well-populated lag, widened by ``sqrt(k / k_ok)``.
``ets_weekly``
    statsmodels ``ETSModel`` (additive error, no trend, additive weekly
    seasonality) on ``log1p(value)``, i.e. multiplicative weekly seasonality
    on the original scale, with heuristic initial states (only the
    smoothing parameters are optimised). Closed days are filled before
    fitting (:func:`fill_closed_days`; ETS cannot skip observations).
    Intervals are the model's exact Gaussian forecast variance.
``regression_calendar``
    statsmodels ``SARIMAX`` regression with ARIMA(0,1,1) errors (a local
    level, which tracks drifts in level better than stationary AR(1) errors
    did in testing) on ``log1p(value)``: weekday dummies, a holiday flag, a
    store-closure flag (a day physical stores close but, say, online sales go
    on is far from an ordinary holiday) and,
    with at least a year of history, three yearly Fourier pairs. Closed days
    are missing values, which the Kalman filter skips (filling them instead
    raised its backtest MASE on the real Online Retail file from 0.848 to
    0.871: the holiday flag already explains the open holidays). Regression
    coefficients live in the state vector (``mle_regression=False``) and the
    scale is concentrated out, so only the MA coefficient is optimised.
    Intervals come from ``get_forecast`` and include coefficient uncertainty.
``theta``
    The Theta method (statsmodels ``ThetaModel``: SES with half the linear
    trend's drift) on ``log1p(value)``, closed days filled, additively
    deseasonalised with period 7. Gaussian intervals from the SES-with-drift
    forecast variance (see :func:`_theta`).
``ets_aicc``
    ETS chosen by AICc between ETS(A,N,A) (as ``ets_weekly``) and ETS(A,Ad,A)
    (damped additive trend), on ``log1p(value)`` with closed days filled,
    refitted and re-chosen at every origin; intervals as ``ets_weekly``.

For the log models the back-transformed mean ``expm1(E[log1p y])`` is the
forecast median, which is the MAE-optimal point forecast; interval bounds
transform exactly because ``expm1`` is monotone. Values are clipped at 0
before the log transform.

Closed days
-----------
A day is closed if the caller flags it (``is_closed``) or if it falls on an
*always-closed weekday*: a weekday with zero value on at least 90 % of its
days while the remaining weekdays are not sparse. Closed days are dropped
from model targets (missing, or filled for the models that need every day:
:func:`fill_closed_days`), excluded from scoring, and forecast
as exactly 0 with zero-width intervals, as are future dates in
``closed_dates_future`` (every series) and input rows *after* ``as_of_date``
flagged ``is_closed`` (that series only). The closure calendar is treated as
known in advance, so backtests use the same closed-day mask.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
from joblib import Parallel, delayed
from scipy.optimize import minimize_scalar
from scipy.stats import norm
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.seasonal import seasonal_decompose
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

BASELINE_MODEL = "seasonal_naive_7"
MIN_TRAIN_DAYS = 56
"""Minimum history (8 weeks) before a backtest origin; also the short-series cut-off
together with the backtest window."""
SPARSE_ZERO_SHARE = 0.5
"""Series with a larger share of zero open days are served the baseline."""
ALWAYS_CLOSED_ZERO_SHARE = 0.9
"""A weekday with at least this share of zero days is treated as always closed."""
TOTAL_LEVEL = "total"
"""``series_level`` of the single series other levels are reconciled to."""

_INTERVAL_COLUMNS = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
FORECAST_COLUMNS = [
    "series_level",
    "series_id",
    "forecast_date",
    "model_name",
    "is_closed",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
]
ACCURACY_COLUMNS = [
    "series_level",
    "series_id",
    "model_name",
    "horizon_bucket",
    "mae",
    "wape",
    "mase",
    "bias",
    "coverage_80",
    "coverage_95",
    "n_origins",
    "n_points",
    "is_chosen",
]
NOTES_COLUMNS = ["series_level", "series_id", "served_model", "n_history_days", "n_origins", "note"]
FORECAST_TABLE_COLUMNS = [
    "series_level",
    "series_id",
    "forecast_date",
    "model_name",
    "is_closed",
    "base_forecast",
    "is_reconciled",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "n_history_days",
    "n_origins",
    "forecast_note",
]
"""Columns of :func:`forecast_table` (the dbt model ``forecast_served_results``)."""
_TEXT, _REAL, _COUNT = "string", "float64", "int64"
_ACCURACY_DTYPES = {
    **dict.fromkeys(["series_level", "series_id", "model_name", "horizon_bucket"], _TEXT),
    **dict.fromkeys(["mae", "wape", "mase", "bias", "coverage_80", "coverage_95"], _REAL),
    "n_origins": _COUNT,
    "n_points": _COUNT,
    "is_chosen": "bool",
}
_FORECAST_TABLE_DTYPES = {
    **dict.fromkeys(["series_level", "series_id", "model_name", "forecast_note"], _TEXT),
    "forecast_date": pd.ArrowDtype(pa.date32()),
    **dict.fromkeys(["is_closed", "is_reconciled"], "bool"),
    **dict.fromkeys(["base_forecast", *_INTERVAL_COLUMNS], _REAL),
    "n_history_days": _COUNT,
    "n_origins": _COUNT,
}
"""Explicit column types of the tables the dbt Python models write, so that an empty
table (e.g. no series has a backtest origin) still gets the types its SQL mart expects."""

_INPUT_COLUMNS = ["series_level", "series_id", "date", "value", "is_closed"]
_QUANTILE_PROBS = np.array([0.025, 0.1, 0.9, 0.975])
_Z80, _Z95 = float(norm.ppf(0.9)), float(norm.ppf(0.975))
_MIN_LAG_ERRORS = 10
_MIN_OBS_PER_WEEKDAY = 4
_SEASONAL_MEAN_WEEKS = 6
_YEARLY_MIN_DAYS = 365
_FOURIER_ORDER = 3
_MAXITER = 50
# The MA coefficient's search range: invertible, away from the unit root.
_MA_BOUNDS = (-0.999, 0.999)
_FIT_ERRORS = (ValueError, np.linalg.LinAlgError)

_Task = TypeVar("_Task")
_Out = TypeVar("_Out")


@dataclass
class ForecastResult:
    """Output of :func:`serve_all` and :func:`forecast_all`.

    Attributes:
        forecasts: one row per series x future date for the served model
            (columns ``FORECAST_COLUMNS``).
        accuracy: one row per series x candidate model x horizon bucket
            (columns ``ACCURACY_COLUMNS``); ``is_chosen`` flags the served model.
        notes: one row per series with the served model, history length,
            number of backtest origins and a free-text note (columns
            ``NOTES_COLUMNS``; ``note`` is ``''`` when nothing is worth saying).
    """

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    notes: pd.DataFrame


DateLike = str | date | pd.Timestamp


@dataclass(frozen=True)
class ForecastSettings:
    """Every run-wide setting of the forecasting steps, in one object.

    Attributes:
        horizon: number of days to forecast.
        n_origins: number of rolling backtest origins, spaced 7 days apart.
        backtest_horizon: days forecast from each origin; the last origin is
            ``as_of_date - backtest_horizon``. It also sets the short-series
            cut-off (``MIN_TRAIN_DAYS + backtest_horizon`` days).
        closed_dates_future: future dates on which business is closed (applies
            to every series); forecast as exactly 0.
        holidays: holiday dates (past and future) used as a calendar regressor.
        store_closures: dates (past and future) on which physical stores close,
            a calendar regressor of their own (e.g. Christmas Day): a series
            that still sells then (online) drops far more than on other
            holidays. Series closed on those days (flagged ``is_closed``) are
            unaffected.
        n_jobs: worker processes (joblib's loky backend, whose workers are
            reused by the next step); ``1`` runs serially in-process.
    """

    horizon: int = 90
    n_origins: int = 8
    backtest_horizon: int = 28
    closed_dates_future: Iterable[DateLike] = ()
    holidays: Iterable[DateLike] = ()
    store_closures: Iterable[DateLike] = ()
    n_jobs: int = 2


DEFAULT_SETTINGS = ForecastSettings()


@dataclass(frozen=True)
class _Config:
    """Run-wide settings as shipped to worker processes (dates as ``datetime64[D]``)."""

    as_of: pd.Timestamp
    horizon: int
    n_origins: int
    backtest_horizon: int
    closed_future: np.ndarray  # datetime64[D]
    holidays: np.ndarray  # datetime64[D]
    store_closures: np.ndarray  # datetime64[D]


@dataclass(frozen=True)
class _Series:
    """One input series: values from ``start`` to as_of, one per day, and the
    series' own known closed dates after as_of."""

    level: str
    series_id: str
    start: pd.Timestamp
    values: np.ndarray
    is_closed: np.ndarray
    closed_future: np.ndarray  # datetime64[D]


@dataclass(frozen=True)
class _ServeTask:
    """A series with the backtest's verdict on it."""

    series: _Series
    chosen: str
    backtested: tuple[str, ...]  # models with backtest results
    n_origins: int

    @property
    def level(self) -> str:
        return self.series.level

    @property
    def series_id(self) -> str:
        return self.series.series_id


@dataclass(frozen=True)
class _Prepared:
    """A series' closed-day mask applied: targets, future dates and their closures."""

    dates: pd.DatetimeIndex
    y: np.ndarray  # NaN on closed days
    future: pd.DatetimeIndex
    future_closed: np.ndarray
    fallback: str  # why only the baseline is tried, '' when all candidates are


@dataclass(frozen=True)
class _Window:
    """Model input: training values (NaN on closed days) and dates to forecast."""

    y: np.ndarray
    dates: pd.DatetimeIndex
    future: pd.DatetimeIndex
    holidays: np.ndarray
    store_closures: np.ndarray


@dataclass
class _Prediction:
    """Point forecast and interval bounds (1-D per window, 2-D when stacked)."""

    forecast: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray

    def arrays(self) -> list[np.ndarray]:
        """Arrays in ``_INTERVAL_COLUMNS`` order."""
        return [self.forecast, self.lower_80, self.upper_80, self.lower_95, self.upper_95]


@dataclass
class _ServeOutput:
    """Per-series forecast frame and notes returned by workers."""

    forecasts: pd.DataFrame
    notes: dict[str, object]


# --------------------------------------------------------------------------- public API


def forecast_all(
    series: pd.DataFrame,
    as_of_date: DateLike,
    settings: ForecastSettings = DEFAULT_SETTINGS,
) -> ForecastResult:
    """Backtest candidate models per series and forecast ``settings.horizon`` days ahead.

    :func:`backtest_all` followed by :func:`serve_all`.

    Args:
        series: long frame with columns ``series_level``, ``series_id``,
            ``date`` (daily, contiguous per series up to ``as_of_date``),
            ``value`` (float) and ``is_closed`` (bool). Rows after
            ``as_of_date`` are optional: their value is ignored and
            ``is_closed`` marks known future closures of that series.
        as_of_date: last day with actuals; forecasts start the day after.
        settings: horizons, origins, calendars and workers.

    Returns:
        :class:`ForecastResult` with ``forecasts``, ``accuracy`` and ``notes``.

    Raises:
        ValueError: on missing columns, a non-daily/non-contiguous series, a
            series not ending on ``as_of_date``, or non-positive horizons.
    """
    return serve_all(series, as_of_date, backtest_all(series, as_of_date, settings), settings)


def backtest_all(
    series: pd.DataFrame,
    as_of_date: DateLike,
    settings: ForecastSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Rolling-origin backtest of every candidate model of every series.

    Short or sparse series (see :func:`serve_all`) are backtested with the
    baseline only; series without any origin get no rows.

    Args:
        series, as_of_date, settings: as in :func:`forecast_all`.

    Returns:
        One row per series x model x horizon bucket (``ACCURACY_COLUMNS``),
        scored on open days; ``is_chosen`` flags each series' model with the
        lowest MAE over all backtest points (ties go to the baseline). A
        candidate that fails to fit at any origin has no rows.

    Raises:
        ValueError: as :func:`forecast_all`.
    """
    cfg = _config(as_of_date, settings)
    unique, twins = _dedupe(_split_series(series, cfg.as_of), key=_series_key)
    outputs = _run_all(_backtest_chunk, unique, cfg, settings.n_jobs, size=lambda s: len(s.values))
    outputs += [
        frame.assign(series_level=level, series_id=series_id)
        for frame in outputs
        if not frame.empty
        for level, series_id in twins[(frame["series_level"].iloc[0], frame["series_id"].iloc[0])]
    ]
    accuracy = _concat(outputs, ACCURACY_COLUMNS)
    return accuracy.sort_values(["series_level", "series_id", "model_name"], kind="stable", ignore_index=True)


def serve_all(
    series: pd.DataFrame,
    as_of_date: DateLike,
    accuracy: pd.DataFrame,
    settings: ForecastSettings = DEFAULT_SETTINGS,
) -> ForecastResult:
    """Refit each series' chosen model on its full history and forecast.

    The model is the one :func:`backtest_all` flagged ``is_chosen`` for the
    series. Series with less than ``MIN_TRAIN_DAYS + backtest_horizon`` days
    (short) or with more than ``SPARSE_ZERO_SHARE`` zero open days (sparse)
    are served the baseline, as are series absent from ``accuracy``, and the
    note says why. A chosen model that fails on the full history is replaced
    by the baseline, again with a note.

    Args:
        series, as_of_date, settings: as in :func:`forecast_all`.
        accuracy: the output of :func:`backtest_all` for the same series.

    Returns:
        :class:`ForecastResult`; its ``accuracy`` is a copy of ``accuracy``
        with ``is_chosen`` flagging the model actually served.

    Raises:
        ValueError: as :func:`forecast_all`.
    """
    cfg = _config(as_of_date, settings)
    unique, twins = _dedupe(
        _serve_tasks(_split_series(series, cfg.as_of), accuracy),
        key=lambda t: (_series_key(t.series), t.chosen, t.backtested, t.n_origins),
    )
    outputs = _run_all(_serve_chunk, unique, cfg, settings.n_jobs, size=lambda t: len(t.series.values))
    outputs += [
        _ServeOutput(
            forecasts=o.forecasts.assign(series_level=level, series_id=series_id),
            notes={**o.notes, "series_level": level, "series_id": series_id},
        )
        for o in outputs
        for level, series_id in twins[(o.notes["series_level"], o.notes["series_id"])]
    ]
    keys = ["series_level", "series_id"]
    forecasts = _concat([o.forecasts for o in outputs], FORECAST_COLUMNS)
    notes = pd.DataFrame([o.notes for o in outputs], columns=NOTES_COLUMNS)
    served = notes.set_index(keys)["served_model"]
    accuracy = accuracy.copy()
    if not accuracy.empty:
        accuracy["is_chosen"] = (
            accuracy["model_name"].to_numpy()
            == served.reindex(pd.MultiIndex.from_frame(accuracy[keys])).to_numpy()
        )
    return ForecastResult(
        forecasts=forecasts.sort_values([*keys, "forecast_date"], ignore_index=True),
        accuracy=accuracy.sort_values([*keys, "model_name"], kind="stable", ignore_index=True),
        notes=notes.sort_values(keys, ignore_index=True),
    )


def backtest_origins(
    series_start: str | date | pd.Timestamp,
    as_of_date: str | date | pd.Timestamp,
    n_origins: int,
    backtest_horizon: int,
    min_train_days: int = MIN_TRAIN_DAYS,
) -> list[pd.Timestamp]:
    """Rolling backtest origins, oldest first.

    The last origin is ``as_of_date - backtest_horizon`` days (so its whole
    window has actuals); earlier ones step back 7 days at a time. Origins
    leaving fewer than ``min_train_days`` days of history (origin included)
    are dropped, so short series get fewer (or no) origins.
    """
    start = pd.Timestamp(series_start).normalize()
    last = pd.Timestamp(as_of_date).normalize() - pd.Timedelta(days=backtest_horizon)
    origins = [last - pd.Timedelta(days=7 * k) for k in range(n_origins)]
    return sorted(o for o in origins if (o - start).days + 1 >= min_train_days)


def reconcile_to_total(forecasts: pd.DataFrame, level: str, total_level: str = TOTAL_LEVEL) -> pd.DataFrame:
    """Proportional top-down reconciliation of one level to the total series.

    For every ``forecast_date`` each member ``i`` of ``level`` gets the
    factor ``total_forecast / sum_j forecast_j``; its forecast and all four
    interval bounds are multiplied by that factor, so members sum exactly to
    the total and interval ordering and non-negativity are preserved. On
    dates where all members forecast 0 but the total does not, the total (and
    its intervals) is split equally among the members that are open (column
    ``is_closed``, when present), or among all members if every one is
    closed, which are then no longer flagged closed. Scaled member intervals
    are a heuristic: they are not exact quantiles of the reconciled members
    and do not add up to the total's intervals.

    Args:
        forecasts: ``ForecastResult.forecasts`` (or any frame with
            ``FORECAST_COLUMNS``; ``is_closed`` optional) holding exactly one
            ``total_level`` series.
        level: the ``series_level`` to reconcile, e.g. ``'category'``.
        total_level: the level holding the single top series.

    Returns:
        A copy of ``forecasts`` with the ``level`` rows reconciled; other
        rows are unchanged.

    Raises:
        ValueError: if there is not exactly one total series, ``level`` is
            the total level, or a member date has no total forecast.
    """
    if level == total_level:
        raise ValueError("level must differ from total_level")
    total = forecasts[forecasts["series_level"] == total_level]
    if total["series_id"].nunique() != 1:
        raise ValueError(f"expected exactly one {total_level!r} series")
    total = total.set_index("forecast_date")[_INTERVAL_COLUMNS]
    is_member = forecasts["series_level"] == level
    members = forecasts.loc[is_member]
    missing = ~members["forecast_date"].isin(total.index)
    if missing.any():
        raise ValueError(f"no {total_level!r} forecast for {members.loc[missing, 'forecast_date'].min()}")

    has_closures = "is_closed" in members.columns
    closed = members["is_closed"].to_numpy(bool) if has_closures else np.zeros(len(members), bool)
    dates = members["forecast_date"]
    member_sum = members.groupby(dates)["forecast"].transform("sum").to_numpy(float)
    n_open = pd.Series(~closed, index=members.index).groupby(dates).transform("sum").to_numpy(float)
    all_closed = n_open == 0
    sharing = ~closed | all_closed  # who takes a share of an equal split
    n_sharing = np.where(all_closed, members.groupby(dates)["forecast"].transform("size"), n_open)
    total_rows = total.loc[dates].to_numpy(float)
    total_forecast = total_rows[:, 0]
    positive = member_sum > 0
    factor = np.divide(total_forecast, member_sum, out=np.zeros_like(member_sum), where=positive)
    scaled = members[_INTERVAL_COLUMNS].to_numpy(float) * factor[:, None]
    equal_split = total_rows / n_sharing[:, None] * sharing[:, None]

    result = forecasts.copy()
    result.loc[is_member, _INTERVAL_COLUMNS] = np.where(positive[:, None], scaled, equal_split)
    if has_closures:
        reopened = ~positive & (total_forecast > 0) & all_closed
        result.loc[is_member, "is_closed"] = closed & ~reopened
    return result


def backtest_table(
    series_daily: pd.DataFrame,
    as_of_date: DateLike,
    settings: ForecastSettings = DEFAULT_SETTINGS,
    holidays: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`backtest_all` on the warehouse's input table (dbt model ``forecast_backtest_results``).

    Args:
        series_daily: rows of ``int_forecast_series_daily``: ``series_level``,
            ``series_id``, ``sales_date``, ``sales_value`` (null after as_of)
            and ``is_closed``; other columns are ignored.
        as_of_date: the warehouse's as-of date.
        settings: as in :func:`forecast_all`; its calendars come from ``holidays``.
        holidays: rows of the ``holidays`` seed (``holiday_date``, and
            ``is_closure`` marking the store closures).

    Returns:
        ``ACCURACY_COLUMNS``, ``is_chosen`` being the backtest's choice, with
        explicit types (also when empty).
    """
    accuracy = backtest_all(_input_frame(series_daily), as_of_date, _with_calendar(settings, holidays))
    return accuracy.astype(_ACCURACY_DTYPES)


def forecast_table(
    series_daily: pd.DataFrame,
    as_of_date: DateLike,
    backtest: pd.DataFrame,
    settings: ForecastSettings = DEFAULT_SETTINGS,
    holidays: pd.DataFrame | None = None,
    reconcile_levels: Sequence[str] = ("region", "store", "category"),
) -> pd.DataFrame:
    """:func:`serve_all` plus reconciliation on the warehouse's tables (dbt model
    ``forecast_served_results``).

    Every level in ``reconcile_levels`` present in the input is reconciled to
    the ``total`` series with :func:`reconcile_to_total`.

    Args:
        series_daily, as_of_date, settings, holidays: as in :func:`backtest_table`.
        backtest: the output of :func:`backtest_table` for the same input.
        reconcile_levels: levels whose members must add up to the total.

    Returns:
        One row per series x forecast date, ``FORECAST_TABLE_COLUMNS``:
        ``base_forecast`` is the model's own point forecast, ``forecast`` and
        the bounds are reconciled where ``is_reconciled``; ``forecast_date`` is
        an Arrow date (a SQL date); the series' notes are repeated on its rows.
    """
    result = serve_all(_input_frame(series_daily), as_of_date, backtest, _with_calendar(settings, holidays))
    forecasts = result.forecasts
    base_forecast = forecasts["forecast"].copy()
    levels = set(forecasts["series_level"])
    reconciled = [lv for lv in reconcile_levels if lv in levels and TOTAL_LEVEL in levels]
    for level in reconciled:
        forecasts = reconcile_to_total(forecasts, level)
    notes = result.notes.drop(columns="served_model").rename(columns={"note": "forecast_note"})
    table = forecasts.assign(
        base_forecast=base_forecast,
        is_reconciled=forecasts["series_level"].isin(reconciled),
    ).merge(notes, on=["series_level", "series_id"], how="left", validate="many_to_one")
    table["forecast_date"] = pd.to_datetime(table["forecast_date"]).dt.date
    return table[FORECAST_TABLE_COLUMNS].astype(_FORECAST_TABLE_DTYPES)


# --------------------------------------------------------------------------- orchestration


def _config(as_of_date: DateLike, settings: ForecastSettings) -> _Config:
    if settings.horizon < 1 or settings.backtest_horizon < 1 or settings.n_origins < 0:
        raise ValueError("horizon and backtest_horizon must be >= 1 and n_origins >= 0")
    return _Config(
        as_of=pd.Timestamp(as_of_date).normalize(),
        horizon=settings.horizon,
        n_origins=settings.n_origins,
        backtest_horizon=settings.backtest_horizon,
        closed_future=_to_days(settings.closed_dates_future),
        holidays=_to_days(settings.holidays),
        store_closures=_to_days(settings.store_closures),
    )


def _to_days(values: Iterable[DateLike] | None) -> np.ndarray:
    """Dates as a sorted unique ``datetime64[D]`` array (empty for ``None`` or none)."""
    values = list(values or ())
    if not values:
        return np.array([], dtype="datetime64[D]")
    return np.unique(pd.to_datetime(values).to_numpy().astype("datetime64[D]"))


def _input_frame(series_daily: pd.DataFrame) -> pd.DataFrame:
    """The warehouse's column names turned into the input frame's."""
    frame = series_daily.rename(columns={"sales_date": "date", "sales_value": "value"})
    return frame.assign(is_closed=frame["is_closed"].fillna(False).astype(bool))


def _with_calendar(settings: ForecastSettings, holidays: pd.DataFrame | None) -> ForecastSettings:
    """``settings`` with the holidays and store closures of the ``holidays`` seed's rows."""
    if holidays is None:
        return settings
    closures = holidays[holidays["is_closure"].fillna(False).astype(bool)]
    return replace(
        settings, holidays=list(holidays["holiday_date"]), store_closures=list(closures["holiday_date"])
    )


def _split_series(frame: pd.DataFrame, as_of: pd.Timestamp) -> list[_Series]:
    """Validate the long input frame and split it into per-series arrays."""
    missing = set(_INPUT_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"series is missing columns: {sorted(missing)}")
    frame = frame[_INPUT_COLUMNS].assign(date=pd.to_datetime(frame["date"]).dt.normalize())
    is_future = frame["date"] > as_of
    closed_future = {
        key: g["date"].to_numpy().astype("datetime64[D]")
        for key, g in frame[is_future & frame["is_closed"].astype(bool)].groupby(
            ["series_level", "series_id"]
        )
    }
    out = []
    for (level, series_id), g in frame[~is_future].groupby(["series_level", "series_id"], sort=True):
        g = g.sort_values("date")
        dates = pd.DatetimeIndex(g["date"])
        if dates[-1] != as_of or (dates[1:] - dates[:-1] != pd.Timedelta(days=1)).any():
            raise ValueError(f"series {level}/{series_id} must be daily and contiguous up to {as_of.date()}")
        out.append(
            _Series(
                level=level,
                series_id=series_id,
                start=dates[0],
                values=g["value"].to_numpy(float),
                is_closed=g["is_closed"].to_numpy(bool),
                closed_future=closed_future.get((level, series_id), np.array([], dtype="datetime64[D]")),
            )
        )
    return out


def _serve_tasks(series: list[_Series], accuracy: pd.DataFrame) -> list[_ServeTask]:
    """Pair each series with its chosen model, backtested models and origin count."""
    by_series = {key: g for key, g in accuracy.groupby(["series_level", "series_id"])}
    tasks = []
    for s in series:
        rows = by_series.get((s.level, s.series_id))
        if rows is None or rows.empty:
            tasks.append(_ServeTask(s, BASELINE_MODEL, (), 0))
            continue
        chosen = rows.loc[rows["is_chosen"].astype(bool), "model_name"]
        tasks.append(
            _ServeTask(
                series=s,
                chosen=chosen.iloc[0] if len(chosen) else BASELINE_MODEL,
                backtested=tuple(sorted(set(rows["model_name"]))),
                n_origins=int(rows["n_origins"].max()),
            )
        )
    return tasks


def _run_all(
    worker: Callable[[Sequence[_Task], _Config], list[_Out]],
    tasks: list[_Task],
    cfg: _Config,
    n_jobs: int,
    size: Callable[[_Task], int],
) -> list[_Out]:
    """Run ``worker`` over every task, serially or in chunks across worker processes.

    joblib's loky backend keeps its workers for the life of the host process, so the
    serving step reuses the backtest's warm workers (each imports statsmodels once).
    Workers are fresh interpreters of the same virtualenv: they import this module from the
    installed package, as the host does.
    """
    if n_jobs <= 1 or len(tasks) <= 1:
        return worker(tasks, cfg)
    chunks = _balanced_chunks(tasks, n_chunks=min(len(tasks), 4 * n_jobs), size=size)
    results = Parallel(n_jobs=n_jobs, backend="loky")(delayed(worker)(chunk, cfg) for chunk in chunks)
    return [out for chunk in results for out in chunk]


def _balanced_chunks(tasks: list[_Task], n_chunks: int, size: Callable[[_Task], int]) -> list[list[_Task]]:
    """Deal tasks, largest first, round-robin into ``n_chunks`` chunks."""
    ordered = sorted(tasks, key=size, reverse=True)
    return [ordered[i::n_chunks] for i in range(n_chunks)]


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Pin BLAS to one thread: the state-space matrices are tiny, so BLAS
    threads only add overhead and oversubscribe the cores the pool uses."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _backtest_chunk(tasks: Sequence[_Series], cfg: _Config) -> list[pd.DataFrame]:
    """Worker entry point: backtest a chunk of series."""
    with _single_threaded_blas():
        return [_backtest_series(s, cfg) for s in tasks]


def _serve_chunk(tasks: Sequence[_ServeTask], cfg: _Config) -> list[_ServeOutput]:
    """Worker entry point: serve a chunk of series."""
    with _single_threaded_blas():
        return [_serve_series(t, cfg) for t in tasks]


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Concatenate non-empty frames, keeping ``columns`` when there are none."""
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _series_key(s: _Series) -> tuple:
    """Identity of a series' data: equal keys give equal backtests and forecasts."""
    return (s.start, s.values.tobytes(), s.is_closed.tobytes(), s.closed_future.tobytes())


def _dedupe(
    items: list[_Task], key: Callable[[_Task], object]
) -> tuple[list[_Task], dict[tuple[str, str], list[tuple[str, str]]]]:
    """One representative per group of items with equal ``key`` (e.g. a region with a
    single store and that store), and the ``(series_level, series_id)`` of the other
    members of each group, keyed by the representative's."""
    representatives, twins, first_of = [], {}, {}
    for item in items:
        k, ident = key(item), (item.level, item.series_id)
        if k in first_of:
            twins[first_of[k]].append(ident)
        else:
            first_of[k] = ident
            twins[ident] = []
            representatives.append(item)
    return representatives, twins


# --------------------------------------------------------------------------- per series


def _prepare(s: _Series, cfg: _Config) -> _Prepared:
    """Apply the closed-day mask and decide whether only the baseline is tried."""
    dates = pd.date_range(s.start, periods=len(s.values), freq="D")
    weekday_closed = _always_closed_weekdays(s.values, s.is_closed, dates.day_of_week.to_numpy())
    closed = s.is_closed | weekday_closed[dates.day_of_week]
    y = np.where(closed, np.nan, s.values)
    future = pd.date_range(cfg.as_of + pd.Timedelta(days=1), periods=cfg.horizon, freq="D")
    future_days = future.to_numpy().astype("datetime64[D]")
    future_closed = (
        np.isin(future_days, cfg.closed_future)
        | np.isin(future_days, s.closed_future)
        | weekday_closed[future.day_of_week]
    )
    return _Prepared(dates, y, future, future_closed, _fallback_reason(y, cfg.backtest_horizon))


def _backtest_series(s: _Series, cfg: _Config) -> pd.DataFrame:
    """Backtest the candidates of one series and flag the lowest-MAE one."""
    p = _prepare(s, cfg)
    candidates = [BASELINE_MODEL] if p.fallback else list(CANDIDATES)
    origins = backtest_origins(s.start, cfg.as_of, cfg.n_origins, cfg.backtest_horizon)
    predictions, actual = _backtest(p.y, p.dates, origins, candidates, cfg)
    chosen = _choose_model(predictions, actual)
    accuracy = _accuracy_table(predictions, actual, cfg.backtest_horizon)
    accuracy.insert(0, "series_level", s.level)
    accuracy.insert(1, "series_id", s.series_id)
    accuracy["is_chosen"] = accuracy["model_name"] == chosen
    return accuracy[ACCURACY_COLUMNS]


def _serve_series(task: _ServeTask, cfg: _Config) -> _ServeOutput:
    """Refit the chosen model of one series on its full history and forecast."""
    s = task.series
    p = _prepare(s, cfg)
    chosen = task.chosen
    if p.fallback:
        chosen, notes = BASELINE_MODEL, [p.fallback]
    elif not task.n_origins:
        chosen, notes = BASELINE_MODEL, ["no backtest results: served baseline"]
    else:
        notes = [f"{m} failed at a backtest origin: excluded" for m in CANDIDATES if m not in task.backtested]
    window = _Window(
        y=p.y, dates=p.dates, future=p.future, holidays=cfg.holidays, store_closures=cfg.store_closures
    )
    try:
        served = _predict(chosen, window, p.future_closed)
    except _FIT_ERRORS as exc:
        notes.append(f"{chosen} failed on full history ({exc}): served baseline")
        chosen = BASELINE_MODEL
        served = _predict(chosen, window, p.future_closed)
    forecasts = pd.DataFrame(
        {
            "series_level": s.level,
            "series_id": s.series_id,
            "forecast_date": p.future,
            "model_name": chosen,
            "is_closed": p.future_closed,
            **dict(zip(_INTERVAL_COLUMNS, served.arrays())),
        }
    )
    return _ServeOutput(
        forecasts=forecasts,
        notes={
            "series_level": s.level,
            "series_id": s.series_id,
            "served_model": chosen,
            "n_history_days": len(s.values),
            "n_origins": task.n_origins,
            "note": "; ".join(notes),
        },
    )


def _always_closed_weekdays(values: np.ndarray, is_closed: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Boolean mask over weekdays 0..6 of weekdays the business never trades.

    A weekday qualifies when at least ``ALWAYS_CLOSED_ZERO_SHARE`` of its
    (not explicitly closed) days are zero over at least
    ``_MIN_OBS_PER_WEEKDAY`` observations, and the other weekdays are not
    sparse themselves (so a slow-moving product is not declared "closed").
    """
    open_days = ~is_closed
    zero = values == 0
    counts = np.bincount(weekday[open_days], minlength=7)
    zeros = np.bincount(weekday[open_days & zero], minlength=7)
    share = np.divide(zeros, counts, out=np.ones(7), where=counts > 0)
    candidate = (counts >= _MIN_OBS_PER_WEEKDAY) & (share >= ALWAYS_CLOSED_ZERO_SHARE)
    others = open_days & ~candidate[weekday]
    if not candidate.any() or not others.any() or zero[others].mean() > SPARSE_ZERO_SHARE:
        return np.zeros(7, dtype=bool)
    return candidate


def _fallback_reason(y: np.ndarray, backtest_horizon: int) -> str:
    """Why a series only gets the baseline (``''`` when it gets all candidates)."""
    min_days = MIN_TRAIN_DAYS + backtest_horizon
    if len(y) < min_days:
        return f"short series ({len(y)} days < {min_days}): served baseline"
    observed = y[np.isfinite(y)]
    zero_share = float(np.mean(observed == 0)) if observed.size else 1.0
    if zero_share > SPARSE_ZERO_SHARE:
        return f"sparse series ({zero_share:.0%} zero open days): served baseline"
    return ""


def _backtest(
    y: np.ndarray,
    dates: pd.DatetimeIndex,
    origins: list[pd.Timestamp],
    candidates: list[str],
    cfg: _Config,
) -> tuple[dict[str, _Prediction], np.ndarray]:
    """Refit every candidate at every origin and forecast ``backtest_horizon`` days.

    Returns stacked predictions per surviving model (shape ``origins x
    backtest_horizon``) and the matching actuals (NaN on closed days). A model
    that fails at some origin is dropped entirely (no predictions).
    """
    h = cfg.backtest_horizon
    if not origins:
        return {}, np.empty((0, h))
    cuts = [(o - dates[0]).days + 1 for o in origins]
    actual = np.array([y[c : c + h] for c in cuts])
    predictions = {}
    for name in candidates:
        try:
            per_origin = [
                _predict(
                    name,
                    _Window(
                        y=y[:c],
                        dates=dates[:c],
                        future=dates[c : c + h],
                        holidays=cfg.holidays,
                        store_closures=cfg.store_closures,
                    ),
                    np.isnan(y[c : c + h]),
                )
                for c in cuts
            ]
        except _FIT_ERRORS:
            continue
        predictions[name] = _Prediction(
            *(np.array(parts) for parts in zip(*(p.arrays() for p in per_origin)))
        )
    return predictions, actual


def _choose_model(predictions: dict[str, _Prediction], actual: np.ndarray) -> str:
    """Model with the lowest backtest MAE over all open held-out days.

    Ties (and series without scoreable backtest points) go to the earliest
    candidate, i.e. the baseline.
    """
    scored = np.isfinite(actual)
    if not scored.any():
        return BASELINE_MODEL
    maes = {name: np.abs(p.forecast[scored] - actual[scored]).mean() for name, p in predictions.items()}
    return min(maes, key=maes.get)


def _predict(name: str, window: _Window, closed: np.ndarray) -> _Prediction:
    """Run candidate ``name`` and make its output a valid served forecast."""
    return _finalize(CANDIDATES[name](window), closed)


def _finalize(pred: _Prediction, closed: np.ndarray) -> _Prediction:
    """Zero closed days, clip at 0 and enforce lower_95 <= lower_80 <= forecast <= upper_80 <= upper_95.

    Raises:
        ValueError: if the model produced non-finite values.
    """
    arrays = pred.arrays()
    if not all(np.isfinite(a).all() for a in arrays):
        raise ValueError("non-finite forecast")
    forecast, lo80, hi80, lo95, hi95 = (np.where(closed, 0.0, np.clip(a, 0.0, None)) for a in arrays)
    lo80 = np.minimum(lo80, forecast)
    hi80 = np.maximum(hi80, forecast)
    return _Prediction(forecast, lo80, hi80, np.minimum(lo95, lo80), np.maximum(hi95, hi80))


# --------------------------------------------------------------------------- accuracy


def _horizon_buckets(backtest_horizon: int) -> list[tuple[str, int, int]]:
    """Buckets ``1-7``, ``8-14``, ``15-<backtest_horizon>`` (truncated) plus ``all``."""
    buckets = [
        (f"{lo}-{min(hi, backtest_horizon)}", lo, min(hi, backtest_horizon))
        for lo, hi in [(1, 7), (8, 14), (15, backtest_horizon)]
        if lo <= backtest_horizon
    ]
    return [*buckets, ("all", 1, backtest_horizon)]


def _ratio(num: float, den: float) -> float:
    """``num / den`` or NaN when the denominator is 0."""
    return num / den if den else math.nan


def _accuracy_table(
    predictions: dict[str, _Prediction], actual: np.ndarray, backtest_horizon: int
) -> pd.DataFrame:
    """Backtest metrics per model and horizon bucket, scored on open days only."""
    columns = [c for c in ACCURACY_COLUMNS if c not in ("series_level", "series_id", "is_chosen")]
    if not predictions:
        return pd.DataFrame(columns=columns)
    steps = np.arange(1, backtest_horizon + 1)
    rows = []
    for label, lo, hi in _horizon_buckets(backtest_horizon):
        in_bucket = np.zeros_like(actual, dtype=bool)
        in_bucket[:, (steps >= lo) & (steps <= hi)] = True
        mask = in_bucket & np.isfinite(actual)
        a = actual[mask]
        baseline_mae = np.abs(predictions[BASELINE_MODEL].forecast[mask] - a).mean() if a.size else math.nan
        for name, p in predictions.items():
            err = p.forecast[mask] - a
            mae = np.abs(err).mean() if a.size else math.nan
            rows.append(
                {
                    "model_name": name,
                    "horizon_bucket": label,
                    "mae": mae,
                    "wape": _ratio(np.abs(err).sum(), np.abs(a).sum()),
                    "mase": _ratio(mae, baseline_mae),
                    "bias": err.mean() if a.size else math.nan,
                    "coverage_80": _coverage(a, p.lower_80[mask], p.upper_80[mask]),
                    "coverage_95": _coverage(a, p.lower_95[mask], p.upper_95[mask]),
                    "n_origins": actual.shape[0],
                    "n_points": int(a.size),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside ``[lower, upper]`` (NaN without points)."""
    return float(np.mean((actual >= lower) & (actual <= upper))) if actual.size else math.nan


# --------------------------------------------------------------------------- models


@contextmanager
def _quiet_fit() -> Iterator[None]:
    """Silence convergence warnings of the short, iteration-capped fits (the
    backtest, not the optimiser, judges the resulting forecasts)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        yield


def _seasonal_naive(w: _Window) -> _Prediction:
    """Same weekday in the most recent open week, with empirical error quantiles."""
    y = w.y
    last_open = np.zeros(7)
    train_weekday = w.dates.day_of_week.to_numpy()
    for d in range(7):
        seen = np.flatnonzero((train_weekday == d) & np.isfinite(y))
        if seen.size:
            last_open[d] = y[seen[-1]]
    point = last_open[w.future.day_of_week]
    weeks_ahead = (np.arange(len(w.future)) // 7) + 1
    quantiles = _lag_error_quantiles(y, int(weeks_ahead.max()))[weeks_ahead - 1]
    bounds = point[:, None] + quantiles
    return _Prediction(point, bounds[:, 1], bounds[:, 2], bounds[:, 0], bounds[:, 3])


def _seasonal_mean(w: _Window) -> _Prediction:
    """Each weekday's mean over its last ``_SEASONAL_MEAN_WEEKS`` open days, with empirical
    intervals: per week ahead ``j``, the 80th and 95th percentiles of the absolute relative
    errors the same mean made ``j`` weeks before every earlier open day of its weekday, on
    either side of the point (a day's spread grows with its level; symmetric, because the
    one-sided quantiles of a short history followed its drift and under-covered on the real
    file). Weeks ahead with fewer than ``_MIN_LAG_ERRORS`` errors take the baseline's bounds
    around this point."""
    y = np.asarray(w.y, dtype=float)
    weekday = w.dates.day_of_week.to_numpy()
    k = _SEASONAL_MEAN_WEEKS
    n_weeks = (len(w.future) - 1) // 7 + 1
    level = np.zeros(7)
    errors: list[list[np.ndarray]] = [[] for _ in range(n_weeks)]
    for day in range(7):
        values = y[(weekday == day) & np.isfinite(y)]
        if values.size:
            level[day] = values[-k:].mean()
        # means[t] = mean of values[t : t + k], the forecast made after values[t + k - 1]
        means = np.convolve(values, np.ones(k) / k, mode="valid") if values.size >= k else np.empty(0)
        for j in range(1, min(n_weeks, means.size - 1) + 1):
            made, actual = means[:-j], values[k - 1 + j :]
            errors[j - 1].append(np.abs(actual[made > 0] / made[made > 0] - 1))
    point = level[w.future.day_of_week]
    baseline = _seasonal_naive(w)
    weeks_ahead = np.arange(len(w.future)) // 7
    bounds = np.empty((len(w.future), len(_QUANTILE_PROBS)))
    for j in range(n_weeks):
        days = weeks_ahead == j
        relative = np.concatenate(errors[j]) if errors[j] else np.empty(0)
        if relative.size >= _MIN_LAG_ERRORS:
            q80, q95 = np.quantile(relative, [0.8, 0.95])
            bounds[days] = point[days, None] * (1 + np.array([-q95, -q80, q80, q95]))
        else:
            baseline_bounds = [baseline.lower_95, baseline.lower_80, baseline.upper_80, baseline.upper_95]
            bounds[days] = (
                np.column_stack([b[days] for b in baseline_bounds]) + (point - baseline.forecast)[days, None]
            )
    return _Prediction(point, bounds[:, 1], bounds[:, 2], bounds[:, 0], bounds[:, 3])


def _lag_error_quantiles(y: np.ndarray, n_weeks: int) -> np.ndarray:
    """Quantiles (``_QUANTILE_PROBS``) of ``y[t] - y[t - 7k]`` for ``k = 1..n_weeks``.

    Lags with fewer than ``_MIN_LAG_ERRORS`` errors reuse the last
    well-populated lag scaled by ``sqrt(k / k_ok)``. If even lag 1 is that
    thin, its errors (or, lacking two of them, deviations from the mean) are
    used as the lag-1 base.
    """
    out = np.zeros((n_weeks, len(_QUANTILE_PROBS)))
    base_k, base_q = 1, _base_error_quantiles(y)
    for k in range(1, n_weeks + 1):
        errors = y[7 * k :] - y[: -7 * k] if len(y) > 7 * k else np.array([])
        errors = errors[np.isfinite(errors)]
        if errors.size >= _MIN_LAG_ERRORS:
            base_k, base_q = k, np.quantile(errors, _QUANTILE_PROBS)
            out[k - 1] = base_q
        else:
            out[k - 1] = base_q * math.sqrt(k / base_k)
    return out


def _base_error_quantiles(y: np.ndarray) -> np.ndarray:
    """Lag-1-week error quantiles for series too short for ``_MIN_LAG_ERRORS``."""
    errors = (y[7:] - y[:-7]) if len(y) > 7 else np.array([])
    errors = errors[np.isfinite(errors)]
    if errors.size < 2:
        observed = y[np.isfinite(y)]
        errors = observed - observed.mean() if observed.size else np.zeros(1)
    return np.quantile(errors, _QUANTILE_PROBS)


def _log_target(y: np.ndarray) -> np.ndarray:
    """``log1p`` of values clipped at 0; NaN (closed days) stay NaN."""
    return np.log1p(np.clip(y, 0.0, None))


def _from_log_gaussian(mean: np.ndarray, variance: np.ndarray) -> _Prediction:
    """Back-transform Gaussian log1p-scale forecasts to median and interval bounds. A bound
    beyond float range becomes inf without a warning: _finalize rejects the candidate."""
    mean = np.asarray(mean, dtype=float)
    sd = np.sqrt(np.clip(np.asarray(variance, dtype=float), 0.0, None))
    with np.errstate(over="ignore"):
        return _Prediction(*(np.expm1(mean + z * sd) for z in (0.0, -_Z80, _Z80, -_Z95, _Z95)))


def fill_closed_days(y: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """Fill closed days (NaN) for fitting models that need every day of the weekly grid.

    A closed day takes the linear interpolation between the same weekday's nearest open
    weeks before and after it (the nearest one's value at either end); a weekday never open
    is interpolated over time between its neighbouring days. Closed days are neither dropped
    (which shifts the weekly cycle) nor zero (which the models would learn as a sales drop);
    their forecasts stay 0 regardless (:func:`_finalize`).
    """
    filled = np.array(y, dtype=float)
    weekday = dates.day_of_week.to_numpy()
    for day in range(7):
        filled[weekday == day] = _interpolate_gaps(filled[weekday == day])
    return np.nan_to_num(_interpolate_gaps(filled), nan=0.0)


def _interpolate_gaps(values: np.ndarray) -> np.ndarray:
    """Linear interpolation over the NaN of ``values`` by position, the nearest value at
    either end; all-NaN input is returned as it is."""
    known = np.isfinite(values)
    if known.all() or not known.any():
        return values
    positions = np.arange(len(values))
    return np.where(known, values, np.interp(positions, positions[known], values[known]))


def _fit_ets(y: np.ndarray, damped_trend: bool):
    """Fit ETS(A,N,A) or ETS(A,Ad,A) with period 7 and heuristic initial states.

    ``ets_weekly`` and ``ets_aicc`` both fit ETS(A,N,A) to the same windows of a series
    (one candidate's origins after the other's): the fits are cached by the values' bytes.
    """
    return _fit_ets_cached(np.ascontiguousarray(y, dtype=float).tobytes(), damped_trend)


@lru_cache(maxsize=4 * DEFAULT_SETTINGS.n_origins)
def _fit_ets_cached(values: bytes, damped_trend: bool):
    model = ETSModel(
        pd.Series(np.frombuffer(values)),
        error="add",
        trend="add" if damped_trend else None,
        damped_trend=damped_trend,
        seasonal="add",
        seasonal_periods=7,
        initialization_method="heuristic",
    )
    return model.fit(disp=False, maxiter=_MAXITER)


def _ets_forecast(fit, n_steps: int) -> _Prediction:
    """An ETS fit's exact Gaussian forecast, back-transformed from the log1p scale."""
    n_obs = int(fit.nobs)
    pred = fit.get_prediction(start=n_obs, end=n_obs + n_steps - 1)
    return _from_log_gaussian(pred.predicted_mean, pred.var_pred_mean)


def _ets_weekly(w: _Window) -> _Prediction:
    """ETS(A,N,A) with period 7 on log1p values, closed days filled."""
    with _quiet_fit():
        fit = _fit_ets(fill_closed_days(_log_target(w.y), w.dates), damped_trend=False)
    return _ets_forecast(fit, len(w.future))


def _ets_aicc(w: _Window) -> _Prediction:
    """ETS on log1p values, closed days filled: of ETS(A,N,A) and ETS(A,Ad,A) the one with
    the lower AICc (an undamped trend was never chosen on the real file and extrapolates
    badly over 90 days)."""
    y = fill_closed_days(_log_target(w.y), w.dates)
    with _quiet_fit():
        fit = min((_fit_ets(y, damped_trend=d) for d in (False, True)), key=lambda f: f.aicc)
    return _ets_forecast(fit, len(w.future))


def _theta(w: _Window) -> _Prediction:
    """The Theta method (statsmodels ``ThetaModel``, theta = 2) on log1p values, closed
    days filled, additively deseasonalised with period 7.

    Deseasonalising here rather than in ``ThetaModel`` keeps the seasonal index for the
    future days at hand. Intervals use the forecast variance of the SES-with-drift form of
    Theta, ``sigma2 * (1 + (h - 1) * alpha**2)``, with ``sigma2`` the in-sample one-step
    SES error variance; ``ThetaModel.prediction_intervals`` grows the variance by
    ``1 + (alpha - 1)**2`` per step instead and covered every backtest day.
    """
    y = fill_closed_days(_log_target(w.y), w.dates)
    seasonal = seasonal_decompose(y, model="additive", period=7).seasonal
    x = y - seasonal
    with _quiet_fit():
        fit = ThetaModel(x, deseasonalize=False).fit()
    alpha = float(fit.params["alpha"])
    steps = np.arange(len(w.future))
    point = fit.forecast(len(w.future)).to_numpy() + seasonal[(len(y) + steps) % 7]
    return _from_log_gaussian(point, _ses_error_variance(x, alpha) * (1 + steps * alpha**2))


def _ses_error_variance(x: np.ndarray, alpha: float) -> float:
    """Mean squared one-step error of simple exponential smoothing started at ``x[0]``
    (``ThetaModel``'s own initialisation)."""
    level, sse = x[0], 0.0
    for value in x[1:]:
        error = value - level
        sse += error * error
        level += alpha * error
    return sse / max(len(x) - 1, 1)


def _calendar_features(
    dates: pd.DatetimeIndex, holidays: np.ndarray, store_closures: np.ndarray, yearly: bool
) -> np.ndarray:
    """Weekday one-hot (7 columns), holiday flag, store-closure flag (disjoint from the
    holiday flag, so the two never duplicate each other) and optional yearly Fourier pairs."""
    days = dates.to_numpy().astype("datetime64[D]")
    is_closure = np.isin(days, store_closures)
    columns = [np.eye(7)[dates.day_of_week.to_numpy()]]
    columns.append((np.isin(days, holidays) & ~is_closure)[:, None].astype(float))
    columns.append(is_closure[:, None].astype(float))
    if yearly:
        angle = 2 * np.pi * dates.day_of_year.to_numpy()[:, None] / 365.25 * np.arange(1, _FOURIER_ORDER + 1)
        columns += [np.sin(angle), np.cos(angle)]
    return np.hstack(columns)


def _regression_calendar(w: _Window) -> _Prediction:
    """Calendar regression with ARIMA(0,1,1) errors on log1p values; closed days missing."""
    y = _log_target(w.y)
    yearly = len(y) >= _YEARLY_MIN_DAYS
    x_train = _calendar_features(w.dates, w.holidays, w.store_closures, yearly)
    x_future = _calendar_features(w.future, w.holidays, w.store_closures, yearly)
    keep = (x_train[np.isfinite(y)] != 0).any(axis=0)  # drop dummies never seen open
    keep[np.argmax(keep[:7])] = False  # reference weekday: the integrated level is the intercept
    with _quiet_fit():
        model = SARIMAX(
            y,
            exog=x_train[:, keep],
            order=(0, 1, 1),
            mle_regression=False,
            concentrate_scale=True,
        )
        # All states approximately diffuse: the default mixed stationary/diffuse
        # initialisation is re-solved on every likelihood call and is ~20x slower.
        model.ssm.initialize_approximate_diffuse()
        # One parameter, the MA coefficient (the scale is concentrated out, the regression
        # coefficients are states): a bounded scalar search over the invertible range needs
        # half the likelihood calls of Powell's method (and ~10x fewer than L-BFGS).
        theta = minimize_scalar(
            lambda value: -model.loglike(np.array([value])),
            bounds=_MA_BOUNDS,
            method="bounded",
            options={"xatol": 1e-3, "maxiter": _MAXITER},
        ).x
        pred = model.filter(np.array([theta]), cov_type="none").get_forecast(
            len(w.future), exog=x_future[:, keep]
        )
    return _from_log_gaussian(pred.predicted_mean, pred.var_pred_mean)


CANDIDATES: dict[str, Callable[[_Window], _Prediction]] = {
    BASELINE_MODEL: _seasonal_naive,
    "ets_weekly": _ets_weekly,
    "regression_calendar": _regression_calendar,
    "theta": _theta,
    "ets_aicc": _ets_aicc,
    "seasonal_mean_6": _seasonal_mean,
}
"""Candidate models in tie-break order (the baseline wins ties)."""
