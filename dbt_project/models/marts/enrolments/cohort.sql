-- The cohort (outcomes.md "Cohort"): one row per enrolment with enrolled_on <= cutoff.
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

final as (

    select
        enrolment_id,
        person_key,
        programme,
        municipality_code,
        enrolled_on,
        ended_on,
        age_band,
        sex,
        referral_source,
        pre_complete,
        cast(post_days as bigint) as post_days

    from enrolments
    {{ only_enrolments_to_build('enrolment_id') }}

)

select * from final
