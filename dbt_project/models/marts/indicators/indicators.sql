-- Every indicator of outcomes.md "Indicators", per period, programme and municipality, with the
-- `all` totals, BEFORE disclosure control (evaluators only; publishing/ controls it on the way
-- out). The ids, their meaning, titles and units live in publishing/catalogue.yaml, the one place
-- they are listed: sammen hands its ids to every dbt run as var('indicators') (transform.runner),
-- and this model computes exactly those. Below is each id's recipe; the model refuses to compile
-- when the catalogue lists an id without a recipe here or a recipe's id is not in the catalogue.
-- Without the var (dbt run by hand, outside sammen) every recipe is built.
--
-- Totals come from grouping sets over the records, never from summing cells: a person in two
-- municipalities counts once in `all`. var('indicator_ids') narrows the output for unit tests.

{%- set cohort_indicators = [
    {'id': 'cohort_size', 'population': 'true', 'numerator': '1', 'denominator': none},
    {'id': 'stay_rate_pre', 'population': 'full_window', 'numerator': 'stays_pre'},
    {'id': 'stay_rate_post', 'population': 'full_window', 'numerator': 'stays_post'},
    {'id': 'bed_day_rate_pre', 'population': 'full_window', 'numerator': 'bed_days_pre'},
    {'id': 'bed_day_rate_post', 'population': 'full_window', 'numerator': 'bed_days_post'},
    {'id': 'involuntary_share_pre', 'population': 'full_window', 'numerator': 'involuntary_pre'},
    {'id': 'involuntary_share_post', 'population': 'full_window', 'numerator': 'involuntary_post'},
    {'id': 'readmission_30d_share', 'numerator': 'readmissions_30d',
     'denominator': 'discharges_post_30d', 'persons': 'discharges_post_30d > 0'},
    {'id': 'followed_psychiatry_7d_share', 'numerator': 'discharges_followed_psychiatry_7d',
     'denominator': 'discharges_post_7d', 'persons': 'discharges_post_7d > 0'},
    {'id': 'followed_cross_sector_7d_share', 'numerator': 'discharges_followed_cross_sector_7d',
     'denominator': 'discharges_post_7d', 'persons': 'discharges_post_7d > 0'},
    {'id': 'follow_up_on_time_share', 'numerator': 'follow_ups_on_time',
     'denominator': 'follow_ups_due', 'persons': 'follow_ups_due > 0'},
    {'id': 'retained_3m_share', 'numerator': 'retained_3m', 'window_days': retention_window_end(3)},
    {'id': 'retained_6m_share', 'numerator': 'retained_6m', 'window_days': retention_window_end(6)},
    {'id': 'retained_12m_share', 'numerator': 'retained_12m', 'window_days': retention_window_end(12)},
    {'id': 'volunteer_share', 'numerator': 'became_volunteer'},
    {'id': 'action_plan_share', 'numerator': 'has_action_plan'},
    {'id': 'arrived_own_share', 'population': 'attendances >= 4', 'numerator': 'arrived_own_ever'},
    {'id': 'swemwbs_change_mean', 'population': 'swemwbs_change is not null',
     'numerator': 'swemwbs_change'},
    {'id': 'ucla3_change_mean', 'population': 'ucla3_change is not null',
     'numerator': 'ucla3_change'},
    {'id': 'coherence_change_mean', 'population': 'coherence_change is not null',
     'numerator': 'coherence_change'},
] -%}
{%- set activity_indicators = ['new_enrolments', 'active_participants', 'attendances', 'sessions_held'] -%}
{%- set catalogue = var('indicators', none) -%}
{%- if catalogue is not none and execute -%}
    {%- set recipes = activity_indicators + cohort_indicators | map(attribute='id') | list -%}
    {%- set without_recipe = catalogue | reject('in', recipes) | list -%}
    {%- set not_catalogued = recipes | reject('in', catalogue) | list -%}
    {%- if without_recipe or not_catalogued -%}
        {{ exceptions.raise_compiler_error(
            "marts.indicators and publishing/catalogue.yaml differ: no recipe for "
            ~ (without_recipe | join(', ') or 'none') ~ "; not in the catalogue: "
            ~ (not_catalogued | join(', ') or 'none')) }}
    {%- endif -%}
{%- endif -%}
{%- set wanted = var('indicator_ids', catalogue) -%}
{%- set selects = [] -%}

{%- set full_grain -%}
    grouping sets (
        (period, programme, municipality), (period, programme), (period, municipality), (period)
    )
{%- endset -%}
{%- set programme_grain -%}
    grouping sets ((period, programme), (period))
{%- endset -%}
{%- set all_when_grouped -%}
    case when grouping(programme) = 1 then 'all' else programme end as programme,
    case when grouping(municipality) = 1 then 'all' else municipality end as municipality
{%- endset %}

