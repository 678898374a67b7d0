"""Reading and checking every file a user brings or the project ships: units, indicators, targets, observations,
yearbook tables, params.
"""
