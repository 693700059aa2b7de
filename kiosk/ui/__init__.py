"""The touchscreen: view models (Python) and screens (QML). The only package that
imports PySide6. View models are built by `kiosk.app` and handed to QML as required
properties; workers reach them only through plain methods that emit a private,
queued signal (see `viewmodels`)."""
