"""The incidents tests use the medical tests' station: persons, zones and portals."""

from medical.conftest import MEDIC, OFFICER, Station, make_person, station

__all__ = ["MEDIC", "OFFICER", "Station", "make_person", "station"]
