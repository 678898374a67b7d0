"""Monitoring and evaluation toolkit for China's child development outlines.

All logic lives in this package; notebooks only call it. See README.md and docs/.
"""

__version__ = "0.1.0"
