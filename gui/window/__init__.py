"""The main window: the status form, its send flow, menus and the welcome page."""
