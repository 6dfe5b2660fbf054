"""``python -m orchestration.sample_data``: write the sample landing files."""

from orchestration.sample_data.generator import main

main()
