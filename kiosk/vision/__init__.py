"""The on-device recognition pipeline: frames in, a stable `TrayView` out. No Qt.

- `preprocess` / `postprocess`: pure numpy functions, shared with the training
  recipe's evaluation so that training and the kiosk see the same pixels and boxes.
- `session`: the onnxruntime session (provider preference, the provider that really
  loaded, warm-up).
- `stability`: tells a moving tray from a still one, and votes still frames into one
  `TrayView`.
- `pipeline`: the latest-frame box and the capture and inference threads.
"""
