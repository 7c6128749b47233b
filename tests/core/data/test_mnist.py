"""core/data/mnist.py: reading IDX files, finding and loading MNIST, splitting, scaling."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pytest
from mnist_data import mnist, mnist_dir  # noqa: F401 (fixtures)

from digitlab.core.data.download import SHA256, decompressed_sha256
from digitlab.core.data.mnist import (
    FILES,
    Split,
    default_cache_dir,
    find_data_dir,
    load_mnist,
    locate_file,
    read_idx,
    split_validation,
    to_network_input,
)
from digitlab.core.errors import DatasetError, ShapeError

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049


# -- helpers: writing IDX files ---------------------------------------------------------
def idx_bytes(array: np.ndarray, magic: int | None = None, dims: tuple | None = None) -> bytes:
    """The IDX encoding of a uint8 array; ``magic`` and ``dims`` override the header."""
    array = np.asarray(array, dtype=np.uint8)
    magic = (0x0800 | array.ndim) if magic is None else magic
    dims = array.shape if dims is None else dims
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in dims)
    return header + array.tobytes()


def write_file(path: Path, content: bytes, gz: bool | None = None) -> Path:
    """Write ``content``, gzipped when ``gz`` (default: when the name ends in .gz)."""
    gz = path.name.endswith(".gz") if gz is None else gz
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


def make_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    return images, rng.integers(0, 10, n, dtype=np.uint8)


def write_mnist(folder: Path, gz: bool = True, n_train: int = 6, n_test: int = 4) -> dict:
    """The four files of a tiny MNIST in ``folder``; returns the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for part, n in (("train", n_train), ("test", n_test)):
        arrays[f"{part}_images"], arrays[f"{part}_labels"] = make_split(n, seed=n)
    suffix = ".gz" if gz else ""
    for key, array in arrays.items():
        write_file(folder / f"{FILES[key]}{suffix}", idx_bytes(array))
    return arrays


@pytest.fixture
def no_env_data(monkeypatch, tmp_path):
    """No DIGITLAB_DATA, and a default cache folder inside tmp_path."""
    monkeypatch.delenv("DIGITLAB_DATA", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "digitlab" / "mnist"


# -- read_idx ---------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("shape", [(5, 28, 28), (7,), (2, 3, 4)])
def test_read_idx_round_trip(tmp_path, gz, shape):
    array = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    path = write_file(tmp_path / "data", idx_bytes(array), gz=gz)
    result = read_idx(str(path))
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, array)


def test_read_idx_tells_gzip_by_content_not_name(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    gz_named_raw = write_file(tmp_path / "labels.gz", idx_bytes(labels), gz=False)
    raw_named_gz = write_file(tmp_path / "labels", idx_bytes(labels), gz=True)
    np.testing.assert_array_equal(read_idx(gz_named_raw), labels)
    np.testing.assert_array_equal(read_idx(raw_named_gz), labels)


def test_read_idx_returns_read_only_arrays(tmp_path):
    path = write_file(tmp_path / "l", idx_bytes(np.zeros(3)))
    with pytest.raises(ValueError, match="read-only"):
        read_idx(path)[0] = 1


def test_truncated_images_message(tmp_path):
    # The header promises 10,000 images; only 1,000,000 bytes follow.
    content = idx_bytes(np.zeros(1_000_000), IMAGES_MAGIC, dims=(10_000, 28, 28))
    path = write_file(tmp_path / "t10k-images-idx3-ubyte.gz", content)
    with pytest.raises(DatasetError) as error:
        read_idx(path)
    assert str(error.value) == (
        "t10k-images-idx3-ubyte.gz is truncated: expected 7,840,000 image bytes, found 1,000,000"
    )


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "too short to be an IDX file"),
        (b"\x00\x00\x08", "too short to be an IDX file"),
        (idx_bytes(np.zeros(4), magic=0x12345678), "magic number is 0x12345678"),
        (idx_bytes(np.zeros(4), magic=0x00000D01), "data type 0x0d"),
        (idx_bytes(np.zeros((2, 2)), magic=0x00000802), "has 2 dimensions"),
        (idx_bytes(np.zeros((2, 2, 2, 2))), "has 4 dimensions"),
        ((2051).to_bytes(4, "big") + (5).to_bytes(4, "big"), "truncated inside its header"),
        (idx_bytes(np.zeros(0), dims=(0,)), r"dimension of size 0 \(0\)"),
        (idx_bytes(np.zeros((0, 28, 28))), r"dimension of size 0 \(0 x 28 x 28\)"),
        (idx_bytes(np.zeros(4))[:-1], "truncated: expected 4 label bytes, found 3"),
        (idx_bytes(np.zeros(4)) + b"\x07\x07", "2 unexpected bytes after its 4 label bytes"),
        (idx_bytes(np.zeros((2, 2, 2))) + b"\x00", "1 unexpected bytes after its 8 image bytes"),
    ],
    ids=lambda value: value if isinstance(value, str) else "file",
)
def test_read_idx_rejects_malformed_files(tmp_path, content, message, gz):
    path = write_file(tmp_path / "bad-idx1-ubyte", content, gz=gz)
    with pytest.raises(DatasetError, match=rf"^bad-idx1-ubyte .*{message}"):
        read_idx(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda gz: gz[: len(gz) // 2],  # stream ends early
        lambda gz: gz[:-8] + b"\xff" * 8,  # CRC and size trailer wrong
        lambda gz: gz[:10] + b"\xff" * (len(gz) - 10),  # deflate data garbage
    ],
)
def test_read_idx_rejects_corrupt_gzip(tmp_path, damage):
    compressed = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    path = tmp_path / "labels.gz"
    path.write_bytes(damage(compressed))
    with pytest.raises(DatasetError, match=r"^labels\.gz is a corrupt gzip file"):
        read_idx(path)


