"""Brickwork: a metadata-driven no-code application platform for financial institutions."""

__version__ = "0.1.0"
