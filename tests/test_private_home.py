"""The tests' own isolation: no test sees the user's home, whoever runs them."""

from __future__ import annotations

import os
from pathlib import Path

from digitlab.core.data.mnist import default_cache_dir
from digitlab.core.personal.my_digits import default_store_path


def test_the_user_folders_are_private_to_the_test(private_home):
    assert Path.home() == private_home
    assert default_cache_dir().is_relative_to(private_home)  # where a downloaded MNIST is
    assert default_store_path().is_relative_to(private_home)  # the my-digits store
    assert "DIGITLAB_DATA" not in os.environ
