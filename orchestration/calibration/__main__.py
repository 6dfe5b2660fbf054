"""`python -m orchestration.calibration [--valid-from YYYY-MM-DD]` writes the proposal and the
report; `python -m orchestration.calibration accept` copies the proposal into `seeds/`."""

from __future__ import annotations

import argparse
from datetime import date

from orchestration.project import REPO_ROOT, data_dir, warehouse_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestration.calibration")
    parser.add_argument("command", nargs="?", choices=["propose", "accept"], default="propose")
    parser.add_argument("--valid-from", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    if args.command == "accept":
        from orchestration.calibration.acceptance import accept

        for line in accept(REPO_ROOT / "seeds"):
            print(line)
        print("Run `dbt seed` (or `make run`) to load them; past days keep their rows.")
        return
    from orchestration.calibration.proposal import calibrate

    report = calibrate(
        warehouse_path(),
        project_root=REPO_ROOT,
        report_dir=data_dir() / "calibration",
        valid_from=args.valid_from,
    )
    print(
        f"split by {report['split']['kind']}; hold-out AUC live {report['holdout_auc_live']}, "
        f"proposed {report['holdout_auc_proposed']}; "
        f"proposal in {REPO_ROOT / 'seeds' / 'proposed'}, "
        f"report in {data_dir() / 'calibration' / 'report.md'}"
    )


if __name__ == "__main__":
    main()
