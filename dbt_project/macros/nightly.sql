{#- Nightly (incremental) builds of the enrolment marts.

    A full build computes every enrolment. A nightly build (transform.build passes the var
    previous_cutoff) recomputes only the enrolments flagged in int_enrolments_flagged_for_rebuild:
    those whose outcomes may still move with the cutoff, or whose person's data as seen at the
    cutoff changed since the last build. The marts' pre-hook first deletes the rows of those
    enrolments and of enrolments no longer in the cohort; the model then appends the new rows. -#}

{#- A where clause keeping the enrolments to rebuild, in an incremental run only. The ref is taken
    outside the branch so that dbt records the dependency when it parses the model. The marts
    apply it where they first read enrolments (int_enrolments_windowed and the per-enrolment
    intermediate models), not only on their final rows: every mart row is computed from its own
    enrolment's rows alone, so the kept rows are the same, and the joins with the history
    (contacts, stays, attendance, surveys) run for the enrolments to rebuild only (at national scale
    a nightly build otherwise computed every enrolment and threw most away). -#}
{% macro only_enrolments_to_build(column) -%}
    {%- set flagged = ref('int_enrolments_flagged_for_rebuild') -%}
    {%- if is_incremental() %}
    where {{ column }} in (select enrolment_id from {{ flagged }} where needs_rebuild)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the enrolment marts: make room for the rows an incremental run appends. -#}
{% macro delete_enrolments_to_build() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where enrolment_id in (
        select enrolment_id from {{ ref('int_enrolments_flagged_for_rebuild') }} where needs_rebuild
    )
    or enrolment_id not in (
        select enrolment_id from {{ ref('int_enrolments_flagged_for_rebuild') }}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- A fingerprint of each row of a relation (all its columns), for change detection. It reads
    the relation's columns from the database, so the fingerprint follows the model it describes.
    DuckDB: its 64-bit hash() of the typed values (no text casts, no md5: the fingerprints read
    every row of the warehouse, 50 M at national scale); elsewhere md5 of the values as text. -#}
{% macro row_fingerprint(relation, prefix='') -%}
    {{ return(adapter.dispatch('row_fingerprint')(relation, prefix)) }}
{%- endmacro %}

{% macro default__row_fingerprint(relation, prefix='') -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    {%- set parts = ["'" ~ relation.identifier ~ "'"] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ prefix ~ adapter.quote(column.name) ~ " as "
            ~ dbt.type_string() ~ "), '~')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(relation, prefix='') -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    {%- set parts = ["'" ~ relation.identifier ~ "'"] -%}
    {%- for column in columns -%}
        {%- do parts.append(prefix ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    hash({{ parts | join(", ") }})
{%- endmacro %}

{#- One person's fingerprint from their rows' fingerprints (`column`) and the coverage start, in a
    query grouped by person. It must not depend on the rows' order. DuckDB: the sum (as HUGEINT,
    no overflow) and the count of the 64-bit row hashes: a fixed-size state per person, so the
    aggregate streams and spills at any size (an ordered string_agg of every row holds all of a
    night's rows in memory: it ran out of memory at 1.5 M persons). A changed multiset of rows
    changes the sum but with probability 2^-64. Elsewhere: md5 of the sorted row fingerprints. -#}
{% macro person_fingerprint(column, coverage) -%}
    {{ return(adapter.dispatch('person_fingerprint')(column, coverage)) }}
{%- endmacro %}

{% macro default__person_fingerprint(column, coverage) -%}
    {{ dbt.hash(
        "coalesce(cast(" ~ coverage ~ " as " ~ dbt.type_string() ~ "), '~') || '|' || "
        ~ dbt.listagg(column, "'|'", 'order by ' ~ column)
    ) }}
{%- endmacro %}

{% macro duckdb__person_fingerprint(column, coverage) -%}
    coalesce(cast({{ coverage }} as varchar), '~') || '|' || cast(sum(cast({{ column }} as hugeint)) as varchar)
    || '|' || cast(count(*) as varchar)
{%- endmacro %}

{#- on-run-end: after a fully successful build, keep the person fingerprints it used, so that the
    next nightly build can tell which persons' data changed. The built table is renamed, not
    copied (1.5 M rows at national scale); the next build creates int_persons_fingerprinted anew. -#}
{% macro remember_person_fingerprints(results) -%}
    {%- if execute and flags.WHICH in ('build', 'run') -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
        {%- set built = results | selectattr('node.name', 'equalto', 'int_persons_fingerprinted') | list -%}
        {%- if failed | length == 0 and built | length == 1 -%}
            drop table if exists {{ previous_fingerprints_relation() }};
            alter table {{ built[0].node.relation_name }} rename to {{ previous_fingerprints_name() }};
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro previous_fingerprints_relation() -%}
    {{ api.Relation.create(
        database=target.database, schema='intermediate',
        identifier=previous_fingerprints_name()
    ) }}
{%- endmacro %}

{% macro previous_fingerprints_name() -%}
    person_fingerprints_at_last_build
{%- endmacro %}
