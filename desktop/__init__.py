"""digitlab's desktop application (PySide6)."""
