"""The gallery of "my digits": one section per label, a thumbnail per digit, painted.

Hundreds of digits make no widget each: ``DigitGrid`` lays out rectangles (once per
change of data or width) and paints only those in the exposed area. Each thumbnail is
the 28x28 image the network saw, scaled by whole pixels (crisp), in the theme's ink
on paper; under it the current model's answer, marked in red when it is wrong.
Selection follows the usual rules: click, Ctrl+click toggles, Shift+click a range.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from digitlab.core.personal.my_digits import Sample
from digitlab.core.reading.recognition import NOT_A_DIGIT
from digitlab.desktop.common.image_utils import is_dark, mix
from digitlab.desktop.common.style import NOT_A_DIGIT_MARK, colors_for

THUMB = 56  # px: the 28x28 image at exactly twice its size
CELL = 66  # px: a cell's width
MARGIN, GAP, SECTION_GAP = 10, 6, 14  # px
WRONG_LIGHT, WRONG_DARK = "#d23c3c", "#ff6b6b"  # readable on either theme's surface


class DigitGrid(QWidget):
    """Shows samples and their answers; reports selection, delete and context menus."""

    selection_changed = Signal()
    delete_requested = Signal()
    context_menu_requested = Signal(QPoint)  # global position

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples: list[Sample] = []  # in display order: by label, then as stored
        self.answers: dict[str, int] = {}  # id -> the current model's answer
        self.placeholder = ""
        self._selected: set[str] = set()
        self._anchor = 0  # where a Shift+click range starts, in display order
        self._cells: list[QRect] = []
        self._headers: list[tuple[int, QRect]] = []  # (label, rect)
        self._images: dict[str, QImage] = {}  # id -> thumbnail, made when first painted
        self._table: list[int] = []  # the thumbnails' colours, made when first needed
        self._laid_out_width = -1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    # -- data ---------------------------------------------------------------------
    def set_samples(self, samples: list[Sample], answers: dict[str, int]) -> None:
        """Show ``samples`` (any order) with ``answers`` (id -> digit; missing: unknown)."""
        self.samples = sorted(samples, key=lambda s: s.label)  # stable: keeps store order
        self.answers = answers
        ids = {s.id for s in samples}
        self._images = {k: v for k, v in self._images.items() if k in ids}
        dropped = self._selected - ids
        self._selected &= ids
        self._anchor = min(self._anchor, max(len(samples) - 1, 0))
        self._lay_out()
        self.update()
        if dropped:
            self.selection_changed.emit()

    def is_wrong(self, sample: Sample) -> bool:
        answer = self.answers.get(sample.id)
        return answer is not None and answer != sample.label

    def misread(self, label: int | None = None) -> int:
        """How many the current model reads wrongly (of ``label``, or of all)."""
        return sum(self.is_wrong(s) for s in self.samples if label is None or s.label == label)

    # -- selection ----------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        """The selected samples' ids, in display order."""
        return [s.id for s in self.samples if s.id in self._selected]

    def select(self, ids: list[str]) -> None:
        self._selected = set(ids) & {s.id for s in self.samples}
        self.update()
        self.selection_changed.emit()

    def select_all(self) -> None:
        self.select([s.id for s in self.samples])

    def cell_rect(self, index: int) -> QRect:
        """Where the ``index``-th sample (display order) is drawn."""
        return QRect(self._cells[index])

    def index_at(self, point: QPoint) -> int | None:
        return next((i for i, rect in enumerate(self._cells) if rect.contains(point)), None)

    def click(self, index: int | None, modifiers: Qt.KeyboardModifier) -> None:
        """Select as a click with ``modifiers`` on the ``index``-th cell (None: on no cell)."""
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if index is None:
            chosen = set(self._selected) if ctrl or shift else set()
        elif shift:
            low, high = sorted((self._anchor, index))
            span = {s.id for s in self.samples[low : high + 1]}
            chosen = (self._selected | span) if ctrl else span
        else:
            sample_id = self.samples[index].id
            chosen = self._selected ^ {sample_id} if ctrl else {sample_id}
            self._anchor = index
        if chosen != self._selected:
            self.select(list(chosen))

    # -- layout -------------------------------------------------------------------
    def _cell_height(self) -> int:
        return THUMB + 4 + self.fontMetrics().height() + 2

    def _header_height(self) -> int:
        return self.fontMetrics().height() + 12

    def _lay_out(self) -> None:
        """Place every header and cell for the current width; fix the height to fit."""
        width = max(self.width(), CELL + 2 * MARGIN)
        columns = max(1, (width - 2 * MARGIN + GAP) // (CELL + GAP))
        cell_h, y = self._cell_height(), MARGIN
        self._cells, self._headers = [], []
        for label in sorted({s.label for s in self.samples}):
            self._headers.append(
                (label, QRect(MARGIN, y, width - 2 * MARGIN, self._header_height()))
            )
            y += self._header_height()
            members = sum(s.label == label for s in self.samples)
            for k in range(members):
                row, column = divmod(k, columns)
                x = MARGIN + column * (CELL + GAP)
                self._cells.append(QRect(x, y + row * (cell_h + GAP), CELL, cell_h))
            y += -(-members // columns) * (cell_h + GAP) + SECTION_GAP
        self._laid_out_width = self.width()
        self.setFixedHeight(max(y, 120))

    def resizeEvent(self, event) -> None:
        if self.width() != self._laid_out_width:
            self._lay_out()
        super().resizeEvent(event)

    # -- painting -----------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        colors = colors_for(self.palette())
        if not self.samples:
            painter.setPen(QColor(colors.muted))
            area = self.rect().adjusted(24, 24, -24, -24)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder
            )
            return
        exposed = event.rect()
        for label, rect in self._headers:
            if rect.intersects(exposed):
                self._paint_header(painter, label, rect)
        for sample, rect in zip(self.samples, self._cells, strict=True):
            if rect.intersects(exposed):
                self._paint_cell(painter, sample, rect)
        painter.end()

    def _paint_header(self, painter: QPainter, label: int, rect: QRect) -> None:
        colors = colors_for(self.palette())
        count = sum(s.label == label for s in self.samples)
        parts = [str(label), f"{count} digit{'s' if count != 1 else ''}"]
        if self.answers:
            wrong = self.misread(label)
            parts.append(f"{wrong} misread" if wrong else "all read right")
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(colors.text))
        text_rect = rect.adjusted(0, 0, 0, -6)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, " · ".join(parts)
        )
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(QPen(QColor(colors.border), 1))
        painter.drawLine(rect.left(), rect.bottom() - 2, rect.right(), rect.bottom() - 2)

    def _paint_cell(self, painter: QPainter, sample: Sample, rect: QRect) -> None:
        colors = colors_for(self.palette())
        wrong_color = QColor(WRONG_DARK if is_dark(self.palette()) else WRONG_LIGHT)
        if sample.id in self._selected:
            accent = QColor(colors.accent)
            painter.setPen(QPen(accent, 1.5))
            painter.setBrush(mix(QColor(colors.surface), accent, 0.22))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.drawRoundedRect(QRectF(rect).adjusted(0.75, 0.75, -0.75, -0.75), 6, 6)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        thumb = QRect(rect.x() + (rect.width() - THUMB) // 2, rect.y() + 4, THUMB, THUMB)
        painter.drawImage(thumb, self._thumbnail(sample))  # no smoothing: square pixels
        wrong = self.is_wrong(sample)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if wrong:
            painter.setPen(QPen(wrong_color, 2))
            painter.drawRect(thumb.adjusted(0, 0, -1, -1))
        else:
            painter.setPen(QPen(QColor(colors.border), 1))
            painter.drawRect(thumb.adjusted(0, 0, -1, -1))
        answer = self.answers.get(sample.id)
        if answer is None:
            return
        caption = QRect(rect.x(), thumb.bottom() + 2, rect.width(), self.fontMetrics().height())
        painter.setPen(wrong_color if wrong else QColor(colors.muted))
        painter.drawText(
            caption,
            Qt.AlignmentFlag.AlignCenter,
            f"→ {_short(answer)}" if wrong else f"✓ {answer}",
        )

    def _thumbnail(self, sample: Sample) -> QImage:
        image = self._images.get(sample.id)
        if image is None:
            if not self._table:  # 256 colours from the theme's paper (no ink) to its ink
                colors = colors_for(self.palette())
                paper, ink = QColor(colors.paper), QColor(colors.ink)
                self._table = [mix(paper, ink, i / 255).rgba() for i in range(256)]
            image = self._images[sample.id] = _indexed_image(sample, self._table)
        return image

    # -- events -------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._images.clear()  # remade in the new theme's colours when next painted
            self._table = []
            self.update()
        elif event.type() == QEvent.Type.FontChange:
            self._lay_out()
        super().changeEvent(event)

    def mousePressEvent(self, event) -> None:
        index = self.index_at(event.position().toPoint())
        right = event.button() == Qt.MouseButton.RightButton
        if right and index is not None and self.samples[index].id in self._selected:
            return  # a context menu for the selection as it is
        self.click(index, event.modifiers())

    def contextMenuEvent(self, event) -> None:
        if self._selected:
            self.context_menu_requested.emit(event.globalPos())

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._handles_key(event):
            event.accept()  # these keys act on the selection, not the window's shortcuts
            return True
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)
            return True
        return super().event(event)

    def _handles_key(self, event) -> bool:
        if event.matches(QKeySequence.StandardKey.SelectAll):
            return bool(self.samples)
        keys = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Escape)
        return bool(self._selected) and event.key() in keys

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._selected:
            self.delete_requested.emit()
        elif event.key() == Qt.Key.Key_Escape and self._selected:
            self.select([])
        else:
            super().keyPressEvent(event)

    def _show_tooltip(self, event) -> None:
        index = self.index_at(event.pos())
        if index is None:
            QToolTip.hideText()
            return
        QToolTip.showText(event.globalPos(), describe(self.samples[index], self.answers), self)


def _short(answer: int) -> str:
    """An answer under a thumbnail: the digit, or the mark for "not a digit"."""
    return NOT_A_DIGIT_MARK if answer == NOT_A_DIGIT else str(answer)


def describe(sample: Sample, answers: dict[str, int]) -> str:
    """A sample in words, for its tooltip."""
    lines = [f"You said {sample.label}"]
    answer = answers.get(sample.id)
    if answer is not None:
        said = "it as not a digit" if answer == NOT_A_DIGIT else str(answer)
        lines.append(f"The model now reads {said}" + (" ✗" if answer != sample.label else ""))
    if sample.model_answer != -1:
        lines.append(f"When you kept it, it read {sample.model_answer}")
    lines.append(f"Kept {sample.created.replace('T', ' ')[:16]} UTC")
    return "\n".join(lines)


def _indexed_image(sample: Sample, table: list[int]) -> QImage:
    """The sample's 28x28 image as an 8-bit indexed QImage that owns its pixels."""
    pixels = (sample.image * 255 + 0.5).astype("uint8")  # (28, 28); 28 is a multiple of 4
    image = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Indexed8).copy()
    image.setColorTable(table)
    return image
