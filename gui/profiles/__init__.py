"""Profiles: the dialog that adds, edits and removes them, the picker, their actions."""
