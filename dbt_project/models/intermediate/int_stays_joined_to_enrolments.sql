-- Each stay of the enrolled person, seen from one enrolment's windows (outcomes.md "Psychiatric
-- stays"): whether it starts in pre / post (the date of its start lies in the window), its bed
-- days in each window, and whether it is discharged in the post window (closed stays only).
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}

),

stays as (

    select * from {{ ref('int_admissions_merged_to_stays') }}

),

joined as (

    select
        enrolments.enrolment_id,
        enrolments.pre_start_on,
        enrolments.post_start_on,
        enrolments.post_end_on,
        stays.stay_id,
        stays.is_acute,
        stays.is_involuntary,
        stays.started_on,
        stays.discharged_on,
        -- bed days in [a, b): dates D from max(a, start + 1) to min(b - 1, last bed day)
        greatest(
            least({{ add_days('enrolments.post_start_on', -1) }}, stays.last_bed_day_on)
            , {{ add_days('greatest(enrolments.pre_start_on, stays.first_bed_day_on)', -1) }}
        ) as pre_last_counted_on,
        greatest(enrolments.pre_start_on, stays.first_bed_day_on) as pre_first_counted_on,
        greatest(
            least({{ add_days('enrolments.post_end_on', -1) }}, stays.last_bed_day_on)
            , {{ add_days('greatest(enrolments.post_start_on, stays.first_bed_day_on)', -1) }}
        ) as post_last_counted_on,
        greatest(enrolments.post_start_on, stays.first_bed_day_on) as post_first_counted_on

    from enrolments
    inner join stays
        on enrolments.person_key = stays.person_key

),

final as (

    select
        enrolment_id,
        stay_id,
        is_acute,
        is_involuntary,
        started_on,
        discharged_on,
        started_on >= pre_start_on and started_on < post_start_on as starts_pre,
        started_on >= post_start_on and started_on < post_end_on as starts_post,
        {{ days_between('pre_first_counted_on', 'pre_last_counted_on') }} + 1 as bed_days_pre,
        {{ days_between('post_first_counted_on', 'post_last_counted_on') }} + 1 as bed_days_post,
        coalesce(
            discharged_on >= post_start_on and discharged_on < post_end_on, false
        ) as is_discharged_post

    from joined

)

select * from final
