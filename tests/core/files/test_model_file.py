"""model.h5: round trips of every layer and of a trained LeNet-5, the Keras view,
reading with plain h5py as the docs describe, atomic saving, and every bad file."""

import errno
import json
import os
import re
import shutil
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import h5py
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from digitlab.core.errors import ModelFileError
from digitlab.core.files.model_file import (
    FORMAT_NAME,
    FORMAT_VERSION,
    load_model,
    read_metadata,
    save_model,
)
from digitlab.core.nn.architectures import lenet5
from digitlab.core.nn.layers import (
    LAYER_TYPES,
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    ReLU,
    Sigmoid,
    Tanh,
)
from digitlab.core.nn.losses import MeanSquaredError
from digitlab.core.nn.network import Network
from digitlab.core.train.optimizers import make_optimizer, optimizer_from_state
from digitlab.core.version import __version__

DOCS = Path(__file__).resolve().parents[3] / "docs" / "model-format.md"
MNIST_NORMALIZATION = "pixels / 255, ink = 1, background = 0, shape (N, 1, 28, 28)"


def every_layer_network(seed: int = 0) -> Network:
    """Each layer type once, with stride, padding and non-square windows, every
    parameter (biases too) random."""
    layers = [
        Conv2D(4, 3, padding=1, name="conv1"),  # (4, 12, 12)
        Tanh(name="tanh1"),
        MaxPool2D(2, name="pool1"),  # (4, 6, 6)
        Conv2D(3, (3, 2), stride=2, padding=1, kernel_init="glorot_uniform", name="conv2"),
        Sigmoid(name="sigmoid1"),  # (3, 3, 4)
        AvgPool2D((2, 3), stride=1, name="pool2"),  # (3, 2, 2)
        ReLU(name="relu1"),
        Flatten(name="flatten"),  # (12,)
        Dense(7, name="dense1"),
        Dropout(0.3, name="drop1"),
        Dense(5, kernel_init="glorot_uniform", name="dense2"),
    ]
    network = Network(layers, (1, 12, 12), MeanSquaredError(), rng=seed)
    rng = np.random.default_rng(seed + 1)
    network.set_weights({k: rng.standard_normal(v.shape) for k, v in network.params().items()})
    return network


def trained_adam(network: Network, steps: int = 2):
    optimizer = make_optimizer("adam", lr=1e-3)
    rng = np.random.default_rng(7)
    for _ in range(steps):
        grads = {
            k: rng.standard_normal(v.shape).astype(np.float32) for k, v in network.params().items()
        }
        optimizer.step(network.params(), grads)
    return optimizer


def images(n: int = 4, shape=(1, 28, 28)) -> np.ndarray:
    return np.random.default_rng(3).random((n, *shape), dtype=np.float32)


HISTORY = {"loss": [0.9, 0.4], "val_accuracy": [0.8, 0.95], "lr": [1e-3, 5e-4], "time": [1.5, 1.25]}
TRAINING_STATE = {"epoch": 2, "best_val_loss": 0.21, "rng": [1, 2, 3], "early_stop": None}


@pytest.fixture(scope="module")
def lenet_file(tmp_path_factory):
    """A LeNet-5 file with everything: metadata, history, Adam state and training state."""
    network = lenet5(seed=0)
    optimizer = trained_adam(network)
    path = tmp_path_factory.mktemp("saved") / "model.h5"
    metadata = {"name": "LeNet-5", "dataset": "MNIST", "val_accuracy": 0.99, "epochs": 2}
    metadata["train_config"] = {"optimizer": "adam", "batch_size": 64}
    save_model(
        path,
        network,
        metadata=metadata,
        history=HISTORY,
        optimizer_state=optimizer.state_dict(),
        training_state=TRAINING_STATE,
    )
    return path, network, optimizer


@pytest.fixture
def lenet_copy(lenet_file, tmp_path):
    """A private copy of the LeNet-5 file that a test may spoil."""
    target = tmp_path / "model.h5"
    shutil.copy(lenet_file[0], target)
    return target


# -- round trips -------------------------------------------------------------------


