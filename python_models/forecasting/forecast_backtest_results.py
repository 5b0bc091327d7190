"""Rolling-origin backtest of every forecasting candidate on every series (grain: series x
model x horizon bucket). The logic is smartcart_ml.forecasting.backtest_table."""

from smartcart_ml.forecasting import ForecastSettings, backtest_table


def model(dbt, session):
    series_daily = dbt.ref("int_forecast_series_daily").df()
    as_of_date = dbt.ref("int_as_of_date").df()["as_of_date"].iloc[0]
    settings = ForecastSettings(
        n_origins=int(dbt.config.meta_get("forecast_backtest_origins")),
        backtest_horizon=int(dbt.config.meta_get("forecast_backtest_horizon_days")),
        n_jobs=int(dbt.config.meta_get("forecast_n_jobs")),
    )
    return backtest_table(series_daily, as_of_date, settings, holidays=dbt.ref("holidays").df())
