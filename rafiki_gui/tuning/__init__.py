"""Tuning in the window: trials live in a table and charts, any stored experiment reopened."""
