-- Follow-ups as of the cutoff. A follow-up is dated by planned_on when due and by held_on when
-- held (outcomes.md, "cutoff"): a holding after the cutoff reads as not held, and a follow-up that
-- is neither planned nor held by the cutoff does not exist.
with

source as (

    select * from {{ source('municipality', 'plan_follow_ups') }}

),

renamed as (

    select
        follow_up_id,
        plan_id,
        planned_on,
        case when held_on <= {{ cutoff() }} then held_on end as held_on,
        sectors_present

    from source

),

final as (

    select * from renamed
    where planned_on <= {{ cutoff() }} or held_on is not null

)

select * from final
