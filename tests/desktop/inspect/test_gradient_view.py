"""The backward view: the core's gradients shown, the target, explaining a unit,
and a learning step that is made on a copy and can be undone."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from explain_nets import bundled_network, drawn_seven
from PySide6.QtCore import QPoint, Qt

from digitlab.core.explain.backprop import backprop
from digitlab.desktop.inspect.gradient_view import HINT, GradientView


@pytest.fixture
def network():
    return bundled_network()


@pytest.fixture
def view(qtbot, network):
    view = GradientView()
    qtbot.addWidget(view)
    view.resize(600, 900)
    view.set_network(network)
    view.show()
    qtbot.waitExposed(view)
    view.show_drawing(drawn_seven(), 7)
    return view


def test_the_maps_show_exactly_the_training_steps_gradients(view, network):
    """Given a drawn seven and the target 7, every map holds the core's numbers: the
    output gradients of backprop, and weight gradients equal to a training step's."""
    x = drawn_seven()
    network.train_step(x[None], np.array([7]), shard_size=None)
    trained = network.grads()
    for entry, layer in zip(view.entries, view.result.layers, strict=True):
        view._scroll.ensureWidgetVisible(entry)  # cards out of sight wait until seen
        shown = entry.content._values.reshape(layer.output_grad.shape)
        np.testing.assert_array_equal(shown, layer.output_grad, err_msg=entry.name)
        if entry.kernel is None:
            continue
        kernel = trained[f"{entry.name}.kernel"]
        if kernel.ndim == 4:  # shown one row per input channel: (C*F, kh, kw)
            f, c, kh, kw = kernel.shape
            expected = kernel.transpose(1, 0, 2, 3).reshape(c * f, kh, kw)
            np.testing.assert_array_equal(entry.kernel._values, expected, err_msg=entry.name)
        else:  # shown as (blocks, units, block) images of the (D, units) kernel
            shown = entry.kernel._values.transpose(0, 2, 1).reshape(-1, kernel.shape[1])
            np.testing.assert_array_equal(shown[: len(kernel)], kernel, err_msg=entry.name)
        np.testing.assert_array_equal(entry.bias._values, trained[f"{entry.name}.bias"])
    np.testing.assert_array_equal(view.input_entry.grad._values, view.result.input_grad)


def test_cards_out_of_sight_are_filled_when_scrolled_to(qtbot, view):
    last = view.entries[-1]
    assert view.entries[0].content.has_values and not last.content.has_values
    view._scroll.ensureWidgetVisible(last)
    np.testing.assert_array_equal(last.content._values, view.result.layers[-1].output_grad)


def test_the_target_follows_the_answer_until_one_is_chosen(qtbot, view):
    assert view.target == 7 and view.result.target == 7
    qtbot.mouseClick(view.bar.targets.button(3), Qt.MouseButton.LeftButton)
    assert view.result.target == 3
    assert "p[3]" in view.bar.loss_label.text()
    view.show_drawing(drawn_seven(), 7)  # another stroke of the same drawing
    assert view.target == 3
    view.show_drawing(None, None)  # cleared: the next drawing follows its answer again
    view.show_drawing(drawn_seven(), 7)
    assert view.target == 7


def test_a_hidden_view_computes_nothing_until_shown(qtbot, view):
    view.hide()
    view.show_drawing(None, None)
    view.show_drawing(drawn_seven(), 4)
    assert view.result.target == 7  # still the last one computed while shown
    view.show()
    qtbot.waitExposed(view)
    assert view.result is not None and view.result.target == 4


def test_clicking_a_unit_explains_it_and_outlines_what_it_reads(qtbot, view):
    """Given a click on a conv2 map, the panel shows that unit's forward sum and its
    gradient, and its receptive field is outlined in the image and in pool1."""
    entries = {entry.name: entry for entry in view.entries}
    grid = entries["conv2"].content
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(4).center())
    text = view.explanation.toPlainText()
    assert "conv2 · channel 4" in text
    assert "Forward" in text and "Backward" in text and "bias" in text
    assert view.input_entry.image.marks  # the receptive field in the image
    assert len(entries["pool1"].content.marks) == 12  # the window in every input channel
    assert len(grid.marks) == 1


def test_pointing_at_a_unit_and_asking_explains_it(view):
    grid = view.entries[0].content  # conv1
    corner = grid.cell_rect(2).topLeft()
    point = corner + QPoint(
        7 * grid.map_size().width() // 28 + 1, 3 * grid.map_size().height() // 28 + 1
    )
    assert view.explain_at(grid.mapToGlobal(point))
    assert "conv1 · channel 2 · row 3, column 7" in view.explanation.toPlainText()
    assert not view.explain_at(view.bar.mapToGlobal(QPoint(2, 2)))


def test_a_dense_unit_lists_its_largest_inputs_and_the_chain_rule(view):
    unit = int(np.argmax(np.abs(view.result.layer("dense2").output_grad)))
    view.explain(9, (unit,))
    text = view.explanation.toPlainText()
    assert f"dense2 · unit {unit}" in text and "the largest" in text
    assert "Chain rule" in text and "relu4" in text
    entries = {entry.name: entry for entry in view.entries}
    assert entries["relu4"].content.marks == [(unit,)]  # the unit it got its gradient from


def test_a_unit_that_no_gradient_reaches_says_why(view):
    off = int(np.flatnonzero(view.result.layer("relu4").output == 0)[0])  # ReLU off
    view.explain(9, (off,))
    text = view.explanation.toPlainText()
    assert "no gradient reaches it" in text and "adds nothing to dL/dkernel" in text


def test_the_last_layer_gets_probability_minus_target(view):
    view.explain(len(view.entries) - 1, (7,))
    assert "From the loss: p \u2212 t" in view.explanation.toPlainText()


def test_learning_steps_change_a_copy_and_undo_returns(qtbot, view, network):
    """Given the target 2, Learn takes a step on a copy: the model's weights do not
    move, p(2) rises, before and after are compared; Undo shows the model again."""
    weights = network.get_weights()
    before = backprop(network, drawn_seven(), 2)
    qtbot.mouseClick(view.bar.targets.button(2), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.bar.learn_button, Qt.MouseButton.LeftButton)
    assert view.steps == 1 and view.network is not network
    for name, value in network.params().items():
        np.testing.assert_array_equal(value, weights[name])
    assert view.result.probabilities[2] > before.probabilities[2]
    assert view.bar.compare.isVisible()
    assert "toward 2" in view.bar.compare_label.text()
    qtbot.mouseClick(view.bar.before_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(view.result.probabilities, before.probabilities)
    qtbot.mouseClick(view.bar.after_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.bar.undo_button, Qt.MouseButton.LeftButton)
    assert view.steps == 0 and view.network is network
    assert not view.bar.compare.isVisible() and not view.bar.undo_button.isEnabled()
    np.testing.assert_array_equal(view.result.probabilities, before.probabilities)


def test_a_new_model_forgets_the_steps_and_the_selection(view, network):
    view.explain(0, (0, 10, 10))
    view.learn()
    view.set_network(network)
    assert view.steps == 0
    assert view.explanation.toPlainText() == HINT.removeprefix("<p>").removesuffix("</p>")
