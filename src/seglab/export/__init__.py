"""Deployment files: export a trained model to ONNX or TorchScript; run ONNX with onnxruntime.

`exporter` writes the model plus a JSON of its classes and preprocessing and checks parity;
`predictor` runs an exported ONNX model with onnxruntime and NumPy (`preprocess`). Submodules
are imported where used, so importing this package loads neither onnx nor onnxruntime.
"""
