"""Every layer states its forward and backward rule, with its own sizes filled in."""

from __future__ import annotations

from explain_nets import bundled_network, tiny_network

from digitlab.core.explain.rules import rules_for


def test_every_layer_of_lenet5_has_both_rules_with_its_sizes():
    rules = {layer.name: rules_for(layer) for layer in bundled_network().layers}
    assert all(forward and backward for forward, backward in rules.values())
    assert rules["pool1"][0] == "y = the largest value of each 2\u00d72 window"
    assert "winner" in rules["pool1"][1]
    assert rules["flatten"][1] == "dx = \u03b4 folded back to 32\u00d75\u00d75"
    assert rules["dense1"][1].startswith("dW = x\u1d40 \u03b4")
    assert "rot180" in rules["conv2"][1]


def test_average_pooling_shares_the_gradient_by_its_window_size():
    pool = tiny_network("avg").layers[2]
    assert rules_for(pool)[1] == "each value of a window gets \u03b4 / 4"


def test_a_layer_digitlab_does_not_know_gets_its_kind(absolute_layer):
    layer = absolute_layer()
    layer.build((3,), None)
    assert rules_for(layer) == ("Absolute value", "dx = \u03b4 \u00b7 dy/dx")
