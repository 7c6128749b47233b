"""The window refuses a model that loads but cannot read digits: it says why and keeps
the model it had (issue 13, item 6: prediction_panel, recognition and pyqtgraph used to
raise on such networks)."""

import pytest

from digitlab.core.files.model_file import save_model
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import Conv2D
from digitlab.core.nn.network import Network


@pytest.mark.parametrize(
    ("network", "words"),
    [
        (lambda: lenet5(0, classes=3), "it gives 3 class scores"),
        (lambda: Network([Conv2D(4, 5, padding=2)], (1, 28, 28), rng=0), "not one score per"),
    ],
    ids=["3-classes", "conv-output"],
)
def test_opening_an_unusable_model_says_why_and_keeps_the_current_one(
    window, tmp_path, errors, network, words
):
    before = window.document.model_file
    path = tmp_path / "odd.h5"
    save_model(path, network())
    assert not window.open_model_path(path)
    assert len(errors) == 1
    assert "odd.h5" in errors[0][1] and words in errors[0][1]
    assert window.document.model_file is before
    assert window.statusBar().currentMessage().startswith("Could not open odd.h5")
