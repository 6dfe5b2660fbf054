"""Command-line reports, read from the serving copy or the warehouse, never written to it.

- `cli` (``python -m orchestration.reports``): at-risk customers, one customer's score, why it
  changed;
- `queries`: the queries the CLI and the dashboard share;
- `score_report` (``python -m orchestration.reports.score_report``): the AUC rows and a worked
  example of the score;
- `summary` (``python -m orchestration.reports.summary``): what a run produced, printed at the
  end of `make run`.
"""
