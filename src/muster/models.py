"""Imports every domain's tables so that the metadata and Alembic see them all."""

from importlib import import_module

from muster.plugins import installed

MODEL_MODULES = (
    "muster.auth.models",
    "muster.events.models",
    "muster.people.models",
    "muster.places.models",
    "muster.access.models",
    "muster.comms.models",
    "muster.incidents.models",
    "muster.medical.models",
    "muster.welfare.models",
    "muster.agreements.models",
    "muster.logistics.models",
    "muster.vessels.models",
)

for _name in MODEL_MODULES:
    if installed(_name):
        import_module(_name)
