"""Comms: channels, orders with precedence, acknowledgements, escalation, handsets, PA, CAP."""
