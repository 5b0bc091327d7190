"""The fitted model as a table, for the SQL scorer: the fit of customer_segment_results again
(smartcart_ml.segmentation.fit_chosen is deterministic, so the parameters are exactly those that
produced its labels)."""

from threadpoolctl import threadpool_limits

from smartcart_ml.segmentation import fit_chosen


def model(dbt, session):
    customers = dbt.ref("int_customer_features_selected").df()
    search = dbt.ref("segmentation_search_results").df()
    with threadpool_limits(1):
        result = fit_chosen(customers, search, int(dbt.config.meta_get("segmentation_random_state")))
    return result.parameters
