"""One file per panel; each panel is a view over a :class:`rafiki_gui.session.Session`."""
