{#- Every scenario of the campaign_scenarios seed priced from its targeted customers' own history
    (a segment, optionally narrowed to a churn-risk band and a CLV tier). The arithmetic is the
    macro campaign_roi_estimates, which marts.campaign_what_if (created by this model's post-hook)
    shares; assumptions in doc campaign_assumptions. -#}
with

campaign_scenarios as (

    select * from {{ ref('campaign_scenarios') }}

),

customer_targets as (

    select * from {{ ref('int_customer_targets_joined') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where invoice_type = 'order' and customer_id is not null

),

as_of_date as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    {{ campaign_roi_estimates('campaign_scenarios', 'customer_targets', 'orders', 'as_of_date') }}

)

select * from final
