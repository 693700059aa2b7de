"""A terminal's writable model repository is filled from the releases shipped with the
code (`kiosk models seed`), each checked and copied whole, and listed verified."""

import pytest

from kiosk.cli import main
from kiosk.models import ModelError, ModelRepository
from kiosk.models.repository import SEEDING
from kiosk.models.seed import seed
from tests.vision.tiny_models import constant_detector, profile_for, write_release, yolo_output

LABELS = ["cola-classic-330", "cola-zero-330", "banana"]


def _model(seed_score: float) -> bytes:
    out = yolo_output([(100, 80, 40, 40)], [[seed_score, 0.1, 0.0]], anchors=4)
    return constant_detector(out, 320, 256)


@pytest.fixture
def shipped(tmp_path):
    """A read-only-to-be repository as the code ships it: tiny/1, tiny/2, other/1."""
    root = tmp_path / "shipped"
    for name, version, score in (("tiny", 1, 0.9), ("tiny", 2, 0.8), ("other", 1, 0.7)):
        data = _model(score)
        write_release(root, data, profile_for(data, LABELS, 320, 256, 4, name, version))
    return root


def test_seed_copies_the_newest_release_of_each_model_and_only_once(shipped, tmp_path):
    target = ModelRepository(tmp_path / "kiosk-models")
    done = seed(ModelRepository(shipped), target)
    assert [(s.ref, s.copied) for s in done] == [("other/1", True), ("tiny/2", True)]
    assert target.names() == ["other", "tiny"] and target.versions("tiny") == [2]
    copy = target.load("tiny", 2)
    assert copy.model_path.read_bytes() == (shipped / "tiny" / "2" / "model.onnx").read_bytes()
    # a newer build seeds again: what is there is kept, not copied over
    again = seed(ModelRepository(shipped), target)
    assert [(s.ref, s.copied) for s in again] == [("other/1", False), ("tiny/2", False)]


def test_seed_also_copies_the_version_the_config_pins(shipped, tmp_path):
    target = ModelRepository(tmp_path / "kiosk-models")
    seed(ModelRepository(shipped), target, ["tiny"], pinned={"tiny": 1})
    assert target.names() == ["tiny"] and target.versions("tiny") == [1, 2]


def test_a_version_that_names_another_model_here_is_refused(shipped, tmp_path):
    target = ModelRepository(tmp_path / "kiosk-models")
    other = _model(0.5)  # rolled out as tiny/2 from another build than the shipped tiny/2
    write_release(target.root, other, profile_for(other, LABELS, 320, 256, 4, "tiny", 2))
    with pytest.raises(ModelError, match="tiny/2 here is another model"):
        seed(ModelRepository(shipped), target, ["tiny"])
    assert target.load("tiny", 2).model_path.read_bytes() == other  # left as it was


def test_a_damaged_shipped_release_is_refused_and_leaves_nothing_half_copied(shipped, tmp_path):
    model = shipped / "tiny" / "2" / "model.onnx"
    model.write_bytes(model.read_bytes()[:-10])
    target = ModelRepository(tmp_path / "kiosk-models")
    with pytest.raises(ModelError, match="tiny/2"):
        seed(ModelRepository(shipped), target)
    assert target.versions("tiny") == []  # nothing of it serves
    assert target.versions("other") == [1]  # what was copied before it stays


def test_a_copy_cut_short_earlier_is_made_again_whole(shipped, tmp_path):
    root = tmp_path / "kiosk-models"
    cut = root / SEEDING / "tiny" / "2"
    cut.mkdir(parents=True)
    (cut / "model.onnx").write_bytes(b"half")
    target = ModelRepository(root)
    seed(ModelRepository(shipped), target, ["tiny"])
    assert (
        target.load("tiny", 2).model_path.read_bytes()
        == (shipped / "tiny" / "2" / "model.onnx").read_bytes()
    )
    assert target.names() == ["tiny"]  # the staging area is not a model


def _config(tmp_path, repository=None):
    cfg = tmp_path / "kiosk.toml"
    lines = ["[store]", f'data_dir = "{tmp_path / "data"}"', "[vision]", 'model = "tiny"']
    if repository is not None:
        lines.append(f'repository = "{repository}"')
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def test_kiosk_models_seed_fills_the_configured_repository_then_lists_it(shipped, tmp_path, capsys):
    target = tmp_path / "var-lib-kiosk-models"
    cfg = str(_config(tmp_path, target))
    # the catalog the kiosk sells from must know every label
    assert main(["--config", cfg, "models", "seed", "--from", str(shipped), "tiny"]) == 0
    out = capsys.readouterr().out
    assert "tiny/2: copied" in out and f"{target}: ready" in out
    assert main(["--config", cfg, "models", "list"]) == 0
    assert "tiny/2" in capsys.readouterr().out
    # a file damaged on the terminal is named by `list`
    (target / "tiny" / "2" / "model.onnx").write_bytes(b"garbage")
    assert main(["--config", cfg, "models", "list"]) == 1
    listing = capsys.readouterr().out
    assert "refused" in listing and "truncated" in listing


def test_kiosk_models_seed_needs_a_repository_of_its_own(shipped, tmp_path, capsys):
    cfg = str(_config(tmp_path))
    assert main(["--config", cfg, "models", "seed", "--from", str(shipped)]) == 2
    assert "Set [vision] repository" in capsys.readouterr().err
    same = str(_config(tmp_path, shipped))
    assert main(["--config", same, "models", "seed", "--from", str(shipped)]) == 2
    assert "is the source itself" in capsys.readouterr().err


def test_doctor_checks_the_model_in_the_repository_the_kiosk_serves_from(shipped, tmp_path):
    from kiosk.config import load_config
    from kiosk.doctor import _models

    target = tmp_path / "kiosk-models"
    config = load_config(_config(tmp_path, target), environ={})
    (finding, *_) = _models(config)
    assert not finding.ok and "kiosk models seed" in finding.fix
    seed(ModelRepository(shipped), ModelRepository(target))
    (finding, *_) = _models(config)
    assert finding.ok and "tiny/2" in finding.detail


def test_doctor_warns_when_rolled_out_releases_could_not_install(shipped, tmp_path):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from kiosk.config import load_config
    from kiosk.doctor import _models

    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    cfg = _config(tmp_path)  # no repository of its own: the releases shipped with the code
    cfg.write_text(
        cfg.read_text().replace('model = "tiny"', 'model = "tray-detector"')
        + f'[sync]\nmodel_key = "{base64.b64encode(key).decode()}"\n'
    )
    updates = [f for f in _models(load_config(cfg, environ={})) if f.what == "model updates"]
    assert len(updates) == 1 and not updates[0].ok and updates[0].warning
    assert "/var/lib/kiosk/models" in updates[0].fix
