{#- Generic test: every value of the column is an indicator id of publishing/catalogue.yaml, the
    one place the ids are listed; sammen hands them to every dbt run as var('indicators')
    (transform.runner). Without the var (dbt run by hand, outside sammen) there is no catalogue to
    compare with and the test passes; marts.indicators then builds every recipe it has. -#}
{% test in_indicator_catalogue(model, column_name) %}
{%- set ids = var('indicators', none) %}

select {{ column_name }}
from {{ model }}
where {% if ids -%}
    {{ column_name }} is null or {{ column_name }} not in (
        {%- for id in ids %}'{{ id }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )
{%- else -%}
    false
{%- endif %}

{% endtest %}
