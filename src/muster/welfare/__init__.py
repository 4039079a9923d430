"""Welfare: consent cases for transfers to a visiting vessel, and the check-ups that follow."""
