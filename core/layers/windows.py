"""Sliding windows over images, shared by convolution and pooling.

Both layers look at every ``kh x kw`` window of a (zero-padded) image. This module
turns that into whole-array operations with no Python loop over pixels, kernel
positions or batch items:

- ``columns`` copies the windows into a matrix once (im2col), through a strided
  view of the padded image, so a convolution is one matrix product.
- ``col2im`` sums window gradients back into the image with two "skews" (below),
  so the backward pass is whole-array adds too.

The "wide" layout. With stride 1 the window of output pixel (y, x) starts at flat
index ``y*Wp + x`` of the padded image (width Wp). Letting the output index run
over every flat position ``t = y*Wp + x`` with ``x`` in ``[0, Wp)`` (not just
``[0, W_out)``) makes each kernel offset's column a *contiguous* slice of the
image, which copies several times faster. The ``kw - 1`` extra columns per row are
garbage: ``to_output`` drops them with a strided view, and ``from_output`` feeds
zeros for them to the backward pass so they contribute nothing. Strided layers
use exact windows instead (the columns would not be contiguous anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided


@dataclass(frozen=True)
class WindowGeometry:
    """Where the windows of one layer lie, for per-sample input (C, H, W)."""

    channels: int
    height: int
    width: int
    kh: int
    kw: int
    stride: int = 1
    pad: int = 0

    @property
    def hp(self) -> int:
        return self.height + 2 * self.pad

    @property
    def wp(self) -> int:
        return self.width + 2 * self.pad

    @property
    def h_out(self) -> int:
        return (self.hp - self.kh) // self.stride + 1

    @property
    def w_out(self) -> int:
        return (self.wp - self.kw) // self.stride + 1

    @property
    def wide(self) -> bool:
        return self.stride == 1

    @property
    def length(self) -> int:
        """Number of window positions per channel in the column matrix."""
        if self.wide:
            # Last position is (h_out-1, w_out-1); positions past it are never read.
            return (self.h_out - 1) * self.wp + self.w_out
        return self.h_out * self.w_out

    # -- forward ----------------------------------------------------------
    def padded(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> (N, C, Hp, Wp) with zero borders.

        Without padding ``x`` itself is returned, even a strided view (such as a
        conv output without its garbage columns): the windows read it in place.
        """
        p = self.pad
        if p == 0:
            return x if x.strides[-1] == x.itemsize else np.ascontiguousarray(x)
        out = np.zeros((x.shape[0], self.channels, self.hp, self.wp), dtype=x.dtype)
        out[:, :, p : p + self.height, p : p + self.width] = x
        return out

    def window_view(self, xp: np.ndarray) -> np.ndarray:
        """Read-only view (N, C, kh, kw, length) of the windows of padded ``xp``.

        ``xp`` may be any view whose rows are contiguous; its own strides are used.
        """
        n, c = xp.shape[:2]
        e = xp.itemsize
        s_n, s_c, row = xp.strides[:3]
        if self.wide and row != self.wp * e:  # flat positions need back-to-back rows
            xp = np.ascontiguousarray(xp)
            s_n, s_c, row = xp.strides[:3]
        if self.wide:
            shape = (n, c, self.kh, self.kw, self.length)
            strides = (s_n, s_c, row, e, e)
        else:
            s = self.stride
            shape = (n, c, self.kh, self.kw, self.h_out, self.w_out)
            strides = (s_n, s_c, row, e, s * row, s * e)
        view = as_strided(xp, shape=shape, strides=strides, writeable=False)
        return view.reshape(n, c, self.kh, self.kw, -1) if not self.wide else view

    def columns(self, x: np.ndarray) -> np.ndarray:
        """im2col: x (N, C, H, W) -> contiguous (N, C*kh*kw, length)."""
        windows = self.window_view(self.padded(x))
        n = x.shape[0]
        # (N, C, kh, kw, L) -> (N, C*kh*kw, L): rows ordered like a (F, C, kh, kw) kernel.
        return windows.reshape(n, self.channels * self.kh * self.kw, -1)

    def to_output(self, out: np.ndarray) -> np.ndarray:
        """(N, F, length) -> (N, F, H_out, W_out), a view that skips the garbage columns."""
        n, f = out.shape[:2]
        if not self.wide:
            return out.reshape(n, f, self.h_out, self.w_out)
        e = out.itemsize
        return as_strided(
            out,
            shape=(n, f, self.h_out, self.w_out),
            strides=(out.strides[0], out.strides[1], self.wp * e, e),
            writeable=False,
        )

    def from_output(self, grad: np.ndarray) -> np.ndarray:
        """(N, F, H_out, W_out) -> contiguous (N, F, length), zeros in garbage columns."""
        n, f = grad.shape[:2]
        if not self.wide:
            return np.ascontiguousarray(grad).reshape(n, f, -1)
        out = np.zeros((n, f, self.length), dtype=grad.dtype)
        self._output_view(out)[...] = grad
        return out

    def _output_view(self, flat: np.ndarray) -> np.ndarray:
        """Writable (N, F, H_out, W_out) view of a contiguous (N, F, length) array."""
        e = flat.itemsize
        return as_strided(
            flat,
            shape=(*flat.shape[:2], self.h_out, self.w_out),
            strides=(flat.strides[0], flat.strides[1], self.wp * e, e),
        )

    # -- backward ---------------------------------------------------------
    @property
    def overlapping(self) -> bool:
        return self.stride < self.kh or self.stride < self.kw

    def col2im(self, dcols: np.ndarray) -> np.ndarray:
        """Sum window gradients (N, C, kh, kw, length) into the image (N, C, H, W).

        The adjoint of ``columns``: every image pixel receives the sum of the
        gradients of all the window slots that read it.
        """
        if not self.overlapping:
            image = self._scatter_disjoint(dcols)
        else:
            image = self._scatter_skewed(dcols)
        p = self.pad
        return image[:, :, p : p + self.height, p : p + self.width]

    def _scatter_disjoint(self, dcols: np.ndarray) -> np.ndarray:
        """Windows that do not overlap: each pixel has at most one slot, so assign."""
        n, c = dcols.shape[:2]
        image = np.zeros((n, c, self.hp, self.wp), dtype=dcols.dtype)
        e = image.itemsize
        row = self.wp * e
        s = self.stride
        slots = as_strided(
            image,
            shape=(n, c, self.kh, self.kw, self.h_out, self.w_out),
            strides=(*image.strides[:2], row, e, s * row, s * e),
        )
        slots[...] = dcols.reshape(slots.shape)
        return image

    def _scatter_skewed(self, dcols: np.ndarray) -> np.ndarray:
        """Overlapping windows: the slot (i, j) of position t lands on flat pixel
        ``t + i*Wp + j``. Shifting every (i, j) row by its offset and summing is done
        as two skews, one per kernel axis (see ``_skew_sum``)."""
        n, c = dcols.shape[:2]
        flat = self._dilated(dcols)  # (N, C, kh, kw, L) in flat-pixel positions
        rows = _skew_sum(flat, shift=1)  # (N, C, kh, L + kw - 1): summed over j
        image = _skew_sum(rows, shift=self.wp)  # (N, C, L + kw - 1 + (kh-1)*Wp)
        size = self.hp * self.wp
        if image.shape[-1] < size:  # bottom rows that no window reaches
            image = np.concatenate(
                [image, np.zeros((n, c, size - image.shape[-1]), image.dtype)], axis=-1
            )
        return image[..., :size].reshape(n, c, self.hp, self.wp)

    def _dilated(self, dcols: np.ndarray) -> np.ndarray:
        """Put strided window positions at their flat-pixel offsets ``y*s*Wp + x*s``."""
        if self.wide:
            return dcols
        n, c = dcols.shape[:2]
        s = self.stride
        length = (self.h_out - 1) * s * self.wp + (self.w_out - 1) * s + 1
        flat = np.zeros((n, c, self.kh, self.kw, length), dtype=dcols.dtype)
        e = flat.itemsize
        view = as_strided(
            flat,
            shape=(n, c, self.kh, self.kw, self.h_out, self.w_out),
            strides=(*flat.strides[:4], s * self.wp * e, s * e),
        )
        view[...] = dcols.reshape(view.shape)
        return flat


def _skew_sum(a: np.ndarray, shift: int) -> np.ndarray:
    """For ``a`` of shape (..., K, L) return ``out[..., t] = sum_k a[..., k, t - k*shift]``.

    The skew trick: lay each row out with ``shift`` zeros after it, so rows have
    length ``L' + shift`` where ``L' = L + (K-1)*shift``, then read the same memory
    back as rows of length ``L'``. Row k now starts ``k*shift`` elements later, which
    is exactly the shift we want, and the zeros fill the gaps. One copy, one sum.
    """
    *lead, k, length = a.shape
    new_len = length + (k - 1) * shift
    padded = np.zeros((*lead, k, new_len + shift), dtype=a.dtype)
    padded[..., :length] = a
    # (..., K, L'+shift) -> (..., K*(L'+shift)) -> first K*L' -> (..., K, L')
    skewed = padded.reshape(*lead, k * (new_len + shift))[..., : k * new_len]
    return skewed.reshape(*lead, k, new_len).sum(axis=-2)
