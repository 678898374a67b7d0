"""Pages a reviewer reads, one subpackage per page (unit_report, overview, method_evaluation), with shared text,
HTML and figure helpers. Notebooks import one page API each.
"""
