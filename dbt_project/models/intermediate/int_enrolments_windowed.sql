-- One row per cohort enrolment (outcomes.md "Cohort", "Windows per enrolment"): index date E,
-- age band, the pre window [E - 365, E) and the post window [E, min(E + 365, cutoff + 1)).
with

enrolments as (

    select * from {{ ref('stg_municipality__enrolments') }}

),

withdrawals as (

    select * from {{ ref('stg_municipality__consent_withdrawals') }}

),

coverage as (

    select * from {{ ref('int_region_coverage_started') }}

),

windowed as (

    select
        enrolments.enrolment_id,
        enrolments.person_key,
        enrolments.programme,
        enrolments.municipality_code,
        enrolments.enrolled_on,
        enrolments.ended_on,
        case
            when cast(extract(year from enrolments.enrolled_on) as bigint) - enrolments.birth_year < 30 then '18-29'
            when cast(extract(year from enrolments.enrolled_on) as bigint) - enrolments.birth_year < 45 then '30-44'
            when cast(extract(year from enrolments.enrolled_on) as bigint) - enrolments.birth_year < 65 then '45-64'
            else '65+'
        end as age_band,
        enrolments.sex,
        enrolments.referral_source,
        {{ add_days('enrolments.enrolled_on', -var('window_days')) }} as pre_start_on,
        enrolments.enrolled_on as post_start_on,
        least(
            {{ add_days('enrolments.enrolled_on', var('window_days')) }}, {{ day_after_cutoff() }}
        ) as post_end_on,
        coalesce(
            {{ add_days('enrolments.enrolled_on', -var('window_days')) }} >= coverage.coverage_start_on, false
        ) as pre_complete

    from enrolments
    cross join coverage
    left join withdrawals
        on enrolments.person_key = withdrawals.person_key
    where withdrawals.person_key is null

),

final as (

    select
        *,
        {{ days_between('post_start_on', 'post_end_on') }} as post_days

    from windowed

)

select * from final
