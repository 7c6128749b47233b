"""One unit's arithmetic as HTML: the numbers a person can redo with a calculator.

Forward: the values read, the weights, their products, the sum plus the bias and the
activation; the winner of a pooling window; the inputs that weigh most in a dense
unit. Backward: the chain rule's terms that made the unit's gradient, and what the
unit adds to its kernel's gradient. Text only: the panel that shows it and the
highlights in the maps are elsewhere.
"""

from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtGui import QPalette

from digitlab.core.explain.unit_gradients import UnitGradient
from digitlab.core.explain.units import UnitExplanation
from digitlab.desktop.common.image_utils import colour_map, format_small, mix

TOP = 6  # terms listed before "and N others"


def num(value: float) -> str:
    return format_small(float(value) + 0.0)  # + 0.0: -0.0 reads as 0


def unit_name(layer: str, unit: tuple[int, ...]) -> str:
    if len(unit) == 3:
        return f"{layer} · channel {unit[0]} · row {unit[1]}, column {unit[2]}"
    return f"{layer} · unit {unit[0]}"


def grid(
    values: np.ndarray, palette: QPalette, bold: tuple[int, int] | None = None, decimals: int = 2
) -> str:
    """A 2-D array as a small table of fixed-decimal numbers (so the columns line up),
    each cell tinted on a scale centred on zero, pale enough to read dark text on."""
    cmap = colour_map(True, palette)
    base = palette.color(QPalette.ColorRole.Base)
    m = float(np.max(np.abs(values))) or 1.0
    rows = []
    for r, row in enumerate(values):
        cells = []
        for c, v in enumerate(row):
            colour = mix(base, cmap.color(0.5 + 0.5 * float(v) / m), 0.55).name()
            text = f"{float(v):.{decimals}f}"
            text = text.lstrip("-") if float(text) == 0 else text.replace("-", "\u2212")
            text = f"<b>{text}</b>" if bold == (r, c) else text
            cells.append(f'<td style="background:{colour}" align="right" nowrap>{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table cellspacing="1" cellpadding="1" style="font-size:small">'
        + "".join(rows)
        + "</table>"
    )


def side_by_side(*named: tuple[str, str]) -> str:
    heads = "".join(f"<td><i>{escape(name)}</i></td>" for name, _ in named)
    bodies = "".join(f'<td valign="top">{html}</td>' for _, html in named)
    return f'<table cellspacing="6"><tr>{heads}</tr><tr>{bodies}</tr></table>'


def forward_html(e: UnitExplanation, palette: QPalette) -> str:
    """How the unit got its value."""
    name = escape(unit_name(e.layer, e.unit))
    head = f"<p><b>{name}</b> · {escape(e.kind)} · value {num(e.value)}</p>"
    if e.winner is not None:
        body = (
            f"<p>The largest of its window in the layer below (the winner, in bold):</p>"
            f"{grid(e.inputs, palette, bold=e.winner)}<p>= {num(e.total)}</p>"
        )
    elif e.weights is not None and e.inputs.ndim == 3:
        body = _conv_html(e, palette)
    elif e.weights is not None and e.inputs.ndim == 2:  # average pooling
        body = f"{grid(e.inputs, palette)}<p>mean = {num(e.total)}</p>"
    elif e.weights is not None:
        body = _dense_html(e)
    else:
        body = (
            f"<p>It reads one value below, {num(float(e.inputs[0]))}, and gives {num(e.value)}.</p>"
        )
    if e.activated is not None:
        name, value = e.activated
        body += f"<p>After {escape(name)}: <b>{num(value)}</b></p>"
    return head + body


def strongest_channel(e: UnitExplanation) -> int:
    """The input channel whose products move a convolution unit's sum most (0 when the
    unit is no convolution's): the one both halves of the explanation show in full."""
    products = e.products
    if products is None or products.ndim != 3:
        return 0
    return int(np.argmax(np.abs(products.reshape(len(products), -1).sum(axis=1))))


