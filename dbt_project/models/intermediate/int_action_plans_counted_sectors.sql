-- Action plans with the number of distinct sectors they name (outcomes.md "Coherence outcome":
-- plan_sectors). `sectors` is '|'-separated with trimmed, canonical tokens; a repeated token counts
-- once.
with

plans as (

    select * from {{ ref('stg_municipality__action_plans') }}

),

positions as (

    {{ dbt.generate_series(32) }}

),

tokens as (

    select
        plans.plan_id,
        -- split_part(text, delimiter, n) is the same function on DuckDB and PostgreSQL (dbt's
        -- split_part macro needs a literal part number on PostgreSQL)
        split_part(plans.sectors, '|', cast(positions.generated_number as integer)) as sector

    from plans
    cross join positions

),

sector_counts as (

    select
        plan_id,
        count(distinct sector) as sector_count

    from tokens
    where sector <> ''
    group by plan_id

),

final as (

    select
        plans.plan_id,
        plans.person_key,
        plans.created_on,
        plans.is_cancelled,
        coalesce(sector_counts.sector_count, 0) as sector_count

    from plans
    left join sector_counts
        on plans.plan_id = sector_counts.plan_id

)

select * from final
