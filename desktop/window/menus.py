"""The main window's actions, menus and colour themes.

A mixin for ``MainWindow``: the actions need the window's canvas, layer view and
model commands, and tests reach them as the window's attributes
(``window.undo_action``), so they are built on the window itself.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow

from digitlab.core.version import __version__
from digitlab.desktop.common.dialogs import Dialogs
from digitlab.desktop.common.style import THEMES, apply_theme, colors_for, tinted_icon


class WindowMenus(QMainWindow):
    """Builds the File, Edit, View and Help menus of a window that has ``models``,
    ``canvas``, ``layer_view`` and ``settings`` and the slots the actions name."""

    def _action(self, text: str, tip: str, slot, shortcut=None, icon: str | None = None) -> QAction:
        action = QAction(text, self)
        keys = [] if shortcut is None else shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(k) for k in keys])
        hint = f" ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip + (hint if keys else ""))
        action.setStatusTip(tip)
        action.setData(icon)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.open_model_action = self._action(
            "&Open model…", "Open a model.h5 file", self.models.open, key.Open, "open"
        )
        self.open_image_action = self._action(
            "Open &image…", "Recognise a digit in an image file", self.open_image, "Ctrl+I", "image"
        )
        self.save_action = self._action("&Save", "Save the model", self.save, key.Save, "save")
        self.save_as_action = self._action(
            "Save &As…", "Save the model to a new file", self.save_as, "Ctrl+Shift+S"
        )
        self.quit_action = self._action("&Quit", "Quit digitlab", self.close, "Ctrl+Q")
        self.undo_action = self._action(
            "&Undo stroke", "Take back the last stroke", self.canvas.undo, key.Undo, "undo"
        )
        self.clear_action = self._action(
            "&Clear", "Clear the canvas", self.canvas.clear, ["Esc", "Delete"], "clear"
        )
        self.steps_action = self._action(
            "Show &preprocessing steps",
            "Show how the drawing is cropped, scaled and centred",
            self._set_steps_visible,
            "Ctrl+Shift+P",
        )
        self.steps_action.setCheckable(True)
        self.kernels_action = self._action(
            "Show &kernels",
            "Show the convolution kernels in the layer view",
            self.layer_view.show_kernels,
            "Ctrl+Shift+K",
        )
        self.kernels_action.setCheckable(True)
        self.about_action = self._action("&About digitlab", "About digitlab", self.show_about)
        self.theme_actions = QActionGroup(self)
        for theme in THEMES:
            action = self.theme_actions.addAction(theme.capitalize())
            action.setCheckable(True)
            action.setData(theme)
            action.setStatusTip(f"Use the {theme} colour theme")
        self.theme_actions.triggered.connect(lambda a: self.set_theme(a.data()))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_model_action, self.open_image_action])
        self.recent_menu = file_menu.addMenu("Open &recent model")
        self.recent_menu.setToolTipsVisible(True)  # the full path of each file
        self.recent_menu.aboutToShow.connect(lambda: self.models.fill_recent_menu(self.recent_menu))
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.clear_action])
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.steps_action, self.kernels_action])
        view_menu.addMenu("&Theme").addActions(self.theme_actions.actions())
        bar.addMenu("&Help").addAction(self.about_action)
        for menu in (file_menu, edit_menu, view_menu):
            menu.setToolTipsVisible(True)

    def set_theme(self, theme: str) -> None:
        """Switch to the "light", "dark" or "system" theme and remember it."""
        app = QApplication.instance()
        apply_theme(app, theme)
        self.settings.setValue("view/theme", theme)
        for action in self.theme_actions.actions():
            action.setChecked(action.data() == theme)
        self._refresh_icons()

    def _follow_system_scheme(self) -> None:
        """The desktop switched between light and dark: follow it if asked to."""
        if str(self.settings.value("view/theme", "system")) == "system":
            self.set_theme("system")

    def _refresh_icons(self) -> None:
        # The application palette, not the window's: that one follows a moment later.
        color = colors_for(QApplication.palette()).text
        for action in self.findChildren(QAction):
            if isinstance(action.data(), str) and action.data() not in THEMES:
                action.setIcon(tinted_icon(action.data(), color))

    def show_about(self) -> None:
        Dialogs.show_about(
            self,
            "About digitlab",
            f"<h3>digitlab {__version__}</h3>"
            "<p>Handwrite a digit and watch a convolutional network, written from "
            "scratch in NumPy, read it.</p><p>MIT licence.</p>",
        )
