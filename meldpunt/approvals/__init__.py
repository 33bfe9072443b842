"""Four-eyes requests (vier-ogenprincipe) for any object type: ask, list, decide, then complete.

Each domain registers what an approved request of its kind does (``register_kind``); this package knows
no domain above the signals core.
"""
