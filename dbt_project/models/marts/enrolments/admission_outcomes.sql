-- Admissions outcome per enrolment (outcomes.md "Admissions outcome"): stays starting in each
-- window, bed days, ER visits and other outpatient contacts, discharges and 30-day readmissions.
with

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

enrolment_stays as (

    select * from {{ ref('int_stays_joined_to_enrolments') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

discharges as (

    select * from {{ ref('int_discharges_followed_up') }}
    {{ only_enrolments_to_build('enrolment_id') }}

),

contacts as (

    select * from {{ ref('stg_region__outpatient_contacts') }}

),

stay_counts as (

    select
        enrolment_id,
        sum(case when starts_pre then 1 else 0 end) as stays_pre,
        sum(case when starts_post then 1 else 0 end) as stays_post,
        sum(case when starts_pre and is_acute then 1 else 0 end) as acute_stays_pre,
        sum(case when starts_post and is_acute then 1 else 0 end) as acute_stays_post,
        sum(case when starts_pre and is_involuntary then 1 else 0 end) as involuntary_stays_pre,
        sum(case when starts_post and is_involuntary then 1 else 0 end) as involuntary_stays_post,
        sum(bed_days_pre) as bed_days_pre,
        sum(bed_days_post) as bed_days_post

    from enrolment_stays
    group by enrolment_id

),

contact_counts as (

    select
        enrolments.enrolment_id,
        sum(case
            when contacts.is_emergency_room and contacts.contact_on < enrolments.post_start_on then 1
            else 0
        end) as er_visits_pre,
        sum(case
            when contacts.is_emergency_room and contacts.contact_on >= enrolments.post_start_on then 1
            else 0
        end) as er_visits_post,
        sum(case
            when not contacts.is_emergency_room and contacts.contact_on < enrolments.post_start_on then 1
            else 0
        end) as outpatient_contacts_pre,
        sum(case
            when not contacts.is_emergency_room and contacts.contact_on >= enrolments.post_start_on then 1
            else 0
        end) as outpatient_contacts_post

    from enrolments
    inner join contacts
        on enrolments.person_key = contacts.person_key
        and contacts.contact_on >= enrolments.pre_start_on
        and contacts.contact_on < enrolments.post_end_on
    group by enrolments.enrolment_id

),

discharge_counts as (

    select
        enrolment_id,
        sum(case when is_counted_30d then 1 else 0 end) as discharges_post_30d,
        sum(case when is_readmitted_30d then 1 else 0 end) as readmissions_30d

    from discharges
    group by enrolment_id

),

final as (

    select
        enrolments.enrolment_id,
        cast(coalesce(stay_counts.stays_pre, 0) as bigint) as stays_pre,
        cast(coalesce(stay_counts.stays_post, 0) as bigint) as stays_post,
        cast(coalesce(stay_counts.acute_stays_pre, 0) as bigint) as acute_stays_pre,
        cast(coalesce(stay_counts.acute_stays_post, 0) as bigint) as acute_stays_post,
        cast(coalesce(stay_counts.involuntary_stays_pre, 0) as bigint) as involuntary_stays_pre,
        cast(coalesce(stay_counts.involuntary_stays_post, 0) as bigint) as involuntary_stays_post,
        cast(coalesce(stay_counts.bed_days_pre, 0) as bigint) as bed_days_pre,
        cast(coalesce(stay_counts.bed_days_post, 0) as bigint) as bed_days_post,
        cast(coalesce(contact_counts.er_visits_pre, 0) as bigint) as er_visits_pre,
        cast(coalesce(contact_counts.er_visits_post, 0) as bigint) as er_visits_post,
        cast(coalesce(contact_counts.outpatient_contacts_pre, 0) as bigint) as outpatient_contacts_pre,
        cast(coalesce(contact_counts.outpatient_contacts_post, 0) as bigint) as outpatient_contacts_post,
        cast(coalesce(discharge_counts.discharges_post_30d, 0) as bigint) as discharges_post_30d,
        cast(coalesce(discharge_counts.readmissions_30d, 0) as bigint) as readmissions_30d

    from enrolments
    left join stay_counts
        on enrolments.enrolment_id = stay_counts.enrolment_id
    left join contact_counts
        on enrolments.enrolment_id = contact_counts.enrolment_id
    left join discharge_counts
        on enrolments.enrolment_id = discharge_counts.enrolment_id
    {{ only_enrolments_to_build('enrolments.enrolment_id') }}

)

select * from final
