"""Device drivers and simulators. No Qt, and never imports `kiosk`."""
