{#- Order text by its bytes on every target, so "the lower response_id" (outcomes.md) is the same
    on DuckDB (binary already) and PostgreSQL (whose default collation follows the locale). -#}
{% macro binary_order(expression) -%}
    {{ return(adapter.dispatch('binary_order')(expression)) }}
{%- endmacro %}

{% macro default__binary_order(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_order(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
