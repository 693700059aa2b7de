"""Serial scale drivers: pure protocol parsers (MT-SICS, NCI, Toledo 8217) under one
thin transport that owns the port, polls, and reconnects on its own.

Ports are pyserial URLs. On a terminal prefer `/dev/serial/by-id/...`: the name stays
the same when the cable is replugged into another USB socket, unlike `/dev/ttyUSB0`.
"""
