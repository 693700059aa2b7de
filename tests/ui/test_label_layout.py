"""The name tags over the camera picture: beside their box, never on each other, and
the question's "?" pulsing with its box."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.ui.label_layout import Rect, place_labels

W, H = 1150.0, 647.0  # the picture on a 1920x1080 screen
TAG_H = 37.0
GAP = 4.0


def check(boxes, sizes, tags, width=W, height=H, gap=GAP):
    """The tags as a shopper needs them: apart, in the picture, each by its own box."""
    assert len(tags) == len(boxes)
    named = [(b, t) for b, t in zip(boxes, tags, strict=True) if t.w > 0]
    for (_, a), (_, b) in itertools.combinations(named, 2):
        assert a.grown(gap / 2).overlap(b.grown(gap / 2)) < 1e-6, f"{a} and {b} touch"
    for (box, tag), size in zip(named, [s for s in sizes if s[0] > 0], strict=True):
        assert (tag.w, tag.h) == size
        assert tag.x >= 0 and tag.right <= width + 1e-6, f"{tag} leaves the picture"
        assert tag.y >= 0 and tag.bottom <= height + 1e-6, f"{tag} leaves the picture"
        shared = min(tag.right, box.right) - max(tag.x, box.x)
        assert shared > 0, f"{tag} is not over or beside {box}"
        # above, on or below its own box, not floating a row away
        assert box.y - tag.h - gap - 1e-6 <= tag.y <= box.bottom + gap + 1e-6


def test_the_demo_plain_basket_cola_tag_no_longer_covers_the_crisps_tag():
    # the demo's plain basket, as the review screen drew it: the crisps touch the top
    chips, cola = Rect(359, 16, 236, 312), Rect(201, 82, 154, 139)
    sizes = [(246.0, TAG_H), (280.0, TAG_H)]
    # the tag at each box's top-left corner (as it was): cola's covers the crisps'
    old = [Rect(359, 16 + GAP, *sizes[0]), Rect(201, 82 - TAG_H - GAP, *sizes[1])]
    assert old[0].overlap(old[1]) > 0
    tags = place_labels([chips, cola], sizes, W, H, GAP)
    check([chips, cola], sizes, tags)
    assert tags[0].y == chips.y + GAP  # no room above: inside the top edge
    assert tags[1].bottom + GAP <= cola.y + 1e-6  # above the can, slid clear of the crisps


def test_a_box_alone_keeps_its_tag_above_its_top_left_corner():
    box = Rect(300, 200, 150, 150)
    (tag,) = place_labels([box], [(200.0, TAG_H)], W, H, GAP)
    assert (tag.x, tag.y) == (300, 200 - TAG_H - GAP)


def test_at_the_picture_edges_the_tag_stays_inside():
    top_right = Rect(W - 80, 0, 80, 120)
    bottom_left = Rect(0, H - 60, 100, 60)
    boxes = [top_right, bottom_left]
    sizes = [(260.0, TAG_H), (260.0, TAG_H)]
    tags = place_labels(boxes, sizes, W, H, GAP)
    check(boxes, sizes, tags)
    assert tags[0].right == W and tags[0].y == GAP  # inside the top edge, flush right
    assert tags[1].bottom <= H and tags[1].x == 0  # above it


def test_a_row_of_touching_boxes_and_a_stack_of_them():
    row = [Rect(100 + 110 * i, 250, 110, 140) for i in range(6)]
    column = [Rect(900, 20 + 120 * i, 160, 120) for i in range(5)]
    boxes = row + column
    sizes = [(240.0, TAG_H)] * len(boxes)
    check(boxes, sizes, place_labels(boxes, sizes, W, H, GAP))


def test_the_same_item_seen_twice_in_one_place_gets_two_readable_tags():
    boxes = [Rect(400, 300, 200, 200), Rect(400, 300, 200, 200)]
    sizes = [(220.0, TAG_H), (220.0, TAG_H)]
    check(boxes, sizes, place_labels(boxes, sizes, W, H, GAP))


def test_a_box_without_a_name_takes_no_room():
    boxes = [Rect(300, 200, 150, 150), Rect(300, 200, 150, 150)]
    sizes = [(0.0, 0.0), (200.0, TAG_H)]
    tags = place_labels(boxes, sizes, W, H, GAP)
    assert tags[0].w == tags[0].h == 0
    assert (tags[1].x, tags[1].y) == (300, 200 - TAG_H - GAP)


@st.composite
def trays(draw):
    """Up to six items lying apart on the tray, as the detector boxes them."""
    boxes: list[Rect] = []
    for _ in range(draw(st.integers(1, 6))):
        w = draw(st.floats(90, 320))
        h = draw(st.floats(90, 320))
        box = Rect(draw(st.floats(0, W - w)), draw(st.floats(0, H - h)), w, h)
        if all(box.overlap(b) == 0 for b in boxes):
            boxes.append(box)
    sizes = [(draw(st.floats(40, 300)), TAG_H) for _ in boxes]
    return boxes, sizes


@settings(max_examples=300, deadline=None)
@given(trays())
def test_on_any_tray_of_separate_items_no_two_tags_touch(tray):
    boxes, sizes = tray
    check(boxes, sizes, place_labels(boxes, sizes, W, H, GAP))


def test_the_box_model_measures_each_name_in_the_screen_font(qtbot):
    from PySide6.QtGui import QFont, QFontMetricsF

    from kiosk.ui.listmodels import BoxModel, BoxRow

    model = BoxModel()
    model.set_rows(
        [
            BoxRow(0.31, 0.02, 0.2, 0.48, "Crispy Chips Original 70g", "ok"),
            BoxRow(0.17, 0.13, 0.13, 0.21, "晨光可乐 经典 330毫升", "ok"),
            BoxRow(0.6, 0.5, 0.1, 0.1, "", "live"),
        ]
    )
    version = model.version
    model.set_rows(model.rows())  # the same boxes: nothing to place again
    assert model.version == version
    font = QFont("Noto Sans CJK SC")
    font.setPixelSize(30)
    tags = [Rect(r.x(), r.y(), r.width(), r.height()) for r in model.labelPlaces(W, H, font, 1.5)]
    metrics = QFontMetricsF(font)
    assert tags[0].w >= metrics.horizontalAdvance("Crispy Chips Original 70g") + 30
    assert tags[1].h == metrics.height() + 12
    assert tags[2].w == tags[2].h == 0  # a live box has no name
    boxes = [Rect(r.bx * W, r.by * H, r.bw * W, r.bh * H) for r in model.rows()]
    check(boxes, [(t.w, t.h) for t in tags], tags, gap=6.0)


def shown(window, name: str) -> list:
    """The visible Qt Quick items called `name` on the kiosk's screen."""
    stack, found = [window.root.contentItem()], []
    while stack:
        it = stack.pop()
        if it.isVisible() and it.objectName() == name:
            found.append(it)
        stack.extend(it.childItems())
    return found


