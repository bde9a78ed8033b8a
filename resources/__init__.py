"""The window's icon and style sheet, shipped as package data beside the code."""
