"""Lowest layer: errors a user can cause, where files live and how paths are shown, atomic writes. Imports nothing
of toolkit.
"""
