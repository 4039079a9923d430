"""Who may do what: the Cedar policy engine, the authenticated ``Actor`` and ``authorize``.

This package sits below every domain: people, places, access, auth, events and the rest
import it, and it imports none of them, so there is no import cycle between domains.
"""
