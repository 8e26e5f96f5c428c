-- Enrolments with enrolled_on on or before the cutoff; an ended_on after the cutoff reads as null
-- (outcomes.md, "Cohort").
with

source as (

    select * from {{ source('municipality', 'enrolments') }}

),

renamed as (

    select
        enrolment_id,
        person_key,
        programme,
        municipality_code,
        enrolled_on,
        case when ended_on <= {{ cutoff() }} then ended_on end as ended_on,
        end_reason,
        referral_source,
        birth_year,
        sex

    from source
    where enrolled_on <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
