"""ElidedLabel: cut to the width it gets, whole text in the tooltip."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from digitlab.desktop.common.elided_label import ElidedLabel

TEXT = "New model · adam, rate 0.001 (cosine) · batch 64 · up to 20 epochs · augmented"


def test_a_narrow_label_ends_in_an_ellipsis_and_a_wide_one_shows_everything(qtbot):
    label = ElidedLabel(TEXT)
    qtbot.addWidget(label)
    label.show()
    label.resize(120, 20)
    assert label.text().endswith("…") and len(label.text()) < len(TEXT)
    assert label.toolTip() == TEXT == label.full_text()
    label.resize(2000, 20)
    assert label.text() == TEXT


def test_it_never_asks_the_layout_for_its_text_width(qtbot):
    label = ElidedLabel(TEXT * 5)
    qtbot.addWidget(label)
    assert label.minimumSizeHint().width() < 100
