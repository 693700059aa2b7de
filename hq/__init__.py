"""The headquarters reference service: receives sales and hard cases, serves catalogs.

A separate service from the kiosk (it never imports `kiosk`); the protocol between
them is hq/openapi.yaml.
"""

PROTOCOL_VERSION = "1.1.0"
