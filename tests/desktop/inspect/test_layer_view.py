"""The layer view: one entry per layer, values shown and cleared, tooltips, kernels."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from conftest import forced_network
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget

from digitlab.core.errors import ShapeError
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Sigmoid,
    Tanh,
)
from digitlab.core.nn.network import Network
from digitlab.desktop.common.image_utils import (
    DIVERGING_DARK,
    DIVERGING_LIGHT,
    IndexedImage,
    format_value,
    to_indices,
    value_range,
)
from digitlab.desktop.inspect.layer_maps import MapGrid, balanced_columns
from digitlab.desktop.inspect.layer_view import LayerView, nonnegative_outputs

LENET_NAMES = [
    "conv1", "relu1", "pool1", "conv2", "relu2", "pool2",
    "flatten", "dense1", "relu3", "dense2", "relu4", "dense3",
]  # fmt: skip


def odd_network() -> Network:
    """Small, and made of the layers LeNet-5 lacks."""
    layers = [
        Conv2D(4, 3, name="conv"),
        Sigmoid(name="sig"),
        AvgPool2D(2, name="avg"),
        Dropout(0.5, name="drop"),
        Flatten(name="flat"),
        Dense(7, name="dense"),
        Tanh(name="tanh"),
    ]
    return Network(layers, (1, 12, 12), rng=0)


def run(network: Network, image: np.ndarray) -> tuple[list[tuple[str, np.ndarray]], np.ndarray]:
    """What the main window passes: per-layer outputs and probabilities for one image."""
    x = image.reshape(1, *network.input_shape)
    activations = [(name, out[0]) for name, out in network.activations(x)]
    return activations, network.predict_proba(x)[0]


@pytest.fixture
def lenet() -> Network:
    return lenet5(0)


@pytest.fixture
def image(digits) -> np.ndarray:
    images, _ = digits(1)
    return images[0]


@pytest.fixture
def view(qtbot, lenet) -> LayerView:
    widget = LayerView()
    qtbot.addWidget(widget)
    widget.set_network(lenet)
    widget.resize(600, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# -- entries -------------------------------------------------------------------
def test_lenet5_has_one_entry_per_layer_in_order(view: LayerView) -> None:
    assert view.entry_count() == 12
    assert [entry.name for entry in view.entries()] == LENET_NAMES
    assert view.softmax_entry is not None  # shown after the layers, not counted


def test_odd_network_has_one_entry_per_layer(qtbot) -> None:
    view = LayerView()
    qtbot.addWidget(view)
    network = odd_network()
    view.set_network(network)
    assert view.entry_count() == len(network.layers) == 7
    assert [e.name for e in view.entries()] == [
        "conv",
        "sig",
        "avg",
        "drop",
        "flat",
        "dense",
        "tanh",
    ]


def test_headers_name_kind_and_shape(view: LayerView) -> None:
    texts = [label.text() for label in view.entries()[0].findChildren(QLabel)]
    assert "conv1" in texts
    assert "· Convolution · 6\u00d728\u00d728" in texts


def test_set_network_again_rebuilds_the_entries(view: LayerView, image) -> None:
    view.set_network(odd_network())
    assert view.entry_count() == 7
    assert view.entries()[0].name == "conv"
    with pytest.raises(ShapeError):  # LeNet's outputs no longer fit
        view.show_activations(*run(lenet5(0), image))


def test_sign_of_outputs_picks_the_colour_scale() -> None:
    assert nonnegative_outputs(lenet5(0).layers) == [
        False, True, True, False, True, True, True, False, True, False, True, False,
    ]  # fmt: skip
    assert nonnegative_outputs(odd_network().layers) == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_layer_class_defined_elsewhere_is_shown_as_it_describes_itself(
    qtbot, absolute_layer, image
) -> None:
    # Given a network with a layer class that core and desktop do not know
    layers = [Conv2D(3, 3, name="conv"), absolute_layer(name="abs"), MaxPool2D(2, name="pool")]
    network = Network([*layers, Flatten(name="flat"), Dense(4, name="dense")], (1, 28, 28), rng=0)
    view = LayerView()
    qtbot.addWidget(view)
    # When the view shows it
    view.set_network(network)
    view.show_activations(*run(network, image))
    entries = {entry.name: entry for entry in view.entries()}
    # Then its entry says its kind, and its non-negative output gets a scale from zero,
    # as does the max-pool after it
    texts = [label.text() for label in entries["abs"].findChildren(QLabel)]
    assert "· Absolute value · 3\u00d726\u00d726" in texts
    assert nonnegative_outputs(network.layers) == [False, True, True, True, False]
    assert entries["abs"].legend.range[0] == 0.0 and not entries["abs"].legend.centred
    assert entries["abs"].kernels is None and entries["abs"].content.has_values


def test_kernels_come_from_what_a_layer_says_not_from_its_class(
    qtbot, forget_new_layer_types
) -> None:
    class HiddenKernels(Conv2D):  # a convolution whose kernels are not worth showing
        image_weights = None

    view = LayerView()
    qtbot.addWidget(view)
    view.set_network(Network([HiddenKernels(2, 3), Conv2D(2, 3)], (1, 8, 8), rng=0))
    view.show_kernels(True)
    hidden, shown = view.entries()
    assert hidden.kernels is None and shown.kernels is not None
    assert hidden.findChildren(QLabel)[1].text().startswith("· HiddenKernels · ")


# -- showing and clearing -------------------------------------------------------
def test_show_fills_every_entry_and_clear_empties_them(view, lenet, image) -> None:
    activations, probabilities = run(lenet, image)
    view.show_activations(activations, probabilities)
    assert all(entry.content.has_values for entry in view.entries())
    assert view.softmax_entry.bars.has_values
    view.clear_activations()
    assert not any(entry.content.has_values for entry in view.entries())
    assert not view.softmax_entry.bars.has_values
    assert all(entry.legend.range is None for entry in view.entries())


def test_probabilities_none_clears_only_the_softmax(view, lenet, image) -> None:
    activations, probabilities = run(lenet, image)
    view.show_activations(activations, probabilities)
    view.show_activations(activations, None)
    assert not view.softmax_entry.bars.has_values
    assert view.entries()[0].content.has_values


def test_show_creates_no_widgets(view, lenet, image) -> None:
    before = len(view.findChildren(QWidget))
    view.show_activations(*run(lenet, image))
    view.show_activations(*run(lenet, image[::-1].copy()))
    assert len(view.findChildren(QWidget)) == before


def test_signed_layers_get_a_scale_centred_on_zero(view, lenet, image) -> None:
    view.show_activations(*run(lenet, image))
    entries = {entry.name: entry for entry in view.entries()}
    lo, hi = entries["conv1"].legend.range
    assert lo == -hi and hi > 0
    assert entries["relu1"].legend.range[0] == 0.0


def test_a_batch_dimension_is_a_clear_error(view, lenet, image) -> None:
    x = image.reshape(1, 1, 28, 28)
    with_batch = lenet.activations(x)  # (1, C, H, W): the batch dimension left in
    with pytest.raises(ShapeError, match=r"layer conv1 outputs \(6, 28, 28\).*\(1, 6, 28, 28\)"):
        view.show_activations(with_batch, None)
    assert not any(entry.content.has_values for entry in view.entries())  # nothing half-shown


def test_missing_layers_and_wrong_probabilities_are_clear_errors(view, lenet, image) -> None:
    activations, probabilities = run(lenet, image)
    with pytest.raises(ShapeError, match="but the activations are for conv1, relu1"):
        view.show_activations(activations[:2], probabilities)
    with pytest.raises(ShapeError, match="10 classes"):
        view.show_activations(activations, probabilities[None])


def test_show_before_set_network_is_a_clear_error(qtbot, lenet, image) -> None:
    view = LayerView()
    qtbot.addWidget(view)
    with pytest.raises(ShapeError, match="set_network"):
        view.show_activations(*run(lenet, image))


# -- tooltips -------------------------------------------------------------------
def test_map_tooltip_names_layer_channel_and_range(view, lenet, image) -> None:
    activations, probabilities = run(lenet, image)
    view.show_activations(activations, probabilities)
    grid = view.entries()[3].content  # conv2
    channel = dict(activations)["conv2"][7]
    expected = (
        f"conv2 · channel 7 · min {format_value(channel.min())} max {format_value(channel.max())}"
    )
    assert grid.tooltip_at(grid.cell_rect(7).center()) == expected
    gap = grid.cell_rect(0).topRight() + QPoint(2, 5)  # between maps 0 and 1
    assert grid.tooltip_at(gap) is None


def test_tooltip_event_shows_the_text(view, lenet, image) -> None:
    view.show_activations(*run(lenet, image))
    grid = view.entries()[0].content
    pos = grid.cell_rect(2).center()
    QApplication.sendEvent(grid, QHelpEvent(QEvent.Type.ToolTip, pos, grid.mapToGlobal(pos)))
    assert QToolTip.text().startswith("conv1 · channel 2 · min ")
    QToolTip.hideText()


def test_unit_tooltips_name_the_unit_and_value(view, lenet, image) -> None:
    activations, probabilities = run(lenet, image)
    view.show_activations(activations, probabilities)
    entries = {entry.name: entry for entry in view.entries()}
    strip = entries["dense1"].content
    value = format_value(dict(activations)["dense1"][5])
    assert strip.tooltip_at(strip.cell_rect(5).center()) == f"dense1 · unit 5 · {value}"
    flat = entries["flatten"].content  # 400 units from (16, 5, 5): unit 27 is channel 1
    assert flat.tooltip_at(flat.cell_rect(27).center()).startswith(
        "flatten · unit 27 (channel 1, row 0, column 2) · "
    )
    bars = view.softmax_entry.bars
    winner = int(probabilities.argmax())
    text = bars.tooltip_at(bars.cell_rect(winner).center())
    assert text == f"digit {winner} · {100 * probabilities[winner]:.1f} %"


def test_empty_maps_still_name_themselves(view) -> None:
    grid = view.entries()[0].content
    assert grid.tooltip_at(grid.cell_rect(4).center()) == "conv1 · channel 4"


# -- kernels --------------------------------------------------------------------
def test_kernels_toggle_shows_kernel_images_for_conv_layers_only(view, lenet) -> None:
    conv = {"conv1", "conv2"}
    assert all(e.kernels is None for e in view.entries() if e.name not in conv)
    assert not any(e.kernels.isVisibleTo(view) for e in view.entries() if e.name in conv)
    view.show_kernels(True)
    shown = {e.name: e.kernels for e in view.entries() if e.kernels and e.kernels.isVisibleTo(view)}
    assert set(shown) == conv
    assert shown["conv1"].count == 6 * 1 and shown["conv2"].count == 16 * 6
    assert shown["conv2"].has_values
    view.show_kernels(False)
    assert not any(e.kernels.isVisibleTo(view) for e in view.entries() if e.name in conv)


def test_kernels_stay_shown_for_a_new_network(view) -> None:
    view.show_kernels(True)
    view.set_network(odd_network())
    assert view.entries()[0].kernels.isVisibleTo(view)


def test_kernel_tooltip_names_kernel_and_input_channel(view, lenet) -> None:
    view.show_kernels(True)
    grid = view.entries()[3].kernels  # conv2: one row per input channel, one column per kernel
    kernel = lenet.layers[3].params["kernel"][5, 2]
    text = grid.tooltip_at(grid.cell_rect(2 * 16 + 5).center())
    assert text == (
        f"conv2 · kernel 5 · input channel 2 · min {format_value(kernel.min())} "
        f"max {format_value(kernel.max())}"
    )


# -- colours and images ---------------------------------------------------------
def test_colours_follow_the_palette(qtbot) -> None:
    grid = MapGrid(2, (4, 4), str, centred=True)
    qtbot.addWidget(grid)
    grid.set_values(np.zeros((2, 4, 4), np.float32), -1.0, 1.0)  # zero: the map's middle
    grid.resize(grid.sizeHint())
    centre = grid.cell_rect(0).center()

    def pixel() -> QColor:
        return grid.grab().toImage().pixelColor(centre)

    assert pixel() == DIVERGING_LIGHT.color(128 / 255)
    dark = QPalette(grid.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#1b1c20"))
    grid.setPalette(dark)
    assert pixel() == DIVERGING_DARK.color(128 / 255)


def test_to_indices_spans_the_colour_table() -> None:
    image = IndexedImage(1, 5)
    values = np.array([[-1.0, 0.0, 1.0, 7.0, np.nan]], np.float32)
    to_indices(values, -1.0, 1.0, image.pixels)
    assert image.pixels.tolist() == [[0, 128, 255, 255, 0]]


def test_value_range_is_never_empty() -> None:
    zeros = np.zeros(4, np.float32)
    assert value_range(zeros, centred=True) == (-1.0, 1.0)
    assert value_range(zeros, centred=False) == (0.0, 1.0)
    assert value_range(np.array([-0.5, 2.0]), centred=True) == (-2.0, 2.0)
    assert value_range(np.array([0.5, 2.0]), centred=False) == (0.0, 2.0)


def test_values_read_with_a_true_minus_sign() -> None:
    assert format_value(-0.4213) == "\u22120.42"
    assert format_value(-0.001) == "0.00"
    assert format_value(3.1) == "3.10"


@pytest.mark.parametrize(
    ("count", "fit", "columns"), [(84, 72, 42), (16, 9, 8), (6, 20, 6), (400, 84, 80), (5, 0, 1)]
)
def test_wrapped_rows_are_filled_evenly(count: int, fit: int, columns: int) -> None:
    assert balanced_columns(count, fit) == columns


def test_the_eleventh_softmax_unit_is_not_a_digit(view, image) -> None:
    network = forced_network(11, {10: 3.0})
    view.set_network(network)
    activations, probabilities = run(network, image)
    view.show_activations(activations, probabilities)
    entry = view.softmax_entry
    bars = entry.bars
    assert bars.classes == 11
    assert any("not a digit" in label.text() for label in entry.findChildren(QLabel))
    assert [bars.short_label(i) for i in (0, 9, 10)] == ["0", "9", "\u2014"]
    text = bars.tooltip_at(bars.cell_rect(10).center())
    assert text == f"not a digit · {100 * probabilities[10]:.1f} %"
    assert bars.tooltip_at(bars.cell_rect(4).center()).startswith("digit 4 · ")
    assert not bars.grab().isNull()  # paints the eleven bars


def test_other_class_counts_are_numbered(qtbot) -> None:
    from digitlab.desktop.inspect.layer_units import ProbabilityBars

    bars = ProbabilityBars(7)
    qtbot.addWidget(bars)
    assert bars.label(5) == "class 5" and bars.short_label(5) == "5"
