-- Outpatient contacts on or before the cutoff; emergency-room visits flagged apart.
with

source as (

    select * from {{ source('region', 'outpatient_contacts') }}

),

renamed as (

    select
        contact_id,
        person_key,
        region_code,
        contact_on,
        contact_kind,
        setting,
        setting = 'emergency_room' as is_emergency_room

    from source
    where contact_on <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
