"""The engine judged on known outcomes: hindcasts on the real national series and simulations from known processes.
"""