def test_every_layer_type_round_trips(tmp_path):
    network = every_layer_network()
    assert {type(layer).__name__ for layer in network.layers} == set(LAYER_TYPES)
    save_model(tmp_path / "m.h5", network)
    loaded = load_model(tmp_path / "m.h5").network
    assert loaded.get_config() == network.get_config()
    assert isinstance(loaded.loss, MeanSquaredError)
    weights, original = loaded.get_weights(), network.get_weights()
    assert weights.keys() == original.keys()
    for name, value in original.items():
        assert weights[name].dtype == np.float32
        assert_array_equal(weights[name], value, err_msg=name)
    x = images(5, (1, 12, 12))
    assert_array_equal(loaded.predict_proba(x), network.predict_proba(x))


def test_a_layer_class_defined_elsewhere_round_trips(tmp_path, absolute_layer):
    # A registered class is all a file needs: nothing in core/files knows it by name
    network = Network([Conv2D(2, 3, name="conv"), absolute_layer(), Flatten(), Dense(3)], (1, 6, 6))
    save_model(tmp_path / "m.h5", network)
    loaded = load_model(tmp_path / "m.h5").network
    assert type(loaded.layers[1]) is absolute_layer
    with h5py.File(tmp_path / "m.h5", "r") as f:  # the Keras view shows it as it is
        keras = json.loads(f.attrs["model_config"])
    assert keras["config"]["layers"][2] == {"class_name": "Absolute", "config": {"name": "abs1"}}
    x = images(3, (1, 6, 6))
    assert_array_equal(loaded.predict_proba(x), network.predict_proba(x))


def test_lenet5_round_trips_with_everything(lenet_file):
    path, network, optimizer = lenet_file
    model = load_model(path)
    x = images()
    assert_array_equal(model.network.predict_proba(x), network.predict_proba(x))
    assert model.history == HISTORY
    assert model.training_state == TRAINING_STATE
    state, saved = model.optimizer_state, optimizer.state_dict()
    assert {k: state[k] for k in ("class", "config", "iterations")} == {
        k: saved[k] for k in ("class", "config", "iterations")
    }
    assert state["slots"].keys() == saved["slots"].keys() == {"m", "v"}
    for kind, arrays in saved["slots"].items():
        assert state["slots"][kind].keys() == arrays.keys()
        for name, value in arrays.items():
            assert_array_equal(state["slots"][kind][name], value, err_msg=f"{kind} {name}")


def test_the_loaded_optimizer_state_resumes_training_exactly(lenet_file):
    path, network, optimizer = lenet_file
    model = load_model(path)
    resumed = optimizer_from_state(model.optimizer_state)
    original_params = network.get_weights()  # a copy, so the fixture's network stays as saved
    grads = {k: np.full(v.shape, 0.01, np.float32) for k, v in original_params.items()}
    twin = optimizer_from_state(optimizer.state_dict())
    twin.step(original_params, grads)
    resumed.step(model.network.params(), grads)
    for name, value in original_params.items():
        assert_array_equal(model.network.params()[name], value, err_msg=name)


