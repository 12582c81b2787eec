"""One module per resource of ``/api/v2`` (and the token endpoints), each with an ``APIRouter``
named ``router``; app.py includes them in ``ROUTERS`` order."""
