"""The "That was a …" row: ten small buttons under the answer that keep the drawing
as one of "my digits", labelled with the digit clicked (the keys 0 to 9 do the same)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

BUTTON_SIZE = 26  # px: ten in a row fit beside the answer in the narrowest panel
CAPTION = "That was a …"


class LabelBar(QWidget):
    """Emits ``label_chosen(digit)``; the buttons work only while there is a digit
    to keep (``set_answer`` with the model's answer, or None when the canvas is empty)."""

    label_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(CAPTION)
        self.caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.buttons = [self._button(digit) for digit in range(10)]
        row = QHBoxLayout()
        row.setSpacing(3)
        for button in self.buttons:
            row.addWidget(button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.caption)
        column.addLayout(row)
        self._answer: int | None = -1  # neither a digit nor None: the first call sets up
        self._has_ink = False
        self.set_answer(None)

    def _button(self, digit: int) -> QToolButton:
        button = QToolButton()
        button.setText(str(digit))
        button.setFixedSize(BUTTON_SIZE, BUTTON_SIZE)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys 0-9 are the keyboard's way
        button.clicked.connect(lambda _=False, d=digit: self.label_chosen.emit(d))
        return button

    def answer(self) -> int | None:
        return self._answer

    def set_answer(self, answer: int | None, *, has_ink: bool | None = None) -> None:
        """The model's reading of the drawing (its button is bold), or None: no digit
        read. ``has_ink`` says whether there is a drawing to keep (default: there is
        when a digit was read); a drawing the model declined has ink but no answer.
        Called on every stroke, so nothing is done when the answer stays the same."""
        has_ink = answer is not None if has_ink is None else has_ink
        if (answer, has_ink) == (self._answer, self._has_ink):
            return
        self._answer, self._has_ink = answer, has_ink
        self.caption.setEnabled(has_ink)
        for digit, button in enumerate(self.buttons):
            button.setEnabled(has_ink)
            font = QFont(button.font())
            font.setBold(digit == answer)
            button.setFont(font)
            button.setToolTip(_tooltip(digit, answer, has_ink))


def _tooltip(digit: int, answer: int | None, has_ink: bool) -> str:
    if not has_ink:
        return "Draw a digit first, then say which it was"
    if answer is None:
        return f"Keep this drawing as a {digit}; the model did not read a digit (key {digit})"
    if digit == answer:
        return f"Keep this drawing as a {digit}, as the model read it (key {digit})"
    return f"Keep this drawing as a {digit}, correcting the model (key {digit})"
