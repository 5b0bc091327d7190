"""Every known customer scored as of as_of_date by the models prediction_backtest_results chose
(grain: customer). The logic is smartcart_ml.predictions.score_customers."""

from threadpoolctl import threadpool_limits

from smartcart_ml.predictions import PredictionSettings, score_customers


def model(dbt, session):
    settings = PredictionSettings(
        churn_window_days=int(dbt.config.meta_get("churn_window_days")),
        value_horizon_days=int(dbt.config.meta_get("prediction_value_horizon_days")),
        sample_customers=int(dbt.config.meta_get("prediction_sample_customers")),
    )
    customer_days = dbt.ref("int_customer_days_aggregated").df()
    customer_ids = dbt.ref("int_customers_rfm_scored").project("customer_id").df()["customer_id"]
    as_of_date = dbt.ref("int_as_of_date").df()["as_of_date"].iloc[0]
    accuracy = dbt.ref("prediction_backtest_results").df()
    season = dbt.ref("int_prediction_seasons_compared").df()["season_factor"].iloc[0]
    with threadpool_limits(1):
        predictions = score_customers(
            customer_days,
            customer_ids,
            as_of_date,
            accuracy,
            None if season is None else float(season),
            settings,
        )
    return predictions
