"""Lowest layer: errors a user can cause, where files live and how paths are shown, atomic writes, the
editions (message catalogues, current language). Imports nothing of toolkit.
"""
