-- NGO sessions held on or before the cutoff.
with

source as (

    select * from {{ source('ngo', 'sessions') }}

),

renamed as (

    select
        session_id,
        ngo_id,
        activity,
        site,
        held_on,
        programme

    from source
    where held_on <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
