{#- Outcome windows used by more than one model. Their lengths are the vars of dbt_project.yml
    (window_days, readmission_days, follow_up_days), which publishing/periods.py reads too. -#}

{#- Retention (outcomes.md "Participation outcome"): retained_Nm is attendance in
    [E + 30N - 28, E + 30N) for N = 3, 6, 12; null while E + 30N > cutoff + 1. The indicators
    (retained_Nm_share) exist only for years in which every window has closed. -#}
{% macro retention_months() -%}
    {{ return([3, 6, 12]) }}
{%- endmacro %}

{#- Days from E to the exclusive end of the N-month retention window: 30N. -#}
{% macro retention_window_end(months) -%}
    {{ return(30 * months) }}
{%- endmacro %}

{#- Days from E to the start of the N-month retention window: its last 28 days, 30N - 28. -#}
{% macro retention_window_start(months) -%}
    {{ return(retention_window_end(months) - 28) }}
{%- endmacro %}

{#- The pre and post windows of an enrolment (outcomes.md): [E - 365, E) and
    [E, min(E + 365, cutoff + 1)). -#}
{% macro outcome_window_days() -%}
    {{ return(var("window_days")) }}
{%- endmacro %}

{#- How long after a discharge D a cross-sector contact is looked for: [D, min(D + 90, cutoff)]. -#}
{% macro follow_up_days() -%}
    {{ return(var("follow_up_days")) }}
{%- endmacro %}

{#- The "settled" horizon of an enrolment (nightly builds, macros/nightly.sql): the farthest any
    of its outcomes looks after E. A discharge on the post window's last day, E + 364, is
    followed up to D + 90 (int_discharges_followed_up), so E + 455: once the previous cutoff is
    past it, a later cutoff moves no window, null rule or eligibility of the enrolment. -#}
{% macro settled_after_days() -%}
    {{ return(outcome_window_days() + follow_up_days()) }}
{%- endmacro %}
