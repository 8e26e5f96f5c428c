-- The stays behind admission_outcomes, with their dates, so that evaluators can ask time
-- questions ("admissions per quarter"): one row per enrolment, stay and window (pre / post) in
-- which the stay starts or has bed days. Summed per enrolment and window, starts_in_window and
-- bed_days give admission_outcomes' stays_* and bed_days_* (same intermediate model).
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

enrolment_stays as (

    select * from {{ ref('int_stays_joined_to_enrolments') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

-- a stay that starts in pre and runs into post has a row in each window
windows as (

    select
        enrolment_id, stay_id, 'pre' as enrolment_window, starts_pre as starts_in_window,
        bed_days_pre as bed_days, is_acute, is_involuntary, started_on, discharged_on
    from enrolment_stays
    where starts_pre or bed_days_pre > 0

    union all

    select
        enrolment_id, stay_id, 'post' as enrolment_window, starts_post as starts_in_window,
        bed_days_post as bed_days, is_acute, is_involuntary, started_on, discharged_on
    from enrolment_stays
    where starts_post or bed_days_post > 0

),

final as (

    select
        windows.enrolment_id,
        enrolments.person_key,
        windows.stay_id,
        windows.enrolment_window,
        windows.started_on,
        windows.discharged_on,
        windows.starts_in_window,
        cast(windows.bed_days as bigint) as bed_days,
        windows.is_involuntary,
        windows.is_acute

    from windows
    inner join enrolments
        on windows.enrolment_id = enrolments.enrolment_id
    {{ only_enrolments_to_build('windows.enrolment_id') }}

)

select * from final
