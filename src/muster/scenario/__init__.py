"""Exercises: a station and a crisis timeline from a scenario file, replayed and checked.

``loader`` reads and checks a file, ``runner`` replays it through the domain services,
``actions`` and ``checks`` hold the vocabularies that each domain extends, ``cli`` is
``muster scenario`` and ``muster demo``.
"""
