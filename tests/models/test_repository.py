"""The model repository refuses anything that does not match its profile."""

import json

import numpy as np
import pytest

from kiosk.models import ModelError, ModelProfile, ModelRepository
from kiosk.models.repository import DEFAULT_ROOT, sha256_file
from kiosk.vision.session import Detector
from tests.vision.tiny_models import constant_detector, profile_for, write_release, yolo_output

LABELS = ["cola-classic-330", "cola-zero-330", "banana"]


@pytest.fixture
def tiny():
    out = yolo_output([(100, 80, 40, 40)], [[0.9, 0.1, 0.0]], anchors=4)
    data = constant_detector(out, 320, 256)
    return data, profile_for(data, LABELS, 320, 256, anchors=4)


def test_load_verifies_and_returns_the_release(tmp_path, tiny):
    data, profile = tiny
    write_release(tmp_path, data, profile)
    repo = ModelRepository(tmp_path)
    assert repo.names() == ["tiny"] and repo.versions("tiny") == [1]
    release = repo.load("tiny")
    assert release.ref == "tiny/1" and release.profile.labels == LABELS
    assert release.model_path.read_bytes() == data


def test_truncated_model_is_refused_by_size(tmp_path, tiny):
    data, profile = tiny
    d = write_release(tmp_path, data, profile)
    (d / "model.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="truncated"):
        ModelRepository(tmp_path).load("tiny", 1)


def test_corrupt_model_is_refused_by_checksum(tmp_path, tiny):
    data, profile = tiny
    d = write_release(tmp_path, data, profile)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0xFF
    (d / "model.onnx").write_bytes(bytes(flipped))
    with pytest.raises(ModelError, match=r"sha256 .* does not match"):
        ModelRepository(tmp_path).load("tiny", 1)


def test_corrupt_file_whose_profile_agrees_fails_at_load_not_later(tmp_path):
    garbage = b"\x08\x07not an onnx protobuf" * 10
    profile = profile_for(garbage, LABELS, 320, 256, anchors=4)
    write_release(tmp_path, garbage, profile)
    release = ModelRepository(tmp_path).load("tiny", 1)  # bytes are as published…
    with pytest.raises(ModelError, match=r"cannot load model\.onnx"):
        Detector(release, warmup_runs=0)  # …but onnxruntime cannot read them


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("labels"), "labels: Field required"),
        (lambda d: d.update(labels=["a", "a"]), "labels repeat: a"),
        (lambda d: d.update(sha256="xyz"), "sha256"),
        (lambda d: d["input"].update(color="YUV"), "input.color"),
        (lambda d: d.update(surprise=1), "surprise: Extra inputs"),
        (lambda d: d.update(version=2), "profile says it is tiny/2"),
    ],
)
def test_malformed_profile_is_refused_naming_the_key(tmp_path, tiny, edit, message):
    data, profile = tiny
    d = write_release(tmp_path, data, profile)
    doc = json.loads((d / "profile.json").read_text())
    edit(doc)
    (d / "profile.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match=message):
        ModelRepository(tmp_path).load("tiny", 1)


def test_profile_that_is_not_json(tmp_path, tiny):
    data, profile = tiny
    d = write_release(tmp_path, data, profile)
    (d / "profile.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        ModelRepository(tmp_path).load("tiny", 1)


def test_labels_unknown_to_the_catalog_are_refused(tmp_path, tiny):
    data, profile = tiny
    write_release(tmp_path, data, profile)
    with pytest.raises(ModelError, match="not in the catalog: banana"):
        ModelRepository(tmp_path).load("tiny", 1, known_skus=["cola-classic-330", "cola-zero-330"])


def test_missing_model_or_version(tmp_path):
    repo = ModelRepository(tmp_path)
    with pytest.raises(ModelError, match="no versions"):
        repo.load("nothing")
    with pytest.raises(ModelError, match="not found"):
        repo.load("nothing", 3)


def test_publish_is_atomic_and_versions_are_immutable(tmp_path, tiny):
    data, profile = tiny
    src = tmp_path / "src.onnx"
    src.write_bytes(data)
    repo = ModelRepository(tmp_path / "repo")
    release = repo.publish(src, profile)
    assert sha256_file(release.model_path) == profile.sha256
    with pytest.raises(ModelError, match="immutable"):
        repo.publish(src, profile)
    src.write_bytes(data + b"x")
    with pytest.raises(ModelError, match="sha256 does not match"):
        repo.publish(
            src, ModelProfile.model_validate({**profile.model_dump(by_alias=True), "version": 2})
        )
    assert repo.versions("tiny") == [1]


def test_publish_carries_the_second_stage_with_its_checksum(tmp_path, tiny):
    from tests.vision.tiny_models import classifier_section, colour_classifier

    data, profile = tiny
    clf = colour_classifier(np.eye(3, dtype=np.float32))
    src, clf_src = tmp_path / "src.onnx", tmp_path / "classifier.onnx"
    src.write_bytes(data)
    clf_src.write_bytes(clf)
    doc = profile.model_dump(by_alias=True)
    two_stage = ModelProfile.model_validate({**doc, "classifier": classifier_section(clf)})
    repo = ModelRepository(tmp_path / "repo")
    with pytest.raises(ModelError, match="a classifier file goes with"):
        repo.publish(src, two_stage)  # the profile names a classifier; no file given
    clf_src.write_bytes(clf + b"x")
    with pytest.raises(ModelError, match=r"classifier\.onnx: sha256 does not match"):
        repo.publish(src, two_stage, clf_src)
    assert repo.versions("tiny") == []  # nothing half-published
    clf_src.write_bytes(clf)
    release = repo.publish(src, two_stage, clf_src)
    assert release.classifier_path is not None
    assert sha256_file(release.classifier_path) == two_stage.classifier.sha256


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"labels": ["a", "b"]}, "output 'output0' has shape"),  # 2 labels, model has 3
        ({"input": {"name": "images", "width": 640, "height": 256}}, "input 'images' has shape"),
        ({"input": {"name": "pixels", "width": 320, "height": 256}}, "input is named 'images'"),
        ({"output": {"name": "boxes", "anchors": 4}}, "no output 'boxes'"),
        ({"output": {"name": "output0", "anchors": 9}}, "output 'output0' has shape"),
    ],
)
def test_signature_that_disagrees_with_the_profile_is_refused(tmp_path, tiny, change, message):
    data, profile = tiny
    bad = ModelProfile.model_validate({**profile.model_dump(by_alias=True), **change})
    write_release(tmp_path, data, bad)
    release = ModelRepository(tmp_path).load("tiny", 1)
    with pytest.raises(ModelError, match=message):
        Detector(release, warmup_runs=0)


def test_the_shipped_model_verifies(catalog):
    repo = ModelRepository(DEFAULT_ROOT)
    names = repo.names()
    if not names:
        pytest.skip("no model shipped yet")
    for name in names:
        release = repo.load(name, known_skus=catalog.skus)
        det = Detector(release, warmup_runs=1)
        frame = np.full((720, 1280, 3), 90, np.uint8)
        assert det.detect(frame).detections.boxes.shape[1] == 4
