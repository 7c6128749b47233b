"""Hostile and damaged model files (issue 13): refused before anything is read from
elsewhere, allocated or built, quickly, in a short message without control characters."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import h5py
import numpy as np
import pytest
from fuzz.hostile_files import HOSTILE_MODEL_EDITS, copy_latest, strip_checksums
from fuzz.targets_files import MODEL

from digitlab.core.errors import ModelFileError
from digitlab.core.files.model_file import load_model, open_model, save_model
from digitlab.core.files.summary import describe_model
from digitlab.core.nn.layers import Dense, Flatten, ReLU
from digitlab.core.nn.network import Network

#: Edit -> what the refusal says, for a file from before checksums (each check alone).
REFUSED = {
    "external storage: a readable file": "keeps its values in another file",
    "virtual dataset": "is a virtual dataset made of other files",
    "external link": "is a link",
    "soft link": "is a link",
    "Dense(10**6)": "more than 20,000,000 parameters",
    "Conv2D with 10**6 filters": "outputs 676,000,000 values per image",
    "input of 10**27 values": "its input holds",
    "100,000 layers": "digitlab reads at most 1,000,000",
    "history of 10**8 epochs": "holds 100,000,000 epochs",
    "chunks of 100 MB": "is stored in chunks of 100,000,000 bytes",
    "NaN in metadata": "holds NaN, which is not a number JSON allows",
    "Infinity in metadata": "holds Infinity",
    "1e999 in metadata": "holds 1e999",
    "JSON nested 100,000 deep": "is not valid JSON",
    "iterations as text": "iterations must be an integer",
}


def hostile_file(folder: Path, edit: str, checksums: bool) -> Path:
    path = folder / "model.h5"
    copy_latest(MODEL, path)
    with h5py.File(path, "r+", libver="latest") as f:
        if not checksums:
            strip_checksums(f)
        HOSTILE_MODEL_EDITS[edit](f, folder)
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    return str(caught.value)


@pytest.mark.parametrize("edit", sorted(REFUSED))
def test_a_hostile_file_is_refused_by_the_check_made_for_it(tmp_path, edit):
    message = refusal(hostile_file(tmp_path, edit, checksums=False))
    assert REFUSED[edit] in message
    assert len(message) < len(str(tmp_path)) + 400  # never a 989 KB one-liner


@pytest.mark.parametrize("edit", sorted(REFUSED))
def test_with_checksums_it_is_refused_too(tmp_path, edit):
    refusal(hostile_file(tmp_path, edit, checksums=True))


@pytest.mark.parametrize(
    "edit", ["Dense(10**6)", "Conv2D with 10**6 filters", "history of 10**8 epochs"]
)
def test_declared_sizes_are_refused_before_memory_is_taken(tmp_path, edit):
    """Before the fix these cost gigabytes (the network was built, the history read)."""
    path = hostile_file(tmp_path, edit, checksums=False)
    tracemalloc.start()
    try:
        refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_weights_from_another_file_never_reach_the_network(tmp_path):
    path = hostile_file(tmp_path, "external storage: a readable file", checksums=False)
    assert "another file" in refusal(path)
    with h5py.File(path, "r") as f:  # the file really does point elsewhere
        assert f["model_weights/dense1/dense1/bias:0"].external


def finishes(code: str, seconds: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python; fail (not hang) if it does not finish in time."""
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True, text=True, timeout=seconds, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {seconds} s (blocked or hung)")


def test_external_storage_in_a_fifo_does_not_block(tmp_path):
    path = hostile_file(tmp_path, "external storage: a FIFO", checksums=False)
    done = finishes(f"""
        from digitlab.core.files.model_file import load_model
        try:
            load_model({str(path)!r})
        except Exception as exc:
            print(exc)
    """)
    assert "keeps its values in another file" in done.stdout, done.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "link to a fifo"])
def test_a_model_path_that_is_not_a_file_is_refused_without_opening_it(tmp_path, kind):
    path = tmp_path / "model.h5"
    if kind == "fifo":
        import os

        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        import os

        os.mkfifo(tmp_path / "pipe")
        path.symlink_to(tmp_path / "pipe")
    done = finishes(f"""
        from digitlab.core.files.model_file import load_model
        try:
            load_model({str(path)!r})
        except Exception as exc:
            print(exc)
    """)
    expected = "it is a device" if kind == "device" else "it is a FIFO"
    assert expected in done.stdout, done.stdout + done.stderr


