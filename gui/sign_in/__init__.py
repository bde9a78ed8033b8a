"""Signing in: with the stored credentials, or through the portal's page in a browser."""
