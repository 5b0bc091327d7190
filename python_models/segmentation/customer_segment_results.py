"""Each customer's segment: one k-means fit at the k chosen by segmentation_search_results
(smartcart_ml.segmentation.fit_chosen; the method: doc block segmentation_method)."""

from threadpoolctl import threadpool_limits

from smartcart_ml.segmentation import fit_chosen


def model(dbt, session):
    customers = dbt.ref("int_customer_features_selected").df()
    search = dbt.ref("segmentation_search_results").df()
    with threadpool_limits(1):
        result = fit_chosen(customers, search, int(dbt.config.meta_get("segmentation_random_state")))
    return result.assignments
