"""The same dbt project on Spark: the landing tables as Parquet for Spark to read, and the check
that Spark's marts equal DuckDB's (`make test-spark`)."""
