{#- Run-level dates and portable date arithmetic (DuckDB and PostgreSQL alike). -#}

{#- The run's cutoff as a DATE literal: the last day whose events exist (outcomes.md). -#}
{% macro cutoff() -%}
    cast('{{ var("cutoff") }}' as date)
{%- endmacro %}

{#- The day after the cutoff: exclusive end of windows, and the end of an open stay (00:00). -#}
{% macro day_after_cutoff() -%}
    {{ add_days(cutoff(), 1) }}
{%- endmacro %}

{#- A date `days` after (or before, when negative) a date expression, as a DATE. -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#- Whole days from `first_date` to `second_date` (second minus first). -#}
{% macro days_between(first_date, second_date) -%}
    {{ dbt.datediff(first_date, second_date, 'day') }}
{%- endmacro %}

{#- Median of a numeric expression: the mean of the two middle values for an even count. -#}
{% macro median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}
