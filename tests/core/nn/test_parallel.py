"""Shards: how a batch is split for the threads (the gradients are checked in test_network)."""

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from digitlab.core.nn.parallel import shard_spans


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 600), shard_size=st.integers(1, 128), threads=st.integers(1, 8))
def test_shards_cover_the_batch_in_order_and_respect_the_size(n, shard_size, threads):
    spans = shard_spans(n, shard_size, threads)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert all(a < b for a, b in spans)  # no empty shard
    assert all(b == a2 for (_, b), (a2, _) in pairwise(spans))
    sizes = [b - a for a, b in spans]
    assert max(sizes) <= shard_size
    assert max(sizes) - min(sizes) <= 1  # near-equal: no straggler shard of 1


def test_one_shard_when_the_batch_is_small():
    assert shard_spans(5, 64, 1) == [(0, 5)]
