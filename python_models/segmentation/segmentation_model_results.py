"""The fitted model as a table, for the SQL scorer: the same fit as customer_segment_results.

One k-means fit at the chosen k (smartcart_ml.segmentation.fit_segments, deterministic), so the
parameters are exactly those that produced customer_segment_results.
"""

from threadpoolctl import threadpool_limits

from smartcart_ml.segmentation import chosen_k, fit_segments


def model(dbt, session):
    settings = dbt.config.get("meta")
    customers = dbt.ref("int_customer_features_selected").df()
    features = [column for column in customers.columns if column != "customer_id"]
    k, reason = chosen_k(dbt.ref("segmentation_search_results").df())
    with threadpool_limits(1):
        result = fit_segments(customers, features, k, int(settings["segmentation_random_state"]), reason)
    return result.parameters
