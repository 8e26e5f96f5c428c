-- One row per person and session attended, held on or before the cutoff (outcomes.md
-- "Participation outcome"): two rows of one person at one session are one attendance, volunteer
-- when any row says so, arrived on their own when any row says so. Anonymous rows are left out.
with

attendance as (

    select * from {{ ref('stg_ngo__attendance') }}

),

sessions as (

    select * from {{ ref('stg_ngo__sessions') }}

),

final as (

    select
        attendance.person_key,
        attendance.session_id,
        sessions.held_on,
        {{ dbt.bool_or('attendance.is_volunteer') }} as is_volunteer,
        {{ dbt.bool_or('attendance.arrived_own') }} as arrived_own

    from attendance
    inner join sessions
        on attendance.session_id = sessions.session_id
    where attendance.person_key is not null
    group by attendance.person_key, attendance.session_id, sessions.held_on

)

select * from final
