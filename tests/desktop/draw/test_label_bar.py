"""The "That was a …" buttons: one per digit, working only while there is a digit."""

from PySide6.QtCore import Qt

from digitlab.desktop.draw.label_bar import LabelBar


def test_clicking_a_digit_emits_it(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_answer(3)
    with qtbot.waitSignal(bar.label_chosen) as chosen:
        qtbot.mouseClick(bar.buttons[8], Qt.MouseButton.LeftButton)
    assert chosen.args == [8]


def test_without_ink_the_buttons_are_off_and_say_why(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    assert [b.text() for b in bar.buttons] == [str(d) for d in range(10)]
    assert not any(b.isEnabled() for b in bar.buttons)
    assert "Draw a digit first" in bar.buttons[0].toolTip()
    bar.set_answer(5)
    assert all(b.isEnabled() for b in bar.buttons)
    bar.set_answer(None)
    assert not any(b.isEnabled() for b in bar.buttons)


def test_the_models_answer_is_marked(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_answer(4)
    assert [b.font().bold() for b in bar.buttons] == [d == 4 for d in range(10)]
    assert "as the model read it" in bar.buttons[4].toolTip()
    assert "correcting the model" in bar.buttons[1].toolTip()
    bar.set_answer(1)
    assert [b.font().bold() for b in bar.buttons] == [d == 1 for d in range(10)]


def test_a_drawing_the_model_declined_can_be_kept_as_any_digit(qtbot):
    bar = LabelBar()
    qtbot.addWidget(bar)
    bar.set_answer(None, has_ink=True)
    assert all(b.isEnabled() for b in bar.buttons)
    assert not any(b.font().bold() for b in bar.buttons)
    assert "the model did not read a digit" in bar.buttons[2].toolTip()
    with qtbot.waitSignal(bar.label_chosen) as chosen:
        qtbot.mouseClick(bar.buttons[2], Qt.MouseButton.LeftButton)
    assert chosen.args == [2]
    bar.set_answer(None)  # the canvas was cleared
    assert not any(b.isEnabled() for b in bar.buttons)
