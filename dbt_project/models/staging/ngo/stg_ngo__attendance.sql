-- Attendance rows as delivered (anonymous attendees included); dated by their session, so the
-- cutoff applies where they meet stg_ngo__sessions.
with

source as (

    select * from {{ source('ngo', 'attendance') }}

),

renamed as (

    select
        session_id,
        person_key,
        role,
        role = 'volunteer' as is_volunteer,
        arrived_with,
        coalesce(arrived_with = 'own', false) as arrived_own

    from source

),

final as (

    select * from renamed

)

select * from final