def test_metadata_keeps_the_callers_keys_and_adds_the_standard_ones(lenet_file):
    path, network, _ = lenet_file
    metadata = load_model(path).metadata
    assert metadata["name"] == "LeNet-5" and metadata["dataset"] == "MNIST"
    assert metadata["train_config"] == {"optimizer": "adam", "batch_size": 64}
    assert metadata["format"] == FORMAT_NAME and metadata["format_version"] == FORMAT_VERSION
    assert metadata["digitlab_version"] == __version__
    assert metadata["input_shape"] == [1, 28, 28]
    assert metadata["input_normalization"] == MNIST_NORMALIZATION
    assert metadata["num_params"] == network.num_params == 61706
    created = datetime.fromisoformat(metadata["created"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(hours=1)


def test_standard_keys_win_over_the_callers_but_input_normalization_is_kept(tmp_path):
    given = {"format": "mine", "num_params": 3, "input_normalization": "x / 127.5 - 1"}
    save_model(tmp_path / "m.h5", every_layer_network(), metadata=given)
    metadata = read_metadata(tmp_path / "m.h5")
    assert metadata["format"] == FORMAT_NAME
    assert metadata["num_params"] == every_layer_network().num_params
    assert metadata["input_normalization"] == "x / 127.5 - 1"


def test_read_metadata_gives_the_same_metadata_as_load_model(lenet_file):
    assert read_metadata(lenet_file[0]) == load_model(lenet_file[0]).metadata


def test_optional_parts_are_empty_when_not_saved(tmp_path):
    save_model(tmp_path / "m.h5", every_layer_network())
    model = load_model(tmp_path / "m.h5")
    assert (model.history, model.optimizer_state, model.training_state) == ({}, None, None)


def test_an_optimizer_without_slots_round_trips(tmp_path):
    network = every_layer_network()
    plain_sgd = make_optimizer("sgd", lr=0.1)
    plain_sgd.step(network.params(), network.get_weights())
    save_model(tmp_path / "m.h5", network, optimizer_state=plain_sgd.state_dict())
    assert load_model(tmp_path / "m.h5").optimizer_state == plain_sgd.state_dict()


def test_numpy_scalars_in_metadata_become_plain_numbers(tmp_path):
    metadata = {"val_accuracy": np.float32(0.5), "epochs": np.int64(3), "shape": (1, 2)}
    save_model(tmp_path / "m.h5", every_layer_network(), metadata=metadata)
    loaded = read_metadata(tmp_path / "m.h5")
    assert (loaded["val_accuracy"], loaded["epochs"], loaded["shape"]) == (0.5, 3, [1, 2])


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"metadata": {"weights": np.zeros(3)}}, "metadata['weights'] is a ndarray"),
        (
            {"metadata": {"train_config": {"lr": float("nan")}}},
            "metadata['train_config']['lr'] is nan",
        ),
        ({"metadata": {1: "one"}}, "metadata has the key 1"),
        ({"metadata": {"tags": {"a", "b"}}}, "metadata['tags'] is a set"),
        ({"training_state": {"seen": object()}}, "training_state['seen'] is a object"),
        ({"training_state": [1, 2]}, "training_state must be a dict"),
        ({"history": {"loss": ["low", "high"]}}, "history['loss'] is not a list of numbers"),
        ({"history": {"a/b": [1.0]}}, "history series name 'a/b'"),
        (
            {"optimizer_state": {"slots": {"m": {"conv1.kernel": np.zeros(2)}}}},
            "expects conv1.kernel",
        ),
        ({"optimizer_state": {"class": "Adam"}}, "not a dict with 'slots'"),
    ],
)
def test_bad_inputs_are_refused_before_anything_is_written(tmp_path, kwargs, shown):
    with pytest.raises(ModelFileError, match=r"could not save model to .*m\.h5") as caught:
        save_model(tmp_path / "m.h5", every_layer_network(), **kwargs)
    assert shown in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_nan_weights_are_refused_since_they_could_not_be_loaded(tmp_path):
    network = every_layer_network()
    network.params()["dense1.bias"][2] = np.nan
    with pytest.raises(ModelFileError, match=r"dense1\.bias contains NaN"):
        save_model(tmp_path / "m.h5", network)


# -- the file as other programs see it -----------------------------------------------


