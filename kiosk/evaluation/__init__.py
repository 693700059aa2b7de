"""Evaluations that measure the kiosk end to end (fusion of vision and weight)."""