def test_read_idx_missing_or_unreadable(tmp_path):
    with pytest.raises(DatasetError, match=r"nothing\.gz does not exist"):
        read_idx(tmp_path / "nothing.gz")
    with pytest.raises(DatasetError, match="cannot be read"):
        read_idx(tmp_path)  # a folder


# -- load_mnist ----------------------------------------------------------------------
@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_reads_all_four_files(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    data = load_mnist(tmp_path)
    assert (len(data.train), len(data.test)) == (6, 4)
    for part in ("train", "test"):
        split = getattr(data, part)
        np.testing.assert_array_equal(split.images, arrays[f"{part}_images"])
        np.testing.assert_array_equal(split.labels, arrays[f"{part}_labels"])
        assert split.images.dtype == split.labels.dtype == np.uint8


def test_load_mnist_prefers_gz_when_both_exist(tmp_path):
    arrays = write_mnist(tmp_path, gz=True)
    images, _ = make_split(6, seed=99)
    write_file(tmp_path / FILES["train_images"], idx_bytes(images))
    assert locate_file(tmp_path, FILES["train_images"]).name.endswith(".gz")
    np.testing.assert_array_equal(load_mnist(tmp_path).train.images, arrays["train_images"])


def test_load_mnist_accepts_a_mix_of_gz_and_raw(tmp_path):
    arrays = write_mnist(tmp_path, gz=True)
    gz_path = tmp_path / f"{FILES['test_labels']}.gz"
    write_file(tmp_path / FILES["test_labels"], gzip.decompress(gz_path.read_bytes()))
    gz_path.unlink()
    np.testing.assert_array_equal(load_mnist(tmp_path).test.labels, arrays["test_labels"])


def test_count_mismatch_names_both_files_and_counts(tmp_path):
    write_mnist(tmp_path)
    write_file(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(5)))
    with pytest.raises(DatasetError) as error:
        load_mnist(tmp_path)
    assert str(error.value) == (
        "train-images-idx3-ubyte.gz has 6 images but train-labels-idx1-ubyte.gz has 5 labels; "
        "they must match"
    )


def test_label_out_of_range(tmp_path):
    write_mnist(tmp_path)
    write_file(tmp_path / "t10k-labels-idx1-ubyte.gz", idx_bytes([1, 2, 11, 3]))
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte.gz has label 11 at position 2"):
        load_mnist(tmp_path)


def test_images_must_be_28x28(tmp_path):
    write_mnist(tmp_path)
    write_file(tmp_path / "t10k-images-idx3-ubyte.gz", idx_bytes(np.zeros((4, 27, 28))))
    with pytest.raises(DatasetError, match=r"should hold 28x28 images.*\(27, 28\)"):
        load_mnist(tmp_path)


def test_labels_and_images_swapped(tmp_path):
    write_mnist(tmp_path)
    write_file(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros((6, 28, 28))))
    with pytest.raises(DatasetError, match=r"^train-labels-idx1-ubyte\.gz should hold labels"):
        load_mnist(tmp_path)
    write_file(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(np.zeros(6)))
    with pytest.raises(DatasetError, match=r"^train-images-idx3-ubyte\.gz should hold 28x28"):
        load_mnist(tmp_path)


# -- find_data_dir and default_cache_dir ---------------------------------------------
def test_explicit_folder_comes_first(tmp_path, monkeypatch, no_env_data):
    write_mnist(tmp_path / "mine")
    write_mnist(tmp_path / "env")
    write_mnist(no_env_data)
    monkeypatch.setenv("DIGITLAB_DATA", str(tmp_path / "env"))
    assert find_data_dir(tmp_path / "mine") == tmp_path / "mine"
    assert find_data_dir(str(tmp_path / "mine")) == tmp_path / "mine"


def test_explicit_folder_without_files_is_an_error_not_a_fallback(tmp_path, no_env_data):
    write_mnist(no_env_data)
    (tmp_path / "mine").mkdir()
    write_file(tmp_path / "mine" / "train-images-idx3-ubyte", b"")
    with pytest.raises(DatasetError) as error:
        find_data_dir(tmp_path / "mine")
    message = str(error.value)
    assert f"The data folder {tmp_path / 'mine'} is missing train-labels-idx1-ubyte.gz" in message
    assert "train-images" not in message.split(";")[0]
    assert "digitlab download" in message and "--data DIR" in message


