"""Prediction stage: the Predictor and batch prediction of files."""
