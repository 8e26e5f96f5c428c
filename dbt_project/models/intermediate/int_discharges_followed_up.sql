-- One row per enrolment and stay discharged in its post window, with discharge date D
-- (outcomes.md "Admissions outcome", "Coherence outcome"):
-- readmission when D + 30 <= cutoff and an acute stay of the person starts 1-30 days after D
-- (also after the post window); psychiatric follow-up when D + 7 <= cutoff and a community_team or
-- outpatient_clinic contact falls in [D + 1, D + 7]; cross-sector follow-up when D + 7 <= cutoff
-- and a cross-sector contact touches [D, D + 7]; days from D to the first cross-sector contact in
-- [D, min(D + 90, cutoff)].
with

enrolment_stays as (

    select * from {{ ref('int_stays_joined_to_enrolments') }}

),

enrolments as (

    select * from {{ ref('int_enrolments_windowed') }}

),

stays as (

    select * from {{ ref('int_admissions_merged_to_stays') }}

),

contacts as (

    select * from {{ ref('stg_region__outpatient_contacts') }}

),

cross_sector_contacts as (

    select * from {{ ref('int_cross_sector_contacts_unioned') }}

),

discharges as (

    select
        enrolment_stays.enrolment_id,
        enrolment_stays.stay_id,
        enrolments.person_key,
        enrolment_stays.discharged_on,
        {{ add_days('enrolment_stays.discharged_on', var('readmission_days')) }} <= {{ cutoff() }} as is_counted_30d,
        {{ add_days('enrolment_stays.discharged_on', 7) }} <= {{ cutoff() }} as is_counted_7d

    from enrolment_stays
    inner join enrolments
        on enrolment_stays.enrolment_id = enrolments.enrolment_id
    where enrolment_stays.is_discharged_post

),

readmissions as (

    select
        discharges.enrolment_id,
        discharges.stay_id,
        count(stays.stay_id) > 0 as is_readmitted

    from discharges
    inner join stays
        on discharges.person_key = stays.person_key
        and stays.is_acute
        and stays.started_on >= {{ add_days('discharges.discharged_on', 1) }}
        and stays.started_on <= {{ add_days('discharges.discharged_on', var('readmission_days')) }}
    group by discharges.enrolment_id, discharges.stay_id

),

psychiatry_follow_ups as (

    select
        discharges.enrolment_id,
        discharges.stay_id,
        count(contacts.contact_id) > 0 as is_followed

    from discharges
    inner join contacts
        on discharges.person_key = contacts.person_key
        and not contacts.is_emergency_room
        and contacts.contact_on >= {{ add_days('discharges.discharged_on', 1) }}
        and contacts.contact_on <= {{ add_days('discharges.discharged_on', 7) }}
    group by discharges.enrolment_id, discharges.stay_id

),

first_cross_sector_contacts as (

    select
        discharges.enrolment_id,
        discharges.stay_id,
        min(
            {{ days_between(
                'discharges.discharged_on',
                'greatest(cross_sector_contacts.contact_from_on, discharges.discharged_on)'
            ) }}
        ) as days_to_contact

    from discharges
    inner join cross_sector_contacts
        on discharges.person_key = cross_sector_contacts.person_key
        and cross_sector_contacts.contact_to_on >= discharges.discharged_on
        and cross_sector_contacts.contact_from_on
            <= least({{ add_days('discharges.discharged_on', follow_up_days()) }}, {{ cutoff() }})
    group by discharges.enrolment_id, discharges.stay_id

),

final as (

    select
        discharges.enrolment_id,
        discharges.stay_id,
        discharges.discharged_on,
        discharges.is_counted_30d,
        discharges.is_counted_30d and coalesce(readmissions.is_readmitted, false) as is_readmitted_30d,
        discharges.is_counted_7d,
        discharges.is_counted_7d
            and coalesce(psychiatry_follow_ups.is_followed, false) as is_followed_psychiatry_7d,
        discharges.is_counted_7d
            and coalesce(first_cross_sector_contacts.days_to_contact <= 7, false)
            as is_followed_cross_sector_7d,
        case
            when discharges.is_counted_7d then first_cross_sector_contacts.days_to_contact
        end as days_to_cross_sector

    from discharges
    left join readmissions
        on discharges.enrolment_id = readmissions.enrolment_id
        and discharges.stay_id = readmissions.stay_id
    left join psychiatry_follow_ups
        on discharges.enrolment_id = psychiatry_follow_ups.enrolment_id
        and discharges.stay_id = psychiatry_follow_ups.stay_id
    left join first_cross_sector_contacts
        on discharges.enrolment_id = first_cross_sector_contacts.enrolment_id
        and discharges.stay_id = first_cross_sector_contacts.stay_id

)

select * from final