def docs_snippet() -> str:
    """The Python block of the section "Reading a file with h5py alone"."""
    section = DOCS.read_text(encoding="utf-8").split("## Reading a file with h5py alone", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_docs_snippet_reads_the_weights_with_plain_h5py(lenet_file):
    path, network, _ = lenet_file
    code = docs_snippet()
    assert "core" not in code  # it stands alone
    namespace: dict = {}
    exec(code, namespace)  # our own documentation, run as a reader would
    weights, architecture = namespace["read_weights"](str(path))
    assert architecture == network.get_config()
    assert weights.keys() == network.params().keys()
    for name, value in network.params().items():
        assert_array_equal(weights[name], value, err_msg=name)


def test_the_layout_is_keras_style(lenet_file):
    path, network, optimizer = lenet_file
    with h5py.File(path, "r") as f:
        assert f.attrs["keras_version"] == "2.15.0" and f.attrs["backend"] == "numpy"
        group = f["model_weights"]
        assert [n.decode() for n in group.attrs["layer_names"]] == [
            layer.name for layer in network.layers
        ]
        assert [n.decode() for n in group["conv2"].attrs["weight_names"]] == [
            "conv2/kernel:0",
            "conv2/bias:0",
        ]
        assert list(group["relu1"].attrs["weight_names"]) == []
        kernel = group["conv2/conv2/kernel:0"]
        assert (kernel.shape, kernel.dtype) == ((16, 6, 5, 5), np.float32)
        assert group["dense1/dense1/kernel:0"].shape == (400, 120)
        slots = f["optimizer_weights"]
        assert slots.attrs["class"] == "Adam" and slots.attrs["iterations"] == 2
        assert json.loads(slots.attrs["config"]) == optimizer.get_config()
        assert_array_equal(
            slots["v/conv1/kernel"], optimizer.state_dict()["slots"]["v"]["conv1.kernel"]
        )
        assert_array_equal(f["training_history/val_accuracy"], HISTORY["val_accuracy"])
        assert json.loads(f.attrs["training_state"]) == TRAINING_STATE


def keras_layers(path) -> list[dict]:
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
    assert config["class_name"] == "Sequential"
    return config["config"]["layers"]


def test_the_keras_view_of_lenet5(lenet_file):
    path, network, _ = lenet_file
    layers = keras_layers(path)
    assert [layer["class_name"] for layer in layers] == [
        "InputLayer", "Conv2D", "Activation", "MaxPooling2D", "Conv2D", "Activation",
        "MaxPooling2D", "Flatten", "Dense", "Activation", "Dense", "Activation", "Dense",
    ]  # fmt: skip
    assert [layer["config"]["name"] for layer in layers[1:]] == [
        layer.name for layer in network.layers
    ]
    by_name = {layer["config"]["name"]: layer["config"] for layer in layers}
    assert layers[0]["config"]["batch_input_shape"] == [None, 1, 28, 28]
    assert by_name["conv1"]["padding"] == "same" and "digitlab_padding" not in by_name["conv1"]
    assert by_name["conv2"]["padding"] == "valid"
    assert by_name["conv2"]["filters"] == 16 and by_name["conv2"]["kernel_size"] == [5, 5]
    assert by_name["conv1"]["data_format"] == "channels_first"
    assert by_name["pool1"]["pool_size"] == [2, 2] and by_name["pool1"]["strides"] == [2, 2]
    assert by_name["flatten"]["data_format"] == "channels_last"  # a plain reshape of (C, H, W)
    assert by_name["relu1"]["activation"] == "relu"
    assert by_name["dense1"]["units"] == 120


def test_the_keras_view_names_every_layer_type(tmp_path):
    save_model(tmp_path / "m.h5", every_layer_network())
    layers = keras_layers(tmp_path / "m.h5")
    assert len(layers) == 1 + len(every_layer_network().layers)
    assert all("trainable" in layer["config"] for layer in layers[1:])  # none left unmapped
    by_name = {layer["config"]["name"]: layer for layer in layers}
    conv2 = by_name["conv2"]["config"]  # stride 2, padding 1: no exact Keras word
    assert (conv2["padding"], conv2["digitlab_padding"], conv2["strides"]) == (
        "same",
        [1, 1],
        [2, 2],
    )
    assert by_name["pool2"]["class_name"] == "AveragePooling2D"
    assert by_name["pool2"]["config"]["pool_size"] == [2, 3]
    assert by_name["tanh1"]["config"]["activation"] == "tanh"
    assert by_name["sigmoid1"]["config"]["activation"] == "sigmoid"
    assert by_name["drop1"]["config"]["rate"] == 0.3


# -- atomic saving -------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "model.h5")


def fail_dataset_creation(monkeypatch, error: Exception) -> None:
    real = h5py.Group.create_dataset
    calls = []

    def create_dataset(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) == 5:  # part-way through the weights
            raise error
        return real(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)


def fail_replace(monkeypatch, error: Exception) -> None:
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(error))


