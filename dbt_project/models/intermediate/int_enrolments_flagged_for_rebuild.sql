{{ config(materialized='table') }}
-- Which cohort enrolments a nightly build recomputes (see macros/nightly.sql). Without the var
-- previous_cutoff, or without the previous build's fingerprints, every enrolment. Otherwise an
-- enrolment is kept as built when (1) it is settled: E + settled_after_days() (455, macros/windows.sql)
-- <= previous cutoff, so the cutoff no longer moves any window, null rule or eligibility; and (2) its person's fingerprint (their data as seen
-- at the cutoff, and the coverage start) is unchanged.
{%- set previous = adapter.get_relation(
    database=target.database, schema='intermediate', identifier=previous_fingerprints_name() | trim
) if execute else none %}
{%- set nightly = var('previous_cutoff') and previous is not none %}
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}

),

fingerprints as (

    select * from {{ ref('int_persons_fingerprinted') }}

),

{% if nightly %}
previous_fingerprints as (

    select * from {{ previous }}

),
{% endif %}

final as (

    select
        enrolments.enrolment_id,
        {% if nightly %}
        not (
            {{ add_days('enrolments.enrolled_on', settled_after_days()) }} <= cast('{{ var("previous_cutoff") }}' as date)
            and coalesce(fingerprints.fingerprint = previous_fingerprints.fingerprint, false)
        ) as needs_rebuild
        {% else %}
        true as needs_rebuild
        {% endif %}

    from enrolments
    left join fingerprints
        on enrolments.person_key = fingerprints.person_key
    {% if nightly %}
    left join previous_fingerprints
        on enrolments.person_key = previous_fingerprints.person_key
    {% endif %}

)

select * from final