with

cohort as (

    select * from {{ ref('cohort') }}

),

admission_outcomes as (

    select * from {{ ref('admission_outcomes') }}

),

participation_outcomes as (

    select * from {{ ref('participation_outcomes') }}

),

coherence_outcomes as (

    select * from {{ ref('coherence_outcomes') }}

),

wellbeing_outcomes as (

    select * from {{ ref('wellbeing_outcomes') }}

),

sessions as (

    -- held on or before the cutoff (filtered again here: nothing after the cutoff exists)
    select * from {{ ref('stg_ngo__sessions') }}
    where held_on <= {{ cutoff() }}

),

attendance as (

    select * from {{ ref('stg_ngo__attendance') }}

),

changes as (

    select
        enrolment_id,
        max(case when instrument = 'swemwbs' then change end) as swemwbs_change,
        max(case when instrument = 'ucla3' then change end) as ucla3_change,
        max(case when instrument = 'coherence' then change end) as coherence_change

    from wellbeing_outcomes
    group by enrolment_id

),

-- One row per enrolment: its cells and every measure an indicator sums. A boolean becomes 0/1;
-- a missing outcome row reads as no events (the outcome marts have a row per enrolment anyway).
enrolments as (

    select
        cohort.person_key,
        cohort.programme,
        cast(cohort.municipality_code as varchar) as municipality,
        cohort.enrolled_on,
        cast(cast(extract(year from cohort.enrolled_on) as integer) as varchar) as period,
        coalesce(cohort.pre_complete, false) and cohort.post_days = {{ outcome_window_days() }} as full_window,
        coalesce(admission_outcomes.stays_pre, 0) as stays_pre,
        coalesce(admission_outcomes.stays_post, 0) as stays_post,
        coalesce(admission_outcomes.bed_days_pre, 0) as bed_days_pre,
        coalesce(admission_outcomes.bed_days_post, 0) as bed_days_post,
        case when admission_outcomes.involuntary_stays_pre > 0 then 1 else 0 end as involuntary_pre,
        case when admission_outcomes.involuntary_stays_post > 0 then 1 else 0 end as involuntary_post,
        coalesce(admission_outcomes.discharges_post_30d, 0) as discharges_post_30d,
        coalesce(admission_outcomes.readmissions_30d, 0) as readmissions_30d,
        coalesce(coherence_outcomes.discharges_post_7d, 0) as discharges_post_7d,
        coalesce(coherence_outcomes.discharges_followed_psychiatry_7d, 0)
            as discharges_followed_psychiatry_7d,
        coalesce(coherence_outcomes.discharges_followed_cross_sector_7d, 0)
            as discharges_followed_cross_sector_7d,
        coalesce(coherence_outcomes.follow_ups_due, 0) as follow_ups_due,
        coalesce(coherence_outcomes.follow_ups_on_time, 0) as follow_ups_on_time,
        case when coherence_outcomes.has_action_plan then 1 else 0 end as has_action_plan,
        case when participation_outcomes.retained_3m then 1 else 0 end as retained_3m,
        case when participation_outcomes.retained_6m then 1 else 0 end as retained_6m,
        case when participation_outcomes.retained_12m then 1 else 0 end as retained_12m,
        case when participation_outcomes.became_volunteer then 1 else 0 end as became_volunteer,
        case when participation_outcomes.arrived_own_ever then 1 else 0 end as arrived_own_ever,
        coalesce(participation_outcomes.attendances, 0) as attendances,
        changes.swemwbs_change,
        changes.ucla3_change,
        changes.coherence_change

    from cohort
    left join admission_outcomes on cohort.enrolment_id = admission_outcomes.enrolment_id
    left join participation_outcomes on cohort.enrolment_id = participation_outcomes.enrolment_id
    left join coherence_outcomes on cohort.enrolment_id = coherence_outcomes.enrolment_id
    left join changes on cohort.enrolment_id = changes.enrolment_id

),

attended_sessions as (

    select
        attendance.person_key,
        sessions.session_id,
        sessions.programme,
        sessions.held_on,
        cast(cast(extract(year from sessions.held_on) as integer) as varchar) || '-Q'
        || cast(cast(extract(quarter from sessions.held_on) as integer) as varchar) as period

    from attendance
    inner join sessions on attendance.session_id = sessions.session_id

),

-- An attendance counts under every programme and municipality of the person's enrolments
-- active on the session day (an open enrolment is active up to the cutoff).
participants as (

    select distinct
        attended_sessions.period,
        attended_sessions.person_key,
        cohort.programme,
        cast(cohort.municipality_code as varchar) as municipality

    from attended_sessions
    inner join cohort
        on attended_sessions.person_key = cohort.person_key
        and cohort.enrolled_on <= attended_sessions.held_on
        and attended_sessions.held_on <= coalesce(cohort.ended_on, {{ cutoff() }})

),

