-- Every cross-sector contact of a person as a date range (outcomes.md "Coherence outcome"): a
-- service episode in any municipality, active from started_on to ended_on (an open episode to the
-- cutoff); a follow-up of any of the person's plans, cancelled ones included, on the day it is
-- held; an NGO session the person attends in any role, on the day it is held.
with

episodes as (

    select * from {{ ref('stg_municipality__service_episodes') }}

),

plans as (

    select * from {{ ref('stg_municipality__action_plans') }}

),

follow_ups as (

    select * from {{ ref('stg_municipality__plan_follow_ups') }}

),

person_sessions as (

    select * from {{ ref('int_attendance_deduplicated_to_person_sessions') }}

),

unioned as (

    select
        person_key,
        'service_episode' as contact_source,
        started_on as contact_from_on,
        coalesce(ended_on, {{ cutoff() }}) as contact_to_on
    from episodes

    union all

    select
        plans.person_key,
        'plan_follow_up' as contact_source,
        follow_ups.held_on as contact_from_on,
        follow_ups.held_on as contact_to_on
    from follow_ups
    inner join plans
        on follow_ups.plan_id = plans.plan_id
    where follow_ups.held_on is not null

    union all

    select
        person_key,
        'ngo_session' as contact_source,
        held_on as contact_from_on,
        held_on as contact_to_on
    from person_sessions

),

final as (

    select * from unioned

)

select * from final