def test_a_hundred_thousand_layers_are_refused_quickly_and_briefly(tmp_path):
    """Before: 232 s (a quadratic name check) and a 989 KB message. The config is
    under the attribute limit here, so the layer-count limit itself answers."""
    path = tmp_path / "model.h5"
    copy_latest(MODEL, path)
    with h5py.File(path, "r+", libver="latest") as f:
        strip_checksums(f)
        layers = [{"class": "ReLU", "config": {"name": f"r{i}"}} for i in range(100_000)]
        config = json.dumps({"input_shape": [1, 28, 28], "layers": layers})
        f.attrs["digitlab_config"] = np.bytes_(config.encode())
    done = finishes(f"""
        from digitlab.core.files import limits
        limits.MAX_TEXT_ATTRIBUTE = 10**8  # let the config through to the layer count
        from digitlab.core.files import config_json
        config_json.MAX_TEXT_ATTRIBUTE = 10**8
        from digitlab.core.files.model_file import load_model
        try:
            load_model({str(path)!r})
        except Exception as exc:
            print(exc)
    """)
    assert "has 100,000 layers; digitlab reads at most 1,000" in done.stdout, done.stderr
    assert len(done.stdout) < len(str(path)) + 300


def test_repeated_names_among_many_layers_are_found_in_linear_time():
    done = finishes("""
        from digitlab.core.nn.layers import ReLU
        from digitlab.core.nn.network import _assign_names
        layers = [ReLU(name=f"r{i % 99_000}") for i in range(100_000)]
        try:
            _assign_names(layers)
        except ValueError as exc:
            print(exc)
    """)
    assert "repeated: 'r0', 'r1', 'r10' and 997 more" in done.stdout, done.stderr


# -- checksums ------------------------------------------------------------------------
def test_a_changed_weight_is_reported_as_damage(tmp_path):
    path = hostile_file(tmp_path, "a weight changed", checksums=True)
    assert "does not match its checksum: the file is damaged" in refusal(path)


def test_a_file_from_before_checksums_opens_unverified(tmp_path):
    path = hostile_file(tmp_path, "a weight changed", checksums=False)
    model = load_model(path)
    assert model.verified is False
    assert "unverified" in describe_model(model, "old.h5")


def test_a_new_file_is_verified(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(MODEL)
    model = load_model(path)
    assert model.verified is True
    assert "verified (every checksum matched)" in describe_model(model, "new.h5")


@pytest.mark.parametrize("item", ["kernel", "optimizer slot", "history", "config"])
def test_every_kind_of_item_is_covered(tmp_path, item):
    path = tmp_path / "model.h5"
    path.write_bytes(MODEL)
    with h5py.File(path, "r+") as f:
        if item == "kernel":
            f["model_weights/conv1/conv1/kernel:0"][0, 0, 0, 0] = 0.5
        elif item == "optimizer slot":
            f["optimizer_weights/m/dense1/bias"][0] = 0.5
        elif item == "history":
            f["training_history/loss"][0] = 0.5
        else:
            config = json.loads(f.attrs["digitlab_config"])
            config["layers"][1]["class"] = "Tanh"  # same weights, another function
            f.attrs["digitlab_config"] = json.dumps(config).encode()
    assert "checksum" in refusal(path)


# -- what is shown --------------------------------------------------------------------
def test_escape_codes_in_names_and_metadata_are_never_printed_raw(tmp_path):
    network = Network([Flatten(name="flat\x1b[2J"), Dense(10), ReLU()], (1, 28, 28), rng=0)
    path = tmp_path / "model.h5"
    save_model(path, network, metadata={"name": "\x1b]0;owned\x07", "dataset": "\u202eevil"})
    text = describe_model(load_model(path), str(path))
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "flat\\x1b[2J" in text and "\\u202eevil" in text


def test_open_model_abandons_a_file_on_which_libhdf5_loops(tmp_path):
    """A fuzz case that makes libhdf5 2.0 loop forever reading an attribute."""
    from fuzz.targets_files import mutate

    path = tmp_path / "model.h5"
    path.write_bytes(mutate(MODEL, np.random.default_rng(72)))
    done = finishes(f"""
        from digitlab.core.files.model_file import open_model
        try:
            open_model({str(path)!r}, 1.0)
        except Exception as exc:
            print(exc)
    """)
    assert "the file is damaged: reading it did not finish within 1 s" in done.stdout, done.stderr


def test_open_model_returns_what_load_model_does(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(MODEL)
    opened, loaded = open_model(path), load_model(path)
    assert opened.metadata == loaded.metadata and opened.verified is True
    for name, value in loaded.network.params().items():
        np.testing.assert_array_equal(opened.network.params()[name], value)


def test_too_many_history_series_are_refused(tmp_path):
    path = hostile_file(tmp_path, "a weight changed", checksums=False)
    with h5py.File(path, "r+") as f:
        for i in range(100):
            f["training_history"].create_dataset(f"series{i}", data=np.zeros(2))
    assert "has 102 series; digitlab reads at most 100" in refusal(path)


def test_a_group_with_too_many_items_is_refused_before_they_are_walked(tmp_path, monkeypatch):
    from digitlab.core.files import h5_arrays

    monkeypatch.setattr(h5_arrays, "MAX_ITEMS", 50)  # 20,000 in earnest: slow to write
    path = hostile_file(tmp_path, "a weight changed", checksums=False)
    with h5py.File(path, "r+") as f:
        extra = f["model_weights"].create_group("extra")
        for i in range(51):
            extra.create_group(str(i))
    assert "holds more than 50 items" in refusal(path)