quarters as (

    select
        session_id,
        programme,
        cast(cast(extract(year from held_on) as integer) as varchar) || '-Q'
        || cast(cast(extract(quarter from held_on) as integer) as varchar) as period

    from sessions

),

{% if wanted is none or 'new_enrolments' in wanted -%}
{%- set _ = selects.append('new_enrolments') -%}
new_enrolments as (

    select
        'new_enrolments' as indicator_id,
        period,
        {{ all_when_grouped }},
        count(*) as numerator,
        cast(null as bigint) as denominator,
        count(distinct person_key) as n_persons

    from (
        select
            person_key,
            programme,
            municipality,
            cast(cast(extract(year from enrolled_on) as integer) as varchar) || '-Q'
            || cast(cast(extract(quarter from enrolled_on) as integer) as varchar) as period
        from enrolments
    ) as enrolment_quarters
    group by {{ full_grain }}

),
{%- endif %}

{% if wanted is none or 'active_participants' in wanted -%}
{%- set _ = selects.append('active_participants') -%}
active_participants as (

    select
        'active_participants' as indicator_id,
        period,
        {{ all_when_grouped }},
        count(distinct person_key) as numerator,
        cast(null as bigint) as denominator,
        count(distinct person_key) as n_persons

    from participants
    group by {{ full_grain }}

),
{%- endif %}

{#- Activity counts, one row per attendance (anonymous included) or per session held; under the
    session's programme and `all` only. A session without a programme counts under `all` only
    (the having clause drops its null group). #}
{% for indicator_id, activity in [('attendances', 'attended_sessions'), ('sessions_held', 'quarters')]
   if wanted is none or indicator_id in wanted -%}
{%- set _ = selects.append(indicator_id) -%}
{{ indicator_id }} as (

    select
        '{{ indicator_id }}' as indicator_id,
        period,
        case when grouping(programme) = 1 then 'all' else programme end as programme,
        'all' as municipality,
        count(*) as numerator,
        cast(null as bigint) as denominator,
        cast(null as bigint) as n_persons

    from {{ activity }}
    group by {{ programme_grain }}
    having grouping(programme) = 1 or programme is not null

),
{% endfor %}
{#- The cohort indicators in one pass over the enrolments: every indicator's sums and distinct
    persons are aggregates of the same grouping sets (at national scale 24 separate passes, each
    with its own distinct count, were a third of a nightly build). Each indicator's rows are then
    read out of those cells; a retention indicator keeps only the years in which every window has
    closed (31 December + 30N <= cutoff + 1), a condition on the period alone. -#}
{%- set cohort_wanted = cohort_indicators | selectattr('id', 'in', wanted) | list
    if wanted is not none else cohort_indicators -%}
{% if cohort_wanted -%}
cohort_cells as (

    select
        period,
        {{ all_when_grouped }},
        {%- for indicator in cohort_wanted %}
        {%- set population = indicator.get('population', 'true') %}
        {%- set denominator = indicator.get('denominator', '1') %}
        {%- set persons = indicator.get('persons', population) %}
        sum(case when {{ population }} then {{ indicator.numerator }} else 0 end) as {{ indicator.id }}__numerator,
        {% if denominator is none -%}
        cast(null as bigint) as {{ indicator.id }}__denominator,
        {%- else -%}
        sum(case when {{ population }} then {{ denominator }} else 0 end) as {{ indicator.id }}__denominator,
        {%- endif %}
        count(distinct case when {{ persons }} then person_key end) as {{ indicator.id }}__n_persons
        {{- "," if not loop.last }}
        {%- endfor %}

    from enrolments
    group by {{ full_grain }}

),
{% endif %}
{% for indicator in cohort_wanted -%}
{%- set _ = selects.append(indicator.id) -%}
{{ indicator.id }} as (

    select
        '{{ indicator.id }}' as indicator_id,
        period,
        programme,
        municipality,
        {{ indicator.id }}__numerator as numerator,
        {{ indicator.id }}__denominator as denominator,
        {{ indicator.id }}__n_persons as n_persons

    from cohort_cells
    {% if indicator.window_days -%}
    where {{ add_days("cast(period || '-12-31' as date)", indicator.window_days) }}
        <= {{ day_after_cutoff() }}
    {%- endif %}

),
{% endfor %}

unioned as (

    {% for name in selects -%}
    select * from {{ name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        cast(indicator_id as varchar) as indicator_id,
        cast(period as varchar) as period,
        cast(programme as varchar) as programme,
        cast(municipality as varchar) as municipality,
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        cast(
            case
                when denominator is null then numerator
                when denominator > 0 then cast(numerator as double precision) / denominator
            end as double precision
        ) as value,
        cast(n_persons as bigint) as n_persons

    from unioned

)

select * from final
