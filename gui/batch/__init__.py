"""The batch window: one status for many messages, from a CSV file or pasted rows."""
