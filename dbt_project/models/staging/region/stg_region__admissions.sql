-- Admissions as of the cutoff: admitted after the cutoff do not exist; a discharge after the
-- cutoff reads as still admitted (outcomes.md, "cutoff").
with

source as (

    select * from {{ source('region', 'admissions') }}

),

renamed as (

    select
        admission_id,
        person_key,
        region_code,
        department_code,
        admitted_at,
        case
            when cast(discharged_at as date) <= {{ cutoff() }} then discharged_at
        end as discharged_at,
        admission_type,
        admission_type = 'acute' as is_acute,
        involuntary as is_involuntary,
        diagnosis_group

    from source
    where cast(admitted_at as date) <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
