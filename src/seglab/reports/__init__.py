"""Figures and metric tables drawn from arrays (`plots`, `summary`): shared by training, prediction and the report.

Submodules are imported where used, so code that needs no figures never loads matplotlib.
"""
