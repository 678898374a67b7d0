"""The statistics: scales, trend models, predictive distributions, model choice, the anchors' rates, flags and the
assessment of one series or many.
"""
