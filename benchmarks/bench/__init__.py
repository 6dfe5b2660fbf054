"""`make bench SIZE=small|medium|large`: the pipeline against plain DuckDB, side by side.

Every step runs as a child process (its peak RSS read from `wait4`); `python -m benchmarks.bench
--help` lists the options. The steps and what each ratio means are in the README, "Performance".
Not a test: timings depend on the machine, and the design forbids timed assertions.

- `sizes`: the three sizes and the generated landing they cache;
- `steps`: running one step as a child process, its wall time and peak RSS;
- `tasks`: the child processes that are not the pipeline's own (bare load, compiled SQL, the
  plain script, validation and publication without Dagster);
- `results`: the ratios, the JSON record, the table and the chart (pure, unit-tested).
"""
