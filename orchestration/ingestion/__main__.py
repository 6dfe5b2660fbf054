"""``python -m orchestration.ingestion``: load every landing source into the warehouse."""

import sys

from orchestration.ingestion.cli import main

sys.exit(main())
