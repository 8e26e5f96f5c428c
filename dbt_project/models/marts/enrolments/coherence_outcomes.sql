-- Coherence outcome per enrolment (outcomes.md "Coherence outcome"): the action plan, follow-ups
-- on time, and follow-up after discharge by psychiatry and across sectors.
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

plans as (

    select * from {{ ref('int_action_plans_counted_sectors') }}

),

follow_ups as (

    select * from {{ ref('stg_municipality__plan_follow_ups') }}

),

discharges as (

    select * from {{ ref('int_discharges_followed_up') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

enrolment_plans as (

    -- non-cancelled plans of the person created in [E - 90, min(E + 365, cutoff)]
    select
        enrolments.enrolment_id,
        enrolments.post_start_on,
        enrolments.post_end_on,
        plans.plan_id,
        plans.sector_count

    from enrolments
    inner join plans
        on enrolments.person_key = plans.person_key
        and not plans.is_cancelled
        and plans.created_on >= {{ add_days('enrolments.enrolled_on', -90) }}
        and plans.created_on <= least({{ add_days('enrolments.enrolled_on', outcome_window_days()) }}, {{ cutoff() }})

),

plan_summary as (

    select
        enrolment_id,
        max(sector_count) as plan_sectors

    from enrolment_plans
    group by enrolment_id

),

follow_up_summary as (

    -- due: planned in the post window and on or before cutoff - 7; on time: held by planned + 7
    select
        enrolment_plans.enrolment_id,
        count(*) as follow_ups_due,
        sum(case
            when follow_ups.held_on <= {{ add_days('follow_ups.planned_on', 7) }} then 1 else 0
        end) as follow_ups_on_time

    from enrolment_plans
    inner join follow_ups
        on enrolment_plans.plan_id = follow_ups.plan_id
        and follow_ups.planned_on >= enrolment_plans.post_start_on
        and follow_ups.planned_on < enrolment_plans.post_end_on
        and follow_ups.planned_on <= {{ add_days(cutoff(), -7) }}
    group by enrolment_plans.enrolment_id

),

discharge_summary as (

    select
        enrolment_id,
        sum(case when is_counted_7d then 1 else 0 end) as discharges_post_7d,
        sum(case when is_followed_psychiatry_7d then 1 else 0 end) as discharges_followed_psychiatry_7d,
        sum(case when is_followed_cross_sector_7d then 1 else 0 end) as discharges_followed_cross_sector_7d,
        {{ median('days_to_cross_sector') }} as days_discharge_to_cross_sector

    from discharges
    group by enrolment_id

),

final as (

    select
        enrolments.enrolment_id,
        plan_summary.enrolment_id is not null as has_action_plan,
        cast(plan_summary.plan_sectors as bigint) as plan_sectors,
        cast(coalesce(follow_up_summary.follow_ups_due, 0) as bigint) as follow_ups_due,
        cast(coalesce(follow_up_summary.follow_ups_on_time, 0) as bigint) as follow_ups_on_time,
        cast(coalesce(discharge_summary.discharges_post_7d, 0) as bigint) as discharges_post_7d,
        cast(coalesce(discharge_summary.discharges_followed_psychiatry_7d, 0) as bigint)
            as discharges_followed_psychiatry_7d,
        cast(coalesce(discharge_summary.discharges_followed_cross_sector_7d, 0) as bigint)
            as discharges_followed_cross_sector_7d,
        cast(discharge_summary.days_discharge_to_cross_sector as double precision)
            as days_discharge_to_cross_sector

    from enrolments
    left join plan_summary
        on enrolments.enrolment_id = plan_summary.enrolment_id
    left join follow_up_summary
        on enrolments.enrolment_id = follow_up_summary.enrolment_id
    left join discharge_summary
        on enrolments.enrolment_id = discharge_summary.enrolment_id
    {{ only_enrolments_to_build('enrolments.enrolment_id') }}

)

select * from final
