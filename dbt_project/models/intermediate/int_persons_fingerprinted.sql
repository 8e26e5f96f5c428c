{{ config(materialized='table') }}
-- One fingerprint per person over everything the outcomes can see of them at this cutoff (the
-- staging rows, already cut at the cutoff) plus the region coverage start. A nightly build
-- compares it with the previous build's to find the persons whose data changed.
{#- The person-keyed models whose rows the outcomes see (follow-ups reach the person through
    their plan, below). One list: a model added here is fingerprinted and unioned. -#}
{%- set person_keyed = [
    'stg_municipality__enrolments',
    'stg_region__admissions',
    'stg_region__outpatient_contacts',
    'stg_municipality__service_episodes',
    'stg_municipality__action_plans',
    'stg_municipality__surveys',
    'int_attendance_deduplicated_to_person_sessions',
] %}
with

{% for model in person_keyed -%}
{{ model }} as (

    select person_key, {{ row_fingerprint(ref(model)) }} as row_fingerprint
    from {{ ref(model) }}

),

{% endfor -%}
follow_ups as (

    select
        plans.person_key,
        {{ row_fingerprint(ref('stg_municipality__plan_follow_ups'), 'follow_ups.') }} as row_fingerprint
    from {{ ref('stg_municipality__plan_follow_ups') }} as follow_ups
    inner join {{ ref('stg_municipality__action_plans') }} as plans
        on follow_ups.plan_id = plans.plan_id

),

coverage as (

    select * from {{ ref('int_region_coverage_started') }}

),

unioned as (

    {% for model in person_keyed -%}
    select * from {{ model }}
    union all
    {% endfor -%}
    select * from follow_ups

),

final as (

    select
        unioned.person_key,
        {{ person_fingerprint('unioned.row_fingerprint', 'coverage.coverage_start_on') }} as fingerprint

    from unioned
    cross join coverage
    group by unioned.person_key, coverage.coverage_start_on

)

select * from final
