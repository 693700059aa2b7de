"""Receipt printing over ESC/POS: a `Receipt` renders to exact bytes with no device,
and a thin driver checks paper and cover before it sends them.

Our own encoder rather than python-escpos: we need about a dozen commands; the bytes
are then fixed by our code (testable byte for byte), Chinese text goes out as GB18030
in the printer's Chinese mode (python-escpos's code-page "magic" is built for
single-byte code pages), and the terminal avoids Pillow, qrcode, python-barcode,
pyusb and pyyaml that python-escpos pulls in.
"""
