-- Well-being outcome per enrolment and instrument (outcomes.md "Well-being outcome"). Baseline:
-- the response nearest to E within [E - 60, E + 30]; follow-up: nearest to E + 180 within
-- [E + 120, E + 270]; ties go to the earlier date, then the lower response_id. A row exists only
-- where at least one of the two measures exists.
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

surveys as (

    select * from {{ ref('stg_municipality__surveys') }}

),

candidates as (

    select
        enrolments.enrolment_id,
        surveys.instrument,
        surveys.score,
        case
            when surveys.answered_on <= {{ add_days('enrolments.enrolled_on', 30) }} then 'baseline'
            else 'follow_up'
        end as measure,
        abs({{ days_between(
            'enrolments.enrolled_on', 'surveys.answered_on'
        ) }}) as days_from_baseline_target,
        abs({{ days_between(
            add_days('enrolments.enrolled_on', 180), 'surveys.answered_on'
        ) }}) as days_from_follow_up_target,
        surveys.answered_on,
        surveys.response_id

    from enrolments
    inner join surveys
        on enrolments.person_key = surveys.person_key
        and (
            (surveys.answered_on >= {{ add_days('enrolments.enrolled_on', -60) }}
                and surveys.answered_on <= {{ add_days('enrolments.enrolled_on', 30) }})
            or (surveys.answered_on >= {{ add_days('enrolments.enrolled_on', 120) }}
                and surveys.answered_on <= {{ add_days('enrolments.enrolled_on', 270) }})
        )

),

ranked as (

    select
        *,
        row_number() over (
            partition by enrolment_id, instrument, measure
            order by
                case
                    when measure = 'baseline' then days_from_baseline_target
                    else days_from_follow_up_target
                end,
                answered_on,
                {{ binary_order('response_id') }}
        ) as nearness_rank

    from candidates

),

chosen as (

    select
        enrolment_id,
        instrument,
        max(case when measure = 'baseline' then score end) as baseline,
        max(case when measure = 'follow_up' then score end) as follow_up

    from ranked
    where nearness_rank = 1
    group by enrolment_id, instrument

),

final as (

    select
        enrolment_id,
        instrument,
        cast(baseline as bigint) as baseline,
        cast(follow_up as bigint) as follow_up,
        cast(follow_up - baseline as bigint) as change

    from chosen
    {{ only_enrolments_to_build('enrolment_id') }}

)

select * from final
