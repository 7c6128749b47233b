"""digitlab.core.data.augment: exact cases (identity, whole-pixel shifts, quarter turns), a slow
per-pixel reference for arbitrary maps, randomness, and config validation."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from digitlab.core.data.augment import AugmentConfig, affine_batch, augment_batch
from digitlab.core.errors import ShapeError

IDENTITY = AugmentConfig(max_shift=0.0, max_rotation=0.0, scale_range=(1.0, 1.0))


def one_map(n: int, angle: float = 0.0, scale: float = 1.0, shift=(0.0, 0.0)):
    """The same transform for all ``n`` images, as affine_batch's arguments."""
    return np.full(n, angle), np.full(n, scale), np.tile(np.asarray(shift, float), (n, 1))


def shifted_with_zeros(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """np.roll along rows and columns, with the rows and columns that wrapped round set to 0."""
    out = np.roll(x, (dy, dx), axis=(2, 3))
    out[:, :, slice(0, dy) if dy >= 0 else slice(dy, None)] = 0
    out[:, :, :, slice(0, dx) if dx >= 0 else slice(dx, None)] = 0
    return out


def reference_affine(image: np.ndarray, angle: float, scale: float, shift) -> np.ndarray:
    """One (H, W) image, pixel by pixel: invert the forward matrix numerically and
    sample bilinearly, reading 0 outside the frame."""
    height, width = image.shape
    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    t = np.deg2rad(angle)
    # Counter-clockwise on screen with rows pointing down: (u, v) -> (u cos - v sin, ...)
    forward = scale * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    inverse = np.linalg.inv(forward)

    def pixel(r: int, c: int) -> float:
        return float(image[r, c]) if 0 <= r < height and 0 <= c < width else 0.0

    out = np.zeros_like(image, dtype=np.float64)
    for r in range(height):
        for c in range(width):
            y, x = inverse @ (np.array([r, c]) - centre - shift) + centre
            r0, c0 = int(np.floor(y)), int(np.floor(x))
            fy, fx = y - r0, x - c0
            out[r, c] = (
                (1 - fy) * (1 - fx) * pixel(r0, c0)
                + (1 - fy) * fx * pixel(r0, c0 + 1)
                + fy * (1 - fx) * pixel(r0 + 1, c0)
                + fy * fx * pixel(r0 + 1, c0 + 1)
            )
    return out


@pytest.fixture
def batch(digits) -> np.ndarray:
    return digits(8)[0]  # (8, 1, 28, 28) float32


@pytest.fixture
def clean(digits) -> np.ndarray:
    """Digits without background noise, whose ink can be counted."""
    return digits(8, noise=0.0)[0]


def test_identity_config_returns_the_input_exactly(batch, rng):
    out = augment_batch(batch, rng, IDENTITY)
    assert out is not batch
    assert_array_equal(out, batch)


@pytest.mark.parametrize("dy, dx", [(1, 0), (0, 1), (-1, 0), (0, -1), (2, -3)])
def test_whole_pixel_shifts_match_np_roll_with_zero_fill(batch, dy, dx):
    out = affine_batch(batch, *one_map(len(batch), shift=(dy, dx)))
    assert_array_equal(out, shifted_with_zeros(batch, dy, dx))


@pytest.mark.parametrize("angle, quarter_turns", [(90, 1), (-90, -1), (180, 2)])
def test_quarter_turns_match_np_rot90(rng, angle, quarter_turns):
    x = rng.random((3, 1, 28, 28), dtype=np.float32)  # no symmetry to hide a wrong sign
    out = affine_batch(x, *one_map(3, angle=angle))
    assert_allclose(out, np.rot90(x, quarter_turns, axes=(2, 3)), atol=1e-5)


def test_odd_sized_channels_turn_too(rng):
    x = rng.random((2, 3, 7, 7), dtype=np.float32)
    out = affine_batch(x, *one_map(2, angle=90))
    assert_allclose(out, np.rot90(x, 1, axes=(2, 3)), atol=1e-5)


@pytest.mark.parametrize(
    "angle, scale, shift",
    [(17.0, 1.0, (0.0, 0.0)), (-8.0, 0.87, (1.3, -0.6)), (33.0, 1.2, (-2.5, 2.2))],
)
def test_arbitrary_maps_match_the_pixel_loop_reference(rng, angle, scale, shift):
    x = rng.random((1, 1, 12, 10), dtype=np.float32)
    out = affine_batch(x, *one_map(1, angle, scale, shift))
    assert_allclose(out[0, 0], reference_affine(x[0, 0], angle, scale, shift), atol=1e-5)


def test_each_image_uses_its_own_map(rng):
    x = rng.random((3, 1, 16, 16), dtype=np.float32)
    angles, scales = np.array([0.0, 25.0, -40.0]), np.array([1.0, 0.9, 1.15])
    shifts = np.array([[1.0, 0.0], [0.5, -1.5], [0.0, 2.0]])
    out = affine_batch(x, angles, scales, shifts)
    for i in range(3):
        expected = reference_affine(x[i, 0], angles[i], scales[i], shifts[i])
        assert_allclose(out[i, 0], expected, atol=1e-5)


def test_whatever_leaves_the_frame_is_gone(batch):
    out = affine_batch(batch, *one_map(len(batch), shift=(0.0, 28.5)))
    assert_array_equal(out, np.zeros_like(batch))


def test_small_transforms_keep_the_ink(clean, rng):
    config = AugmentConfig(max_shift=2.0, max_rotation=10.0, scale_range=(1.0, 1.0))
    out = augment_batch(clean, rng, config)
    assert_allclose(out.sum(axis=(1, 2, 3)), clean.sum(axis=(1, 2, 3)), rtol=0.03)


@pytest.mark.parametrize("scale", [0.9, 1.1])
def test_scaling_scales_the_ink_by_the_square(clean, scale):
    out = affine_batch(clean, *one_map(len(clean), scale=scale))
    expected = scale**2 * clean.sum(axis=(1, 2, 3))
    assert_allclose(out.sum(axis=(1, 2, 3)), expected, rtol=0.03)


def test_same_seed_same_output_and_another_seed_another(batch):
    first = augment_batch(batch, np.random.default_rng(5))
    assert_array_equal(first, augment_batch(batch, np.random.default_rng(5)))
    assert not np.allclose(first, augment_batch(batch, np.random.default_rng(6)))


def test_every_image_gets_its_own_random_transform(batch, rng):
    copies = np.repeat(batch[:1], 16, axis=0)
    flat = augment_batch(copies, rng).reshape(16, -1)
    differences = np.abs(flat[:, None] - flat[None, :]).max(axis=2)  # (16, 16)
    assert (differences[~np.eye(16, dtype=bool)] > 1e-3).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_are_kept(digits, rng, dtype):
    x = digits(5)[0].astype(dtype)
    out = augment_batch(x, rng)
    assert out.shape == x.shape and out.dtype == dtype
    assert out.min() >= 0 and out.max() <= 1  # bilinear blends never overshoot


@pytest.mark.parametrize(
    "kwargs, shown",
    [
        ({"max_shift": -1.0}, "-1.0"),
        ({"max_shift": float("nan")}, "nan"),
        ({"max_rotation": 200.0}, "200.0"),
        ({"max_rotation": "10"}, "'10'"),
        ({"scale_range": (1.1, 0.9)}, "(1.1, 0.9)"),
        ({"scale_range": (0.0, 1.0)}, "(0.0, 1.0)"),
        ({"scale_range": (1.0,)}, "(1.0,)"),
        ({"scale_range": 1.0}, "1.0"),
    ],
)
def test_config_refuses_bad_values_and_repeats_them(kwargs, shown):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=rf"^{name} .*got {re.escape(shown)}$"):
        AugmentConfig(**kwargs)


@pytest.mark.parametrize(
    "x, words",
    [
        (np.zeros((28, 28), np.float32), "(N, C, H, W), got shape (28, 28)"),
        (np.zeros((2, 1, 28, 28), np.uint8), "float images, got uint8"),
    ],
)
def test_bad_batches_are_refused_in_words(x, words, rng):
    with pytest.raises(ShapeError, match=re.escape(words)):
        augment_batch(x, rng)


def test_per_image_arguments_must_match_the_batch(batch):
    angles, scales, shifts = one_map(len(batch))
    with pytest.raises(ShapeError, match=re.escape("shifts must have shape (8, 2)")):
        affine_batch(batch, angles, scales, shifts[:3])
    with pytest.raises(ValueError, match="scales must all be > 0"):
        affine_batch(batch, angles, -scales, shifts)
