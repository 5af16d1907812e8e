"""Process-wide settings Rafiki model files read (they narrow knob ranges in DEV mode)."""

import os

APP_MODE: str = os.environ.get("RAFIKI_APP_MODE", "DEV")