@pytest.mark.parametrize("fail", [fail_dataset_creation, fail_replace])
def test_a_failed_save_leaves_the_old_file_untouched(lenet_copy, monkeypatch, fail):
    before = lenet_copy.read_bytes()
    fail(monkeypatch, OSError("Unable to create dataset (boom)"))
    with pytest.raises(ModelFileError, match=r"could not save model to .*model.h5: .*boom"):
        save_model(lenet_copy, every_layer_network())
    assert lenet_copy.read_bytes() == before
    assert leftovers(lenet_copy.parent) == []


def test_a_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    fail_dataset_creation(monkeypatch, RuntimeError("boom"))
    with pytest.raises(ModelFileError, match="boom"):
        save_model(tmp_path / "model.h5", every_layer_network())
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_reported_in_words(lenet_copy, monkeypatch):
    message = "Unable to create dataset (file write failed: errno = 28, error message = '')"
    fail_dataset_creation(monkeypatch, OSError(message))
    with pytest.raises(ModelFileError, match="no space left on device"):
        save_model(lenet_copy, every_layer_network())


def test_an_unwritable_folder_is_reported_in_words(tmp_path, monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(kwargs["dir"]))

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(ModelFileError, match=r"could not save model to .*: permission denied"):
        save_model(tmp_path / "model.h5", every_layer_network())


def test_a_missing_folder_or_a_folder_as_target_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match=r"the folder .*nowhere does not exist"):
        save_model(tmp_path / "nowhere" / "model.h5", every_layer_network())
    with pytest.raises(ModelFileError, match="it is a folder"):
        save_model(tmp_path, every_layer_network())


def test_saving_again_replaces_the_file(lenet_copy):
    save_model(lenet_copy, every_layer_network(seed=5), metadata={"name": "second"})
    model = load_model(lenet_copy)
    assert model.metadata["name"] == "second"
    assert model.network.get_config() == every_layer_network().get_config()
    assert leftovers(lenet_copy.parent) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_permissions_are_those_of_a_new_file_or_of_the_file_replaced(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    save_model(tmp_path / "model.h5", every_layer_network())  # mkstemp alone would give 0600
    assert stat.S_IMODE((tmp_path / "model.h5").stat().st_mode) == 0o666 & ~umask
    os.chmod(tmp_path / "model.h5", 0o640)
    save_model(tmp_path / "model.h5", every_layer_network())
    assert stat.S_IMODE((tmp_path / "model.h5").stat().st_mode) == 0o640


# -- files that are not usable ----------------------------------------------------------


def cannot_load(path, shown: str, reader=load_model) -> None:
    with pytest.raises(ModelFileError) as caught:
        reader(path)
    message = str(caught.value)
    assert message.startswith(f"cannot load {path}: "), message
    assert shown in message, message


def test_a_missing_file_or_a_folder(tmp_path):
    cannot_load(tmp_path / "absent.h5", "there is no such file")
    cannot_load(tmp_path, "it is a folder")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a model at all\n", b"\x89PNG\r\n\x1a\n" + bytes(200)],
    ids=["empty", "text", "png"],
)
def test_files_that_are_not_hdf5(tmp_path, content):
    path = tmp_path / "model.h5"
    path.write_bytes(content)
    cannot_load(path, "it is not an HDF5 file")
    cannot_load(path, "it is not an HDF5 file", read_metadata)


