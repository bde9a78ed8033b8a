"""The history of every call: the list, its filter, and what can be done with a row."""
