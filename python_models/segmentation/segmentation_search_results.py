"""The expensive step of the segmentation, run once per build.

k-means for every candidate k and the choice of k: among the candidates whose smallest cluster is
large enough, the largest k within a silhouette tolerance of the best whose bootstrap stability is
high enough
(smartcart_ml.segmentation.segment_customers; the method: doc block segmentation_method). The
later models read the decision back from this table and fit once at the chosen k.
"""

from threadpoolctl import threadpool_limits

from smartcart_ml.segmentation import diagnostics_table, feature_columns, segment_customers


def model(dbt, session):
    customers = dbt.ref("int_customer_features_selected").df()
    min_cluster_share = float(dbt.config.meta_get("segmentation_min_cluster_share"))
    k_min = int(dbt.config.meta_get("segmentation_k_min"))
    k_max = int(dbt.config.meta_get("segmentation_k_max"))
    silhouette_tolerance = float(dbt.config.meta_get("segmentation_silhouette_tolerance"))
    min_stability = float(dbt.config.meta_get("segmentation_min_stability"))
    # One BLAS/OpenMP thread: the machine is small and shared; k-means is faster this way.
    with threadpool_limits(1):
        result = segment_customers(
            customers,
            feature_columns(customers),
            k_range=range(k_min, k_max + 1),
            min_cluster_share=min_cluster_share,
            random_state=int(dbt.config.meta_get("segmentation_random_state")),
            n_bootstrap=int(dbt.config.meta_get("segmentation_bootstrap_samples")),
            min_repeat_share=float(dbt.config.meta_get("segmentation_min_repeat_share")),
            sample_size=int(dbt.config.meta_get("segmentation_sample_size")),
            silhouette_tolerance=silhouette_tolerance,
            min_stability=min_stability,
        )
    return diagnostics_table(result, min_cluster_share, silhouette_tolerance, min_stability)
