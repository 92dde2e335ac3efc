"""The package version, importable from any stage without importing the package root (which
pulls in the whole public API)."""

__version__ = "0.1.0"
