{#- RFM as of as_of_date: the scoring lives in int_customers_rfm_scored (dim_customers and the
    segmentation read it there). -#}
with

rfm_scored as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

final as (

    select * from rfm_scored

)

select * from final
