"""The out-of-time backtest of every churn and value candidate, run once per build (grain:
target x model x evaluation bucket). The logic is smartcart_ml.predictions.backtest."""

from threadpoolctl import threadpool_limits

from smartcart_ml.predictions import PredictionSettings, backtest


def model(dbt, session):
    settings = PredictionSettings(
        churn_window_days=int(dbt.config.meta_get("churn_window_days")),
        value_horizon_days=int(dbt.config.meta_get("prediction_value_horizon_days")),
        sample_customers=int(dbt.config.meta_get("prediction_sample_customers")),
    )
    customer_days = dbt.ref("int_customer_days_aggregated").df()
    as_of_date = dbt.ref("int_as_of_date").df()["as_of_date"].iloc[0]
    with threadpool_limits(1):
        accuracy = backtest(customer_days, as_of_date, settings)
    return accuracy
