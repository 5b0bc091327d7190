"""The expensive step of the segmentation, run once per build.

k-means for every candidate k, the choice of k by silhouette among the candidates whose smallest
cluster is large enough, and the bootstrap stability of the chosen k
(smartcart_ml.segmentation.segment_customers). The later models read the decision back from this
table and fit once at the chosen k.
"""

from threadpoolctl import threadpool_limits

from smartcart_ml.segmentation import diagnostics_table, segment_customers


def model(dbt, session):
    settings = dbt.config.get("meta")
    customers = dbt.ref("int_customer_features_selected").df()
    features = [column for column in customers.columns if column != "customer_id"]
    min_cluster_share = float(settings["segmentation_min_cluster_share"])
    # One BLAS/OpenMP thread: the machine is small and shared; k-means is faster this way.
    with threadpool_limits(1):
        result = segment_customers(
            customers,
            features,
            k_range=range(int(settings["segmentation_k_min"]), int(settings["segmentation_k_max"]) + 1),
            min_cluster_share=min_cluster_share,
            random_state=int(settings["segmentation_random_state"]),
            n_bootstrap=int(settings["segmentation_bootstrap_samples"]),
            min_repeat_share=float(settings["segmentation_min_repeat_share"]),
            sample_size=int(settings["segmentation_sample_size"]),
        )
    return diagnostics_table(result, min_cluster_share)
