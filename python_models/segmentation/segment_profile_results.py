"""Segment summaries for business readers (smartcart_ml.segmentation.describe_segments).

No fitting: reads the assignments and parameters the previous models stored.
"""

from smartcart_ml.segmentation import SegmentationResult, chosen_k, describe_segments


def model(dbt, session):
    customers = dbt.ref("int_customer_features_selected").df()
    _, reason = chosen_k(dbt.ref("segmentation_search_results").df())
    result = SegmentationResult(
        assignments=dbt.ref("customer_segment_results").df(),
        diagnostics=dbt.ref("segmentation_search_results").df(),
        parameters=dbt.ref("segmentation_model_results").df(),
        reason=reason,
    )
    return describe_segments(result, customers)