def review_context(app):
    from kiosk.ui.demo import Context, Shots

    c = Context.ready(app, app.window, Shots(None), lambda s: None)
    app.window.lang.setLanguage("en")
    return c


def test_on_the_review_screen_the_plain_baskets_names_are_apart_and_whole(kiosk_app):
    from PySide6.QtCore import QRectF

    from kiosk.ui.demo import spin, wait_until

    app = kiosk_app
    c = review_context(app)
    app.world.place("cola-classic-330")
    app.world.place("chips-original-70")
    c.wait_review()

    def tags():
        return shown(app.window, "boxTag")

    wait_until("both names on the picture", lambda: len(tags()) == 2)
    spin(0.1)
    frame = c.ui.item("cameraFrame")
    area = frame.mapRectToScene(QRectF(0, 0, frame.width(), frame.height()))
    rects = []
    for tag in tags():
        rect = tag.mapRectToScene(QRectF(0, 0, tag.width(), tag.height()))
        assert area.contains(rect)
        (text,) = tag.childItems()
        assert not text.property("truncated"), text.property("text")
        rects.append(Rect(rect.x(), rect.y(), rect.width(), rect.height()))
    assert rects[0].overlap(rects[1]) == 0


def test_the_question_tag_pulses_in_step_with_its_box_and_the_other_names_stay_solid(kiosk_app):
    # the tags are a layer apart from the boxes, so the "?" no longer inherits its
    # box's pulse as a child did: both must follow the one beat
    import time

    from kiosk.ui.demo import spin, wait_until

    app = kiosk_app
    c = review_context(app)
    app.world.place("cola-zero-330", face="bottom")  # no flavour to see: a question
    app.world.place("water-spring-550")
    c.wait_review()
    wait_until("the question about the can", lambda: c.checkout.guidanceKind == "choose")

    def by_kind(name: str) -> dict[str, list]:
        found: dict[str, list] = {}
        for it in shown(app.window, name):
            # a box's kind is its delegate's (the parent); a tag is its own delegate
            owner = it.parentItem() if name == "box" else it
            found.setdefault(owner.property("kind"), []).append(it)
        return found

    wait_until("a box and a tag for each item", lambda: len(shown(app.window, "boxTag")) == 2)
    boxes, tags = by_kind("box"), by_kind("boxTag")
    (ask_box,), (ask_tag,), (ok_tag,) = boxes["ask"], tags["ask"], tags["ok"]
    assert ask_tag.childItems()[0].property("text") == "?"
    seen = []
    deadline = time.monotonic() + 2.0  # longer than one beat (1.4 s)
    while time.monotonic() < deadline:
        spin(0.03)
        assert ask_tag.opacity() == ask_box.opacity()
        assert ok_tag.opacity() == 1 and all(b.opacity() == 1 for b in boxes["ok"])
        seen.append(ask_tag.opacity())
    assert min(seen) < 0.6 and max(seen) > 0.9, seen

    # new boxes (here the names in another language) start the beat bright, as each
    # box's own animation did
    wait_until("the beat dimmed", lambda: ask_tag.opacity() < 0.6)
    app.window.lang.setLanguage("zh_CN")
    spin(0.05)
    (ask_tag,) = by_kind("boxTag")["ask"]
    assert ask_tag.opacity() > 0.9
