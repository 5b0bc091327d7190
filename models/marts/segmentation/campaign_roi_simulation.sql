{#- Every scenario of the campaign_scenarios seed priced from its target segment's own history.
    The arithmetic is the macro campaign_roi_estimates, which marts.campaign_what_if (created by
    this model's post-hook) shares; assumptions in doc campaign_assumptions. -#}
with

campaign_scenarios as (

    select * from {{ ref('campaign_scenarios') }}

),

segment_profiles as (

    select * from {{ ref('segment_profiles') }}

),

customer_segments as (

    select * from {{ ref('customer_segments') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where invoice_type = 'order' and customer_id is not null

),

final as (

    {{ campaign_roi_estimates('campaign_scenarios', 'segment_profiles', 'customer_segments', 'orders') }}

)

select * from final
