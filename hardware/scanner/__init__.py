"""Barcode scanners: serial (line-terminated) and keyboard-wedge read exclusively
through evdev (optional dependency: `pip install checkout-kiosk[scanner]`)."""
