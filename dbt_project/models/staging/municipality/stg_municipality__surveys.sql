-- Survey answers on or before the cutoff.
with

source as (

    select * from {{ source('municipality', 'surveys') }}

),

renamed as (

    select
        response_id,
        person_key,
        answered_on,
        instrument,
        score

    from source
    where answered_on <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
