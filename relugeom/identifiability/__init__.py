"""Identifiability: local verdicts from a batch, exact functional equality, and deficits explained.

(The public exports are added when the modules land.)
"""
