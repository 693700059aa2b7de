"""`models.training.restore_classifier`: the second stage a release serves becomes a
`train_crops` run directory again (its kept checkpoint, exported; its training record),
so a new detector can be published beside it; a checkpoint that is not the model the
release serves is refused."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from kiosk.models.repository import DEFAULT_ROOT
from models.training.restore_classifier import restore
from models.training.ship import classifier_section, close_look_section

CHECKPOINTS = DEFAULT_ROOT.parent / "training" / "checkpoints"
RELEASE = DEFAULT_ROOT / "tray-detector" / "8"


def test_the_shipped_second_stage_is_restored_for_ship(tmp_path):
    out = tmp_path / "crops-5"
    restore(CHECKPOINTS / "cropnet-5.pt", RELEASE, out, close_look=False)
    shipped = json.loads((RELEASE / "profile.json").read_text())["classifier"]
    section = classifier_section(out)  # what ship reads from a run directory
    assert section["not_an_item"] is True and section["crop_size"] == 128
    assert section["metrics"]["val_acc"] == shipped["metrics"]["val_acc"]
    assert section["training"]["command"] == shipped["training"]["command"]

    look = tmp_path / "look-1"
    restore(CHECKPOINTS / "closelook-1.pt", RELEASE, look, close_look=True)
    section = close_look_section(look, 0.05, 0.0, ["chips-original-70"])
    assert section["crop_size"] == 224
    assert section["groups"] == [["chips-cucumber-70", "chips-original-70", "chips-tomato-70"]]


def test_a_checkpoint_the_release_does_not_serve_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="not the model that release serves"):
        # the close look's weights are not the release's first classifier
        restore(CHECKPOINTS / "closelook-1.pt", RELEASE, tmp_path / "x", close_look=False)
    assert not (tmp_path / "x" / "classifier.onnx").exists()


def test_weights_that_differ_from_the_release_are_refused(tmp_path):
    import torch

    ckpt = torch.load(CHECKPOINTS / "cropnet-5.pt", map_location="cpu", weights_only=False)
    first = next(k for k in ckpt["model"] if k.endswith("weight"))
    ckpt["model"][first] = ckpt["model"][first] * 1.05  # retrained a little since
    torch.save(ckpt, tmp_path / "other.pt")
    with pytest.raises(SystemExit, match="not the model that release serves"):
        restore(tmp_path / "other.pt", RELEASE, tmp_path / "x", close_look=False)
