-- Rule: the SQL scorer marts.customer_segment_for, fed a customer's raw feature values, gives
-- every segmented customer the cluster scikit-learn gave (customer_segments.cluster_id) and the
-- same segment name. Returns the customers where they disagree, and the model's features that
-- this test does not pass to the scorer (a new feature needs adding to the list below).
-- DuckDB-only, like the scorer.
{{ config(enabled=target.type == 'duckdb') }}
{%- set features = [
    'recency_days', 'frequency', 'monetary', 'avg_order_value', 'avg_days_between_orders',
    'return_rate', 'tenure_days', 'age',
] %}
with

customer_features as (

    select * from {{ ref('int_customer_features_selected') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

segmentation_parameters as (

    select * from {{ ref('segmentation_parameters') }}

),

scored as (

    select
        customer_features.customer_id,
        {{ ref('segmentation_parameters').schema }}.customer_segment_for(
            {%- for feature in features %}
                {{ feature }} := customer_features.{{ feature }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) as sql_segment
    from customer_features

),

disagreements as (

    select
        customer_segments.customer_id,
        customer_segments.cluster_id,
        customer_segments.segment_name,
        struct_extract(scored.sql_segment, 'cluster_id') as sql_cluster_id,
        struct_extract(scored.sql_segment, 'segment_name') as sql_segment_name
    from customer_segments
    left join scored
        on customer_segments.customer_id = scored.customer_id

),

passed_features as (

    {%- for feature in features %}
        select '{{ feature }}' as feature
        {%- if not loop.last %}
            union all{% endif %}
    {%- endfor %}

),

features_not_passed as (

    select distinct
        segmentation_parameters.feature as customer_id,
        -1 as cluster_id,
        'feature not passed to the scorer by this test' as segment_name,
        null as sql_cluster_id,
        null as sql_segment_name
    from segmentation_parameters
    left join passed_features
        on segmentation_parameters.feature = passed_features.feature
    where passed_features.feature is null

)

select * from disagreements
where
    sql_cluster_id is null
    or cluster_id != sql_cluster_id
    or segment_name != sql_segment_name
union all
select * from features_not_passed