def test_explicit_folder_that_does_not_exist_or_is_a_file(tmp_path, no_env_data):
    with pytest.raises(DatasetError, match=r"The data folder .*nowhere does not exist"):
        find_data_dir(tmp_path / "nowhere")
    write_file(tmp_path / "a-file", b"x")
    with pytest.raises(DatasetError, match=r"a-file is a file, not a folder"):
        find_data_dir(tmp_path / "a-file")


def test_env_var_comes_before_the_cache(tmp_path, monkeypatch, no_env_data):
    write_mnist(no_env_data)
    assert find_data_dir() == no_env_data
    write_mnist(tmp_path / "env")
    monkeypatch.setenv("DIGITLAB_DATA", str(tmp_path / "env"))
    assert find_data_dir() == tmp_path / "env"


def test_env_var_without_files_falls_back_to_the_cache(tmp_path, monkeypatch, no_env_data):
    write_mnist(no_env_data)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("DIGITLAB_DATA", str(tmp_path / "empty"))
    assert find_data_dir() == no_env_data
    assert load_mnist().train.images.shape == (6, 28, 28)


def test_nothing_found_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch, no_env_data):
    monkeypatch.setenv("DIGITLAB_DATA", str(tmp_path / "gone"))
    with pytest.raises(DatasetError) as error:
        load_mnist()
    message = str(error.value)
    assert message.startswith("MNIST was not found; looked in ")
    assert f"{tmp_path / 'gone'} (DIGITLAB_DATA: does not exist)" in message
    assert f"{no_env_data} (the default data folder: does not exist)" in message
    assert "run `digitlab download`" in message
    assert all(f"{name}.gz" in message for name in FILES.values())
    assert "pass --data DIR" in message


def test_default_cache_dir_follows_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "digitlab" / "mnist"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert default_cache_dir() == tmp_path / "home" / ".local/share/digitlab/mnist"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".local/share/digitlab/mnist"


def test_default_cache_dir_on_windows_and_macos(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert default_cache_dir() == tmp_path / "local" / "digitlab" / "mnist"
    monkeypatch.setattr(sys, "platform", "darwin")
    expected = tmp_path / "home" / "Library" / "Application Support" / "digitlab" / "mnist"
    assert default_cache_dir() == expected


# -- Split, split_validation, to_network_input ---------------------------------------
def test_split_length_and_checks():
    images, labels = make_split(5, seed=1)
    assert len(Split(images, labels)) == 5
    with pytest.raises(ShapeError, match="5 images and 4 labels"):
        Split(images, labels[:4])
    with pytest.raises(ShapeError, match=r"\(5, 784\)"):
        Split(images.reshape(5, -1), labels)


def test_split_validation_takes_the_last_items():
    images, labels = make_split(10, seed=2)
    train, validation = split_validation(Split(images, labels), size=3)
    assert (len(train), len(validation)) == (7, 3)
    np.testing.assert_array_equal(train.images, images[:7])
    np.testing.assert_array_equal(validation.images, images[7:])
    np.testing.assert_array_equal(validation.labels, labels[7:])


def test_split_validation_of_size_zero_keeps_everything():
    train, validation = split_validation(Split(*make_split(4, seed=3)), size=0)
    assert (len(train), len(validation)) == (4, 0)


@pytest.mark.parametrize("size", [-1, 10, 11])
def test_split_validation_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match=rf"from 0 to 9 .*got {size}$"):
        split_validation(Split(*make_split(10, seed=4)), size=size)


def test_to_network_input_scales_and_adds_a_channel():
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[0, 5, 6], images[2, 27, 27] = 255, 51
    x = to_network_input(images)
    assert x.shape == (3, 1, 28, 28) and x.dtype == np.float32
    assert x[0, 0, 5, 6] == 1.0 and x[2, 0, 27, 27] == pytest.approx(0.2)
    assert x.sum() == pytest.approx(1.2)
    assert to_network_input(images[0]).shape == (1, 1, 28, 28)


def test_to_network_input_rejects_floats_and_bad_shapes():
    with pytest.raises(ShapeError, match="uint8"):
        to_network_input(np.zeros((2, 28, 28), dtype=np.float32))
    with pytest.raises(ShapeError, match=r"\(2, 1, 28, 28\)"):
        to_network_input(np.zeros((2, 1, 28, 28), dtype=np.uint8))


# -- the real files --------------------------------------------------------------------
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.mnist
def test_real_mnist_sizes_and_class_counts(mnist):  # noqa: F811
    assert (len(mnist.train), len(mnist.test)) == (60_000, 10_000)
    assert mnist.train.images.shape == (60_000, 28, 28)
    assert np.bincount(mnist.train.labels, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.test.labels, minlength=10).tolist() == TEST_COUNTS
    # Ink is high: the border pixels are nearly all background.
    assert mnist.test.images[:, 0, :].mean() < 1


@pytest.mark.mnist
def test_real_mnist_content_matches_published_sha256(mnist_dir):  # noqa: F811
    for name, sha256 in SHA256.items():
        assert decompressed_sha256(locate_file(mnist_dir, name)) == sha256, name
