"""The Backward tab in the window: it follows the drawing and the model; Ctrl+digit
picks the target while the digit alone still keeps the drawing."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor
from PySide6.QtTest import QTest

from digitlab.core.explain.backprop import backprop


def draw_line(window, draw, make_line):
    w, h = window.canvas.width(), window.canvas.height()
    draw(window.canvas, make_line((w / 2, h * 0.2), (w / 2, h * 0.8)))


def test_drawing_with_the_tab_open_shows_the_drawings_gradients(window, draw, make_line):
    window.tabs.setCurrentWidget(window.gradient_view)
    draw_line(window, draw, make_line)
    view, reading = window.gradient_view, window.last_recognition
    assert view.result is not None
    assert view.target == reading.digit
    expected = backprop(window.document.network, reading.steps.centred[None], reading.digit)
    assert view.result.loss == expected.loss
    np.testing.assert_array_equal(view.result.input_grad, expected.input_grad)


def test_ctrl_digit_sets_the_target_and_the_digit_alone_keeps_the_drawing(window, draw, make_line):
    window.tabs.setCurrentWidget(window.gradient_view)
    draw_line(window, draw, make_line)
    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.gradient_view.result.target == 3
    assert not window.canvas.is_empty()  # Ctrl+3 kept nothing


def test_clearing_the_canvas_clears_the_view(window, draw, make_line):
    window.tabs.setCurrentWidget(window.gradient_view)
    draw_line(window, draw, make_line)
    window.canvas.clear()
    assert window.gradient_view.result is None
    assert all(not entry.content.has_values for entry in window.gradient_view.entries)


def test_a_new_model_rebuilds_the_view(window, forced_model_path):
    window.open_model_path(forced_model_path(11, {10: 5.0}))
    view = window.gradient_view
    assert len(view.entries) == len(window.document.network.layers)
    assert len(view.bar.targets.buttons()) == 11


def test_the_layers_tab_catches_up_when_opened(window, draw, make_line):
    """Layer outputs are not computed for a hidden Layers tab; opening it shows them."""
    window.tabs.setCurrentWidget(window.gradient_view)
    draw_line(window, draw, make_line)
    assert not window.last_recognition.activations
    window.tabs.setCurrentWidget(window.layer_view)
    assert window.last_recognition.activations
    assert all(entry.content.has_values for entry in window.layer_view.entries())


def test_pressing_e_explains_the_unit_under_the_pointer(window, monkeypatch):
    """E asks the view to explain what is under the pointer (``explain_at``, tested
    with the view; the offscreen platform has no pointer to move)."""
    asked = []
    monkeypatch.setattr(window.gradient_view, "explain_at", asked.append)
    QTest.keyClick(window, Qt.Key.Key_E)
    assert asked == [QCursor.pos()]
