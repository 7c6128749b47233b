"""Where a save may write (issue 13): only over a regular file, or through a link to
one; never over a device, a FIFO, a folder; checked before a run starts; stale
temporary files of our own naming cleaned up."""

from __future__ import annotations

import os
import re
import stat
import time

import pytest

from digitlab.core.errors import ModelFileError
from digitlab.core.files.atomic import STALE_SECONDS, check_output
from digitlab.core.files.model_file import load_model, save_model
from digitlab.core.nn.layers import Dense, Flatten
from digitlab.core.nn.network import Network
from digitlab.core.train import run as run_module
from digitlab.core.train.run import TrainingRun


def tiny() -> Network:
    return Network([Flatten(), Dense(10)], (1, 28, 28), rng=0)


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path):
    path = tmp_path / "model.h5"
    os.mkfifo(path)
    with pytest.raises(ModelFileError, match=r"it is a FIFO .*replaces only regular files"):
        save_model(path, tiny())
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


def test_a_link_to_a_device_is_refused_and_stays_a_link(tmp_path):
    path = tmp_path / "model.h5"
    path.symlink_to("/dev/null")
    with pytest.raises(ModelFileError, match="a link to /dev/null, which is a device"):
        save_model(path, tiny())
    assert path.is_symlink() and os.readlink(path) == "/dev/null"


def test_a_link_to_a_file_is_followed_and_kept(tmp_path):
    """The rule: the file the link points to is replaced, the link stays a link."""
    (tmp_path / "models").mkdir()
    real = tmp_path / "models" / "real.h5"
    save_model(real, tiny(), metadata={"name": "old"})
    link = tmp_path / "model.h5"
    link.symlink_to(real)
    save_model(link, tiny(), metadata={"name": "new"})
    assert link.is_symlink()
    assert load_model(real).metadata["name"] == "new"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["real.h5"]


def test_a_link_to_nothing_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    path.symlink_to(tmp_path / "absent.h5")
    with pytest.raises(ModelFileError, match="which does not exist"):
        check_output(path)


@pytest.mark.parametrize("kind", ["folder", "fifo", "missing folder"])
def test_training_refuses_the_output_before_reading_anything(tmp_path, monkeypatch, kind):
    """Before: a folder (or a FIFO) as --out was refused only after training."""

    def no_reading(*args, **kwargs):
        pytest.fail("the data was read before the output was checked")

    monkeypatch.setattr(run_module, "load_mnist", no_reading)
    out = tmp_path / "out.h5"
    if kind == "folder":
        out.mkdir()
    elif kind == "fifo":
        os.mkfifo(out)
    else:
        out = tmp_path / "missing" / "out.h5"
    with pytest.raises(ModelFileError, match=re.escape(f"cannot save the model to {out}: ")):
        TrainingRun.prepare({}, out=out)


def temporary(folder, name: str, age: float):
    path = folder / name
    path.write_bytes(b"half a model")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_stale_temporary_files_of_ours_are_removed_by_the_next_save(tmp_path):
    old = STALE_SECONDS + 60
    stale = temporary(tmp_path, ".model.h5.k3j_a9z2.h5.tmp", age=old)
    young = temporary(tmp_path, ".model.h5.q8w7e6r5.h5.tmp", age=5)  # a save in progress
    others = [
        temporary(tmp_path, ".model.h5.short.h5.tmp", age=old),  # not mkstemp's naming
        temporary(tmp_path, ".other.h5.k3j_a9z2.h5.tmp", age=old),  # another file's
        temporary(tmp_path, "notes.tmp", age=old),
    ]
    save_model(tmp_path / "model.h5", tiny())
    assert not stale.exists()
    assert young.exists() and all(p.exists() for p in others)
