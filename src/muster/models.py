"""Imports every domain's tables so that the metadata and Alembic see them all."""

from muster.access import models as access_models
from muster.agreements import models as agreements_models
from muster.auth import models as auth_models
from muster.comms import models as comms_models
from muster.events import models as events_models
from muster.incidents import models as incidents_models
from muster.logistics import models as logistics_models
from muster.medical import models as medical_models
from muster.people import models as people_models
from muster.places import models as places_models
from muster.posts import models as posts_models
from muster.vessels import models as vessels_models
from muster.welfare import models as welfare_models

# Every domain's table module, in foreign-key order (as the migrations create them).
MODEL_MODULES = (
    auth_models,
    events_models,
    people_models,
    places_models,
    access_models,
    comms_models,
    incidents_models,
    medical_models,
    welfare_models,
    agreements_models,
    logistics_models,
    vessels_models,
    posts_models,
)
