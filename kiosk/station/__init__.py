"""The running kiosk station's plumbing, below the UI and above the domain (no Qt):

- `events`: the one checkout worker thread every event goes through;
- `tray_watch`: camera + scale -> the decision -> tray events for the checkout;
- `staff_desk`: staff login with lockout, and the audit trail of what staff do;
- `sim_world`: the demo's simulated camera over the virtual tray.

Only `kiosk.app` (the composition root) constructs these.
"""
