"""``python -m orchestration.reports``: the everyday questions (at-risk, customer, why)."""

import sys

from orchestration.reports.cli import main

sys.exit(main())
