-- The withdrawal list. A withdrawal takes effect whatever withdrawn_on says (extracts.md), so the
-- cutoff does not apply here.
with

source as (

    select * from {{ source('municipality', 'consent_withdrawals') }}

),

final as (

    select
        person_key,
        withdrawn_on

    from source

)

select * from final
