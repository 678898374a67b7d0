"""The public vocabulary every layer shares: observation and results columns, params words, the run-folder
contract, the synthetic marker, the labels of the codes in each edition. Imports only core.
"""
