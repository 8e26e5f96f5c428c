-- Participation outcome per enrolment (outcomes.md "Participation outcome"): distinct sessions the
-- person attended on or after E (and on or before the cutoff), any role, any programme or none.
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

person_sessions as (

    select * from {{ ref('int_attendance_deduplicated_to_person_sessions') }}

),

attended as (

    select
        enrolments.enrolment_id,
        {{ days_between('enrolments.enrolled_on', 'person_sessions.held_on') }} as day_number,
        person_sessions.session_id,
        person_sessions.held_on,
        person_sessions.is_volunteer,
        person_sessions.arrived_own

    from enrolments
    inner join person_sessions
        on enrolments.person_key = person_sessions.person_key
        and person_sessions.held_on >= enrolments.enrolled_on

),

summarised as (

    select
        enrolment_id,
        min(held_on) as first_attended_on,
        sum(case when day_number < 84 then 1 else 0 end) as sessions_12w,
        {% for months in retention_months() -%}
        {{ dbt.bool_or('day_number >= ' ~ retention_window_start(months)
                       ~ ' and day_number < ' ~ retention_window_end(months)) }} as attended_{{ months }}m_window,
        {% endfor -%}
        {{ dbt.bool_or('is_volunteer') }} as became_volunteer,
        min(case when is_volunteer then held_on end) as first_volunteer_on,
        {{ dbt.bool_or('arrived_own') }} as arrived_own_ever,
        count(*) as attendances

    from attended
    group by enrolment_id

),

final as (

    select
        enrolments.enrolment_id,
        summarised.first_attended_on,
        cast({{ days_between('enrolments.enrolled_on', 'summarised.first_attended_on') }} as bigint)
            as days_to_first_attendance,
        cast(coalesce(summarised.sessions_12w, 0) as bigint) as sessions_12w,
        {% for months in retention_months() %}
        case
            when {{ add_days('enrolments.enrolled_on', retention_window_end(months)) }} > {{ day_after_cutoff() }} then null
            else coalesce(summarised.attended_{{ months }}m_window, false)
        end as retained_{{ months }}m,
        {% endfor %}
        coalesce(summarised.became_volunteer, false) as became_volunteer,
        summarised.first_volunteer_on,
        coalesce(summarised.arrived_own_ever, false) as arrived_own_ever,
        cast(coalesce(summarised.attendances, 0) as bigint) as attendances

    from enrolments
    left join summarised
        on enrolments.enrolment_id = summarised.enrolment_id
    {{ only_enrolments_to_build('enrolments.enrolment_id') }}

)

select * from final
