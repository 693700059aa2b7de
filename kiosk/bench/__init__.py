"""`kiosk bench NAME` runs `kiosk.bench.NAME.main(argv)`; each prints JSON."""
