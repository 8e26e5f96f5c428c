-- Coverage start of region (outcomes.md "Run-level terms"): the var region_coverage_start when
-- set, else the earliest admitted_at date or contact_on in the region data. One row; null when
-- region has delivered nothing (then no pre window is complete).
with

admissions as (

    select * from {{ ref('stg_region__admissions') }}

),

contacts as (

    select * from {{ ref('stg_region__outpatient_contacts') }}

),

region_dates as (

    select cast(admitted_at as date) as event_on from admissions
    union all
    select contact_on as event_on from contacts

),

final as (

    select
        {% if var('region_coverage_start') %}
        cast('{{ var("region_coverage_start") }}' as date) as coverage_start_on
        {% else %}
        min(event_on) as coverage_start_on
        {% endif %}

    from region_dates

)

select * from final
