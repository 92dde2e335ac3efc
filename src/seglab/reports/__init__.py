"""Reports on runs and predictions: figures (`seglab.reports.plots`).

Submodules are imported where used, so code that needs no figures never loads matplotlib.
"""
