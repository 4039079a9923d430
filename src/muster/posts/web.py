"""The posts domain's routes: the API and the console's report forms, mounted together."""

from __future__ import annotations

from fastapi import APIRouter

from muster.posts import api, console

router = APIRouter()
router.include_router(api.router)
router.include_router(console.router, include_in_schema=False)  # console pages: no API
