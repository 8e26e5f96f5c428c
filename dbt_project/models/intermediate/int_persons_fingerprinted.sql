{{ config(materialized='table') }}
-- One fingerprint per person over everything the outcomes can see of them at this cutoff (the
-- staging rows, already cut at the cutoff) plus the region coverage start. A nightly build
-- compares it with the previous build's to find the persons whose data changed.
with

enrolments as (

    select person_key, {{ row_fingerprint(ref('stg_municipality__enrolments')) }} as row_fingerprint
    from {{ ref('stg_municipality__enrolments') }}

),

admissions as (

    select person_key, {{ row_fingerprint(ref('stg_region__admissions')) }} as row_fingerprint
    from {{ ref('stg_region__admissions') }}

),

contacts as (

    select person_key, {{ row_fingerprint(ref('stg_region__outpatient_contacts')) }} as row_fingerprint
    from {{ ref('stg_region__outpatient_contacts') }}

),

episodes as (

    select person_key, {{ row_fingerprint(ref('stg_municipality__service_episodes')) }} as row_fingerprint
    from {{ ref('stg_municipality__service_episodes') }}

),

plans as (

    select person_key, {{ row_fingerprint(ref('stg_municipality__action_plans')) }} as row_fingerprint
    from {{ ref('stg_municipality__action_plans') }}

),

follow_ups as (

    select
        plans.person_key,
        {{ row_fingerprint(ref('stg_municipality__plan_follow_ups'), 'follow_ups.') }} as row_fingerprint
    from {{ ref('stg_municipality__plan_follow_ups') }} as follow_ups
    inner join {{ ref('stg_municipality__action_plans') }} as plans
        on follow_ups.plan_id = plans.plan_id

),

surveys as (

    select person_key, {{ row_fingerprint(ref('stg_municipality__surveys')) }} as row_fingerprint
    from {{ ref('stg_municipality__surveys') }}

),

person_sessions as (

    select
        person_key,
        {{ row_fingerprint(ref('int_attendance_deduplicated_to_person_sessions')) }} as row_fingerprint
    from {{ ref('int_attendance_deduplicated_to_person_sessions') }}

),

coverage as (

    select * from {{ ref('int_region_coverage_started') }}

),

unioned as (

    select * from enrolments
    union all select * from admissions
    union all select * from contacts
    union all select * from episodes
    union all select * from plans
    union all select * from follow_ups
    union all select * from surveys
    union all select * from person_sessions

),

final as (

    select
        unioned.person_key,
        {{ dbt.hash(
            "coalesce(cast(coverage.coverage_start_on as " ~ dbt.type_string() ~ "), '~') || '|' || "
            ~ dbt.listagg('unioned.row_fingerprint', "'|'", 'order by unioned.row_fingerprint')
        ) }} as fingerprint

    from unioned
    cross join coverage
    group by unioned.person_key, coverage.coverage_start_on

)

select * from final
