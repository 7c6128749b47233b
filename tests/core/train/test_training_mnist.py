"""On real MNIST (where it is available): a short run learns to read handwriting."""

from __future__ import annotations

import pytest

from digitlab.core.data.mnist import load_mnist, to_network_input
from digitlab.core.nn.architectures import lenet5
from digitlab.core.train.trainer import Trainer
from digitlab.core.train.types import TrainConfig

pytestmark = pytest.mark.mnist


def test_a_few_thousand_images_reach_95_percent_validation_accuracy(mnist_dir):
    train = load_mnist(mnist_dir).train
    x, labels = to_network_input(train.images), train.labels
    # 6,000 images to learn from and the last 1,000 of the training set to validate on
    trainer = Trainer(
        lenet5(0),
        (x[:6000], labels[:6000]),
        (x[-1000:], labels[-1000:]),
        TrainConfig(epochs=3, batch_size=32, augment=False, schedule="constant"),
    )
    result = trainer.run()
    assert result.best_val_accuracy >= 0.95, result.history
