{#-
    Every seed's header is checked against the columns documented for it in `seeds/_seeds.yml`
    before any row is loaded. Without this, a typo in a header (`weigth`) loads silently into an
    existing seed table, which dbt fills by position, and fails only after a full refresh.
    Overrides dbt's `load_csv_rows`, which every `dbt seed` calls, then loads as dbt would.
-#}
{% macro load_csv_rows(model, agate_table) -%}
    {%- do check_seed_header(model, agate_table.column_names) -%}
    {{ return(adapter.dispatch('load_csv_rows', 'dbt')(model, agate_table)) }}
{%- endmacro %}

{% macro check_seed_header(model, header) -%}
    {%- set expected = model.columns.keys() | map('lower') | list -%}
    {%- if expected -%}
        {%- set found = header | map('lower') | list -%}
        {%- set unexpected = found | reject('in', expected) | list -%}
        {%- set missing = expected | reject('in', found) | list -%}
        {%- if unexpected or missing -%}
            {%- set problems = [] -%}
            {%- for column in unexpected -%}
                {%- do problems.append("column '" ~ column ~ "' is not one of its columns") -%}
            {%- endfor -%}
            {%- for column in missing -%}
                {%- do problems.append("column '" ~ column ~ "' is missing") -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                model.original_file_path ~ ': ' ~ problems | join('; ')
                ~ ' (expected ' ~ expected | join(', ') ~ ', as documented in seeds/_seeds.yml)'
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
