"""Light and dark themes: the Fusion style with our own palettes, and tinted icons.

Widgets never hard-code colours: they ask :func:`colors_for` with their own palette,
so a theme switch (a ``PaletteChange`` event) only has to repaint.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from digitlab.resources import icon_path

#: What the View ▸ Theme menu offers; "system" follows the desktop's colour scheme.
THEMES = ("system", "light", "dark")
# How "not a digit" is marked wherever a digit would stand: an em dash, calm and
# plainly not a digit (∅ and Ø read as a zero).
NOT_A_DIGIT_MARK = "\u2014"


@dataclass(frozen=True)
class Colors:
    """One theme's colours, as "#rrggbb"."""

    window: str  # the window background
    surface: str  # cards and panels on it
    text: str
    muted: str  # captions and secondary text
    border: str
    accent: str  # the predicted digit, the selection
    paper: str  # the drawing canvas
    ink: str  # strokes on the canvas
    bar: str  # probability bars other than the predicted one


LIGHT = Colors(
    window="#f3f4f7",
    surface="#ffffff",
    text="#1c1d22",
    muted="#6b6f7a",
    border="#d9dce3",
    accent="#3d6cf0",
    paper="#ffffff",
    ink="#15161a",
    bar="#b9c0d0",
)
DARK = Colors(
    window="#1b1c20",
    surface="#25272d",
    text="#e8e9ee",
    muted="#9a9ead",
    border="#3a3d46",
    accent="#7c9dff",
    paper="#111214",
    ink="#f4f5f8",
    bar="#4a4f5c",
)


def colors_for(palette: QPalette) -> Colors:
    """The theme colours that match ``palette`` (dark when its window is dark)."""
    return DARK if palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5 else LIGHT


def resolve_theme(theme: str) -> str:
    """ "light" or "dark": ``theme`` itself, or for "system" the desktop's scheme."""
    if theme in ("light", "dark"):
        return theme
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def make_palette(colors: Colors) -> QPalette:
    """A complete QPalette from the theme colours, disabled roles included."""
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    palette = QPalette()
    entries = {
        role.Window: colors.window,
        role.WindowText: colors.text,
        role.Base: colors.surface,
        role.AlternateBase: colors.window,
        role.Text: colors.text,
        role.Button: colors.surface,
        role.ButtonText: colors.text,
        role.ToolTipBase: colors.surface,
        role.ToolTipText: colors.text,
        role.PlaceholderText: colors.muted,
        role.Highlight: colors.accent,
        role.HighlightedText: "#ffffff",
        role.Link: colors.accent,
        role.Mid: colors.border,
        role.Midlight: colors.border,
        role.Light: colors.surface,
        role.Dark: colors.border,
        role.Shadow: colors.border,
    }
    for key, value in entries.items():
        palette.setColor(key, QColor(value))
    for key in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, key, QColor(colors.muted))
    return palette


def apply_theme(app: QApplication, theme: str) -> str:
    """Give ``app`` the Fusion style and the palette of ``theme``; returns "light"/"dark"."""
    resolved = resolve_theme(theme)
    app.setStyle("Fusion")
    app.setPalette(make_palette(DARK if resolved == "dark" else LIGHT))
    return resolved


def tinted_icon(name: str, color: str | QColor) -> QIcon:
    """The SVG ``resources/icons/<name>.svg`` with ``currentColor`` painted in ``color``.

    Rendered at a few sizes so toolbars stay crisp at 200% scaling.
    """
    svg = icon_path(f"{name}.svg").read_text(encoding="utf-8")
    svg = svg.replace("currentColor", QColor(color).name())
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    icon = QIcon()
    for size in (16, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def app_icon() -> QIcon:
    """digitlab's window and taskbar icon."""
    return QIcon(str(icon_path("digitlab.svg")))
