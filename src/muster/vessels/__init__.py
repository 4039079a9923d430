"""Vessel watch and the station map.

Visiting vessels' orbits from observations (two-line element sets or state vectors),
propagated with SGP4 around Earth and with two-body Keplerian motion around other bodies;
each observation compared with the prediction, a departure raising an alarm. The status of
the station's defence assets. The station as a graph of zones and portals with walking
times: routes, the nearest officers, and a live SVG map.
"""
