-- Service episodes started on or before the cutoff; an end after the cutoff reads as still active.
with

source as (

    select * from {{ source('municipality', 'service_episodes') }}

),

renamed as (

    select
        episode_id,
        person_key,
        municipality_code,
        service,
        started_on,
        case when ended_on <= {{ cutoff() }} then ended_on end as ended_on

    from source
    where started_on <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
