"""Each customer's segment: one k-means fit at the k chosen by segmentation_search_results.

smartcart_ml.segmentation.fit_segments gives exactly the labels segment_customers gave at that k,
without searching again.
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
    return result.assignments
