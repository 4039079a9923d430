"""Agreements with a visiting party: terms, owners, evidence, breaches, return requests."""
