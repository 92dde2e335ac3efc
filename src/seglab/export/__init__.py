"""Deployment files: export a trained model to ONNX or TorchScript and check its parity.

`exporter` writes the model plus a JSON of its classes and preprocessing (`seglab.runs.exported`)
and checks parity; running an exported ONNX model is prediction, in
`seglab.inference.onnx_predictor`. Submodules are imported where used, so importing this package
loads neither onnx nor onnxruntime.
"""
