"""Generator profiles: businesses whose hidden churn truth contradicts the default weights.

Each test pins the property that makes a profile useful to the calibration (issue 11): measured
on the generated files where a file shows it, on a warehouse built from them where only the
scores can.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.sample_data import generate, main
from orchestration.sample_profiles import PROFILES

SMALL = {"customers": 200, "days": 120, "seed": 7}


def _files(out_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out_dir)): path.read_bytes()
        for path in sorted(out_dir.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_default_profile_writes_the_same_files_as_no_profile(tmp_path: Path, fmt: str) -> None:
    # The README's figures come from the default sample: the flag must not move a byte.
    generate(tmp_path / "plain", fmt=fmt, **SMALL)
    generate(tmp_path / "default", fmt=fmt, profile="default", **SMALL)
    plain, default = _files(tmp_path / "plain"), _files(tmp_path / "default")
    assert plain.keys() == default.keys()
    assert all(plain[name] == default[name] for name in plain)


@pytest.mark.parametrize("profile", sorted(set(PROFILES) - {"default"}))
def test_every_profile_is_reproducible_from_its_seed_and_differs_from_default(
    tmp_path: Path, profile: str
) -> None:
    generate(tmp_path / "a", profile=profile, **SMALL)
    generate(tmp_path / "b", profile=profile, **SMALL)
    generate(tmp_path / "default", **SMALL)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first == second
    assert (
        first["subscriptions/subscriptions.csv"]
        != (_files(tmp_path / "default")["subscriptions/subscriptions.csv"])
    )


def test_an_unknown_profile_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one_dimension"):
        generate(tmp_path, profile="mystery", **SMALL)


def test_help_lists_every_profile(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    printed = " ".join(capsys.readouterr().out.split())
    assert all(name in printed for name in PROFILES)
