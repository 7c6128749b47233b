"""One step of learning on one drawing changes a copy, never the network given."""

from __future__ import annotations

import numpy as np
import pytest
from explain_nets import bundled_network, drawn_seven

from digitlab.core.explain.learn import learn_step


def test_one_step_changes_the_copy_only():
    network, x = bundled_network(), drawn_seven()
    before = network.get_weights()
    step = learn_step(network, x, 2, lr=0.003)
    for name, value in network.params().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    assert step.network is not network
    changed = step.network.params()
    grads = step.before.grads()
    for name, value in before.items():
        np.testing.assert_allclose(changed[name], value - 0.003 * grads[name], rtol=0, atol=1e-6)


def test_the_step_turns_the_answer_toward_the_target():
    """Given a seven and the target 2, one step lowers the loss and raises p(2); the
    drawing through the original network still reads as before."""
    network, x = bundled_network(), drawn_seven()
    step = learn_step(network, x, 2)
    assert step.after.loss < step.before.loss
    assert step.after.probabilities[2] > step.before.probabilities[2]
    assert step.after.target == step.before.target == 2
    again = learn_step(network, x, 2)
    np.testing.assert_array_equal(again.before.probabilities, step.before.probabilities)


def test_update_ratios_are_small_and_named_like_the_parameters():
    network, x = bundled_network(), drawn_seven()
    ratios = learn_step(network, x, 2).update_ratios(network)
    assert list(ratios) == list(network.params())
    assert all(0 < r < 0.5 for r in ratios.values())


def test_a_bad_step_size_is_refused():
    with pytest.raises(ValueError, match="lr must be > 0"):
        learn_step(bundled_network(), drawn_seven(), 2, lr=0.0)
