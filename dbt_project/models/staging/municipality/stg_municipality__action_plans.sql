-- Action plans created on or before the cutoff; status is used as delivered (outcomes.md).
with

source as (

    select * from {{ source('municipality', 'action_plans') }}

),

renamed as (

    select
        plan_id,
        person_key,
        municipality_code,
        created_on,
        sectors,
        status,
        status = 'cancelled' as is_cancelled,
        case when closed_on <= {{ cutoff() }} then closed_on end as closed_on

    from source
    where created_on <= {{ cutoff() }}

),

final as (

    select * from renamed

)

select * from final
