{#- Sales of each category at each discount band (bands of category-days: int_category_days_banded),
    with margins before and after discount and the volume lift over the category's days without
    discount. -#}

with

category_days as (

    select * from {{ ref('int_category_days_banded') }}

),

bands as (

    select
        category,
        discount_band,
        discount_band_order,
        count(*) as category_days,
        sum(units_sold) as units_sold,
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(net_sales) as net_sales,
        {{ sum_if_all_known('cost_amount') }} as cost_amount
    from category_days
    group by category, discount_band, discount_band_order

),

baselines as (

    select
        category,
        {{ ratio('units_sold', 'category_days') }} as baseline_average_daily_units
    from bands
    where discount_band = 'none'

),

final as (

    select
        bands.category,
        bands.discount_band,
        cast(bands.discount_band_order as integer) as discount_band_order,
        cast(bands.category_days as bigint) as category_days,
        cast(bands.units_sold as bigint) as units_sold,
        cast(bands.gross_sales as {{ money_type() }}) as gross_sales,
        cast(bands.discounts as {{ money_type() }}) as discounts,
        cast(bands.net_sales as {{ money_type() }}) as net_sales,
        {{ ratio('bands.net_sales', 'sum(bands.net_sales) over (partition by bands.category)') }}
            as share_of_category_net_sales,
        cast(bands.cost_amount as {{ money_type() }}) as cost_amount,
        cast(bands.gross_sales - bands.cost_amount as {{ money_type() }}) as gross_margin,
        cast(bands.net_sales - bands.cost_amount as {{ money_type() }}) as effective_margin,
        {{ ratio('bands.gross_sales - bands.cost_amount', 'bands.gross_sales') }} as gross_margin_rate,
        {{ ratio('bands.net_sales - bands.cost_amount', 'bands.net_sales') }} as effective_margin_rate,
        {{ ratio('bands.discounts', 'bands.gross_sales') }} as average_discount_depth,
        {{ ratio('bands.units_sold', 'bands.category_days') }} as average_daily_units,
        baselines.baseline_average_daily_units,
        case
            when bands.discount_band != {{ unknown_label() }}
                then {{ ratio(
                    ratio('bands.units_sold', 'bands.category_days'),
                    'baselines.baseline_average_daily_units'
                ) }}
        end as volume_lift
    from bands
    left join baselines
        on bands.category = baselines.category

)

select * from final