def _conv_html(e: UnitExplanation, palette: QPalette) -> str:
    products = e.products
    sums = products.reshape(len(products), -1).sum(axis=1)  # one per input channel
    channel = strongest_channel(e)
    parts = []
    if len(sums) > 1:
        listed = " + ".join(
            (f"<b>{num(s)}</b>" if c == channel else num(s)) for c, s in enumerate(sums)
        )
        parts.append(f"<p>Σ over its {len(sums)} input channels of input × kernel:<br>{listed}</p>")
    parts.append(f"<p>Input channel {channel}:</p>" if len(sums) > 1 else "")
    parts.append(side_by_side(
        ("input (receptive field)", grid(e.inputs[channel], palette)),
        ("× kernel", grid(e.weights[channel], palette)),
        ("= products", grid(products[channel], palette, decimals=3)),
    ))  # fmt: skip
    total = float(products.astype(np.float64).sum())
    parts.append(f"<p>Σ products {num(total)} + bias {num(e.bias)} = <b>{num(e.total)}</b></p>")
    return "".join(parts)


def _dense_html(e: UnitExplanation) -> str:
    top = e.top_inputs(TOP)
    rows = "".join(
        f"<tr><td>input {i}</td><td align='right'>{num(x)}</td><td align='right'>× {num(w)}</td>"
        f"<td align='right'>= {num(p)}</td></tr>"
        for (i,), x, w, p in top
    )
    rest = float(e.products.astype(np.float64).sum()) - sum(p for *_, p in top)
    return (
        f"<p>Σ over its {e.inputs.size} inputs of input × weight; the largest:</p>"
        f"<table cellspacing='4'>{rows}</table>"
        f"<p>and {e.inputs.size - len(top)} others: {num(rest)}<br>"
        f"+ bias {num(e.bias)} = <b>{num(e.total)}</b></p>"
    )


def backward_html(g: UnitGradient, palette: QPalette, channel: int = 0) -> str:
    """Where the unit's gradient came from and what it adds to the weight gradients
    (for a convolution unit, to input ``channel`` of its kernel in full)."""
    parts = [f"<p>dL/d(this unit) = <b>{num(g.grad)}</b></p>"]
    if g.from_loss is not None:
        p, t = g.from_loss
        parts.append(f"<p>From the loss: p − t = {num(p)} − {t:g} = {num(g.total)}</p>")
    elif g.terms:
        parts.append(_terms_html(g))
    if g.kernel_share is not None:
        parts.append(_share_html(g, palette, channel))
    return "".join(parts)


def _terms_html(g: UnitGradient) -> str:
    live = [t for t in g.terms if t.weight != 0]
    if not live:
        return (
            f"<p>Every unit of {escape(g.via)} that reads it does so with weight 0 (a ReLU "
            "that is off, its value being at most 0, or a max-pooling window it did not "
            "win): no gradient reaches it.</p>"
        )
    shown = live[:TOP]
    rows = "".join(
        f"<tr><td>{escape(unit_name(g.via, t.unit))}</td><td align='right'>δ {num(t.grad)}</td>"
        f"<td align='right'>× {num(t.weight)}</td><td align='right'>= {num(t.term)}</td></tr>"
        for t in shown
    )
    rest = g.total - sum(t.term for t in shown)
    zero = len(g.terms) - len(live)
    text = (
        f"<p>Chain rule: Σ over the {_units(len(g.terms))} of {escape(g.via)} that read it "
        f"of their δ × d(their value)/d(this unit){'. The largest' if len(live) > 1 else ''}:</p>"
        f"<table cellspacing='4'>{rows}</table>"
    )
    if len(live) > len(shown):
        text += f"<p>and {len(live) - len(shown)} others: {num(rest)}</p>"
    if zero:
        text += f"<p>({_units(zero)} read it with weight 0: a window it did not win.)</p>"
    return text + f"<p>= <b>{num(g.total)}</b></p>"


def _units(n: int) -> str:
    return "1 unit" if n == 1 else f"{n} units"


def _share_html(g: UnitGradient, palette: QPalette, channel: int) -> str:
    if g.grad == 0:
        return "<p>With a gradient of 0 it adds nothing to dL/dkernel or dL/dbias.</p>"
    share = g.kernel_share
    if share.ndim == 3:  # (C, kh, kw): the channel the forward half showed
        what = f"input channel {channel} of its kernel" if len(share) > 1 else "its kernel"
        return (
            f"<p>It adds δ × its receptive field to dL/dkernel ({what}), and δ to dL/dbias:</p>"
            f"{grid(share[channel], palette, decimals=4)}"
        )
    top = np.argsort(-np.abs(share), kind="stable")[:TOP]
    listed = ", ".join(f"[{i}] {num(share[i])}" for i in top)
    return (
        f"<p>It adds δ × its inputs to its column of dL/dkernel (largest: {listed}) "
        f"and δ = {num(g.bias_share)} to dL/dbias.</p>"
    )
