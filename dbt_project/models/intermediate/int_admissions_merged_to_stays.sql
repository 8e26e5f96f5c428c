{#- A table, not a view: the stays are read by every admission and coherence mart and their
    intermediate models (about six times a build); computed once per build instead (at national
    scale 2.8 M admissions, the largest part of a nightly build's admission marts). -#}
{{ config(materialized='table') }}
-- Admissions merged into stays (outcomes.md "Psychiatric stays"). Ordered by admitted_at, then
-- admission_id, an admission joins the current stay when it starts before, or at most 4 hours
-- after, the latest discharge so far (a transfer); an open admission keeps the stay open, so every
-- later admission joins it. The latest discharge over all earlier admissions of the person is the
-- current stay's end: earlier stays ended more than 4 hours before it began. admission_id breaks
-- ties byte-wise (binary_order), so the first admission of a stay is the same on every target.
with

admissions as (

    select * from {{ ref('stg_region__admissions') }}

),

running as (

    select
        *,
        max(coalesce(discharged_at, cast('9999-12-31 00:00:00' as timestamp))) over (
            partition by person_key
            order by admitted_at, {{ binary_order('admission_id') }}
            rows between unbounded preceding and 1 preceding
        ) as previous_end_at

    from admissions

),

flagged as (

    select
        *,
        case
            when previous_end_at is null then 1
            when {{ dbt.dateadd('hour', -4, 'admitted_at') }} > previous_end_at then 1
            else 0
        end as starts_stay

    from running

),

numbered as (

    select
        *,
        sum(starts_stay) over (
            partition by person_key
            order by admitted_at, {{ binary_order('admission_id') }}
            rows between unbounded preceding and current row
        ) as stay_number

    from flagged

),

stays as (

    select
        person_key,
        stay_number,
        min(admitted_at) as started_at,
        max(discharged_at) as last_discharged_at,
        {{ dbt.bool_or('discharged_at is null') }} as is_open,
        {{ dbt.bool_or('is_involuntary') }} as is_involuntary

    from numbered
    group by person_key, stay_number

),

first_admissions as (

    select
        person_key,
        stay_number,
        admission_id as stay_id,
        is_acute

    from numbered
    where starts_stay = 1

),

final as (

    select
        first_admissions.stay_id,
        stays.person_key,
        stays.started_at,
        case when not stays.is_open then stays.last_discharged_at end as ended_at,
        stays.is_open,
        first_admissions.is_acute,
        stays.is_involuntary,
        cast(stays.started_at as date) as started_on,
        case when not stays.is_open then cast(stays.last_discharged_at as date) end as discharged_on,
        -- bed days are the dates D with start < D 00:00 <= end; an open stay ends cutoff + 1, 00:00
        {{ add_days('cast(stays.started_at as date)', 1) }} as first_bed_day_on,
        case
            when stays.is_open then {{ day_after_cutoff() }}
            else cast(stays.last_discharged_at as date)
        end as last_bed_day_on

    from stays
    inner join first_admissions
        on stays.person_key = first_admissions.person_key
        and stays.stay_number = first_admissions.stay_number

)

select * from final
