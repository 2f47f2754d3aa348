"""The ledenadministratie's HTML pages.

- :mod:`.deelnemers` — the beheer list of deelnemers and a deelnemer's page
- :mod:`.rollen` — granting and ending roles
- :mod:`.ondersteuning` — entering into and ending ondersteuningsrelaties
- :mod:`.bestanden` — importing deelnemers from CSV, exporting the register
- :mod:`.dienstverleners` — the public list of dienstverleners and its downloads
- :mod:`.mijn_organisatie` — a deelnemer-contact's own deelnemer
- :mod:`.formulieren` — what these pages share
"""

from registry.ledenadministratie.views import (
    bestanden,
    deelnemers,
    dienstverleners,
    mijn_organisatie,
    ondersteuning,
    rollen,
)

route_handlers = [
    *dienstverleners.route_handlers,
    *deelnemers.route_handlers,
    *rollen.route_handlers,
    *ondersteuning.route_handlers,
    *bestanden.route_handlers,
    *mijn_organisatie.route_handlers,
]

__all__ = ["route_handlers"]