def test_a_truncated_file(lenet_copy):
    data = lenet_copy.read_bytes()
    lenet_copy.write_bytes(data[: len(data) // 2])
    cannot_load(lenet_copy, "the file is damaged or incomplete")


def strip_checksums(f):
    """Make ``f`` a file as written before checksums existed."""
    items = [f]
    f.visititems(lambda name, item: items.append(item))
    for item in items:
        for key in ("sha256", "checksums"):
            if key in item.attrs:
                del item.attrs[key]


def set_attr(key, value, where="/"):
    def edit(f):
        f[where].attrs[key] = value

    return edit


def delete_attr(key):
    def edit(f):
        del f.attrs[key]

    return edit


def replace_dataset(path, data):
    def edit(f):
        del f[path]
        f[path] = data

    return edit


def edit_config(change):
    """Change the parsed digitlab_config with ``change(config)`` and store it back."""

    def edit(f):
        config = json.loads(f.attrs["digitlab_config"])
        change(config)
        f.attrs["digitlab_config"] = json.dumps(config)

    return edit


def conv2_config(**settings):
    return edit_config(lambda config: config["layers"][3]["config"].update(settings))


def set_layer(index, entry):
    return edit_config(lambda config: config["layers"].__setitem__(index, entry))


KERNEL2 = "model_weights/conv2/conv2/kernel:0"
M_CONV1 = "optimizer_weights/m/conv1/kernel"

ROOT_PROBLEMS = {
    "no format": (delete_attr("format"), "it is an HDF5 file but not a digitlab model"),
    "other format": (set_attr("format", "weights-only"), "it is a 'weights-only' file"),
    "newer": (
        set_attr("format_version", 2),
        "it was written by a newer digitlab (format 2); "
        "this version reads format 1 — update digitlab",
    ),
    "version text": (set_attr("format_version", "1"), "format_version '1' is not a whole number"),
    "version 0": (set_attr("format_version", 0), "format_version 0 is not one digitlab"),
    "metadata JSON": (set_attr("metadata", "{oops"), "its metadata attribute is not valid JSON"),
    "metadata list": (set_attr("metadata", "[1]"), "its metadata attribute is not a JSON object"),
}

PROBLEMS = {
    **ROOT_PROBLEMS,
    "model_config JSON": (
        set_attr("model_config", "{"),
        "its model_config attribute is not valid JSON",
    ),
    "model_config shape": (set_attr("model_config", '{"layers": []}'), "not a Keras model config"),
    "config JSON": (
        set_attr("digitlab_config", "nan]"),
        "digitlab_config attribute is not valid JSON",
    ),
    "config list": (set_attr("digitlab_config", "[]"), "its digitlab_config is not a JSON object"),
    "no layers": (
        edit_config(lambda c: c.pop("layers")),
        "its digitlab_config has no list of layers",
    ),
    "input shape": (
        edit_config(lambda c: c.update(input_shape=[1, -28, 28])),
        "input_shape [1, -28, 28]",
    ),
    "unknown loss": (
        edit_config(lambda c: c.update(loss="os.system")),
        "its loss 'os.system' is unknown",
    ),
    "unknown layer": (
        set_layer(3, {"class": "Lambda", "config": {"name": "conv2", "function": "print"}}),
        "layer conv2 has the unknown type 'Lambda'; digitlab knows Conv2D, ",
    ),
    "entry shape": (set_layer(3, ["Conv2D"]), "layer 4 of its digitlab_config is not"),
    "bad filters": (
        conv2_config(filters=-16),
        "layer conv2 (Conv2D) has settings digitlab cannot use: filters",
    ),
    "bad argument": (
        conv2_config(dilation=2),
        "layer conv2 (Conv2D) has settings digitlab cannot use",
    ),
    "unnamed": (conv2_config(name=None), "layer 4 (Conv2D) has no name"),
    "misfit": (
        edit_config(lambda c: c.update(input_shape=[1, 8, 8])),
        "its layers do not fit together",
    ),
    "missing weight": (lambda f: f.__delitem__(KERNEL2), "layer conv2 has no kernel in the file"),
    "missing layer": (
        lambda f: f.__delitem__("model_weights/conv2"),
        "layer conv2 has no kernel in the file",
    ),
    "no weights": (lambda f: f.__delitem__("model_weights"), "it has no model_weights group"),
    "mis-shaped": (
        replace_dataset(KERNEL2, np.zeros((16, 6, 3, 3), np.float32)),
        "layer conv2 expects kernel (16, 6, 5, 5), the file has (16, 6, 3, 3)",
    ),
    "ints": (
        replace_dataset(KERNEL2, np.zeros((16, 6, 5, 5), np.int32)),
        "conv2 kernel holds int32 values",
    ),
    "strings": (
        replace_dataset(KERNEL2, np.array(["w"] * 16, dtype=object)),
        "layer conv2 kernel holds text, not floats",
    ),
    "NaN": (
        replace_dataset(
            "model_weights/dense1/dense1/kernel:0", np.full((400, 120), np.nan, np.float32)
        ),
        "layer dense1 kernel contains NaN",
    ),
    "inf": (
        replace_dataset("model_weights/dense3/dense3/bias:0", [np.inf] * 10),
        "dense3 bias contains infinity",
    ),
    "extra weight": (
        lambda f: f.create_dataset("model_weights/conv1/conv1/gamma:0", data=[1.0]),
        "weights this network does not have: model_weights/conv1/conv1/gamma:0",
    ),
    "extra layer": (lambda f: f.create_group("model_weights/conv9"), "model_weights/conv9"),
    "layer_names": (
        set_attr("layer_names", np.array([b"conv1"]), "model_weights"),
        "lists layer_names ['conv1']",
    ),
    "weight_names": (
        set_attr("weight_names", np.array([b"conv2/bias:0"]), "model_weights/conv2"),
        "lists weight_names ['conv2/bias:0']",
    ),
    "soft link": (
        lambda f: (
            f.__delitem__(KERNEL2),
            f.__setitem__(KERNEL2, h5py.SoftLink("/" + KERNEL2 + "x")),
        ),
        "kernel:0 is a link, which model files never hold",
    ),
    "external link": (
        lambda f: (
            f.__delitem__(KERNEL2),
            f.__setitem__(KERNEL2, h5py.ExternalLink("/etc/x.h5", "/k")),
        ),
        "is a link",
    ),
    "slot shape": (
        replace_dataset(M_CONV1, np.zeros((6, 1, 3, 3), np.float32)),
        "optimizer slot m expects conv1.kernel",
    ),
    "slot NaN": (
        replace_dataset(M_CONV1, np.full((6, 1, 5, 5), np.nan, np.float32)),
        "slot m conv1.kernel contains NaN",
    ),
    "slot param": (
        lambda f: f.create_dataset("optimizer_weights/m/conv7/kernel", data=[0.0]),
        "optimizer slot m names unknown parameter conv7.kernel",
    ),
    "slot missing": (lambda f: f.__delitem__(M_CONV1), "the optimizer state is unusable"),
    "slot kind": (
        lambda f: f.move("optimizer_weights/m", "optimizer_weights/q"),
        "unknown slots ['q']",
    ),
    "optimizer class": (
        set_attr("class", "Eval", "optimizer_weights"),
        "unknown optimizer class 'Eval'",
    ),
    "optimizer config": (set_attr("config", '{"lr": -1}', "optimizer_weights"), "lr must be > 0"),
    "iterations": (
        set_attr("iterations", 2.5, "optimizer_weights"),
        "iterations must be an integer",
    ),
    "history": (
        replace_dataset("training_history/loss", np.array(["low"], dtype=object)),
        "training_history/loss is not a list",
    ),
    "training_state": (
        set_attr("training_state", "[1]"),
        "its training_state attribute is not a JSON object",
    ),
}


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_a_bad_file_raises_one_clear_error(lenet_copy, problem):
    edit, shown = PROBLEMS[problem]
    with h5py.File(lenet_copy, "r+") as f:
        strip_checksums(f)  # a file from before checksums: every later check must hold alone
        edit(f)
    cannot_load(lenet_copy, shown)


@pytest.mark.parametrize("problem", sorted(ROOT_PROBLEMS))
def test_read_metadata_checks_the_format_too(lenet_copy, problem):
    edit, shown = ROOT_PROBLEMS[problem]
    with h5py.File(lenet_copy, "r+") as f:
        strip_checksums(f)
        edit(f)
    cannot_load(lenet_copy, shown, read_metadata)


def test_a_keras_file_is_named_as_such(tmp_path):
    path = tmp_path / "keras.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": {"layers": []}}'
    cannot_load(path, "it looks like a Keras model")


def test_read_metadata_reads_only_the_root(lenet_copy):
    with h5py.File(lenet_copy, "r+") as f:
        del f[KERNEL2]
    assert read_metadata(lenet_copy)["name"] == "LeNet-5"
