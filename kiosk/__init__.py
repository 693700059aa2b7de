"""The checkout kiosk: camera + scale + local recognition, offline-first."""

__version__ = "0.1.0"
