"""The sizes digitlab accepts in the files it reads, each with the reason for it.

Every reader checks a declared size against these before it allocates or reads
anything, so a small hostile or damaged file cannot make it use gigabytes or
minutes. docs/model-format.md and docs/my-digits-format.md state them for users.
Each limit is far above what digitlab itself writes (LeNet-5: 12 layers, 61,706
parameters; a collection: hundreds of digits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# -- model files -------------------------------------------------------------
#: Layers in one network (LeNet-5 has 12).
MAX_LAYERS = 1_000
#: Trainable parameters in one network: 80 MB of float32 weights, 240 MB with Adam's slots.
MAX_PARAMETERS = 20_000_000
#: Values one layer outputs for one image (LeNet's widest, conv1, outputs 4,704); bounds
#: the memory every prediction and every training batch needs.
MAX_LAYER_OUTPUT = 1_000_000
#: Epochs in one training-history series, and series in a history.
MAX_HISTORY_EPOCHS = 100_000
MAX_HISTORY_SERIES = 100
#: Bytes of one text (JSON) attribute; LeNet-5's largest is about 5 KB.
MAX_TEXT_ATTRIBUTE = 1_000_000
#: Groups and datasets under one of the model file's groups.
MAX_ITEMS = 20_000

# -- the "my digits" store -----------------------------------------------------
#: Digits in one collection.
MAX_SAMPLES = 20_000
#: Pixels of one stored canvas (canvases are shrunk to 512 on a side when stored).
MAX_CANVAS_SIDE = 512
#: Pixels of all canvases together once unpacked: each is unpacked once, to check it.
MAX_CANVAS_PIXELS_TOTAL = 1_000_000_000
#: Bytes of one text value in the store (ids, dates, model names).
MAX_STORE_TEXT = 1_000

# -- any HDF5 file -------------------------------------------------------------
#: Bytes of one chunk of a chunked dataset, when it is more than the dataset itself:
#: reading one value unpacks its whole chunk.
MAX_CHUNK_BYTES = 4_000_000


def elements(shape: Sequence[int]) -> int:
    """How many values an array of ``shape`` holds, as an exact Python int (no overflow)."""
    return math.prod(int(side) for side in shape)
