"""`models.training.restore_run`: a kept detector checkpoint and the command that trained
it become a run directory again, which ships the very model a release serves."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from kiosk.models.repository import DEFAULT_ROOT
from models.training import ship
from models.training.restore_run import restore

CHECKPOINTS = DEFAULT_ROOT.parent / "training" / "checkpoints"
RELEASE = DEFAULT_ROOT / "tray-detector" / "11"  # v14-deep's release


def _command(summary: dict) -> list[str]:
    """The training command as the release's record keeps it."""
    argv: list[str] = []
    for key, value in summary["args"].items():
        if key == "out":
            continue
        argv.append("--" + key.replace("_", "-"))
        argv.extend(value.split() if key == "train" else [value])
    return argv


def test_a_restored_run_ships_the_release_it_came_from(tmp_path):
    kept = json.loads((RELEASE / "training_summary.json").read_text())
    summary = restore(CHECKPOINTS / "v14-deep.pt", tmp_path / "run", _command(kept), 3285.7)
    assert summary["args"] == {**kept["args"], "out": str(tmp_path / "run")}
    assert summary["best_metrics"] == kept["best_metrics"]
    assert summary["arch"] == kept["arch"]

    ship.main([
        "--run", str(tmp_path / "run"), "--version", "11", "--repository", str(tmp_path / "repo"),
        "--uint8-input", "--score-threshold", "0.40", "--golden", "none",
    ])  # fmt: skip
    served = json.loads((RELEASE / "profile.json").read_text())["sha256"]
    shipped = json.loads((tmp_path / "repo/tray-detector/11/profile.json").read_text())["sha256"]
    assert shipped == served


def test_a_command_for_another_input_size_is_refused(tmp_path):
    kept = json.loads((RELEASE / "training_summary.json").read_text())
    argv = _command(kept)
    argv[argv.index("--input") + 1] = "448x256"
    with pytest.raises(SystemExit, match="takes \\[640, 352\\]"):
        restore(CHECKPOINTS / "v14-deep.pt", tmp_path / "run", argv, None)
    assert not (tmp_path / "run" / "model.onnx").exists()
