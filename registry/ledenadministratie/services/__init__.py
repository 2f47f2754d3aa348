"""The rules of the ledenadministratie, called by the API, the pages, other domains and the tests.

- :mod:`.deelnemers` — registering deelnemers, changing them, their status lifecycle
- :mod:`.rolvervullingen` — granting and ending roles (also inside another domain's transaction)
- :mod:`.ondersteuning` — ondersteuningsrelaties between dienstverleners and deelnemers
- :mod:`.lookup` — reading everything as of a peildatum, the rolcheck
- :mod:`.dienstverleners` — the published list of dienstverleners
- :mod:`.houders` — who holds a role on a peildatum as the rolcheck judges it, for lists and filters
- :mod:`.historie` — a deelnemer's roles over time and its audit trail
- :mod:`.regios` — the regio values the filters offer
- :mod:`.wijzigingen` — the public change feed
"""

from registry.ledenadministratie.services.deelnemers import (
    change_deelnemer_status,
    create_deelnemer,
    update_deelnemer,
)
from registry.ledenadministratie.services.dienstverleners import (
    DIENSTVERLENING_ROLLEN,
    Dienstverlenervraag,
    all_dienstverleners,
    dienstverlening_taken,
    list_dienstverleners,
)
from registry.ledenadministratie.services.lookup import (
    SORTEERBAAR,
    Sortering,
    Zoekvraag,
    all_rolvervullingen,
    check_rol,
    get_deelnemer,
    rollen_van,
    search_deelnemers,
)
from registry.ledenadministratie.services.ondersteuning import (
    create_ondersteuningsrelatie,
    end_ondersteuningsrelatie,
)
from registry.ledenadministratie.services.queries import find_deelnemer
from registry.ledenadministratie.services.rolvervullingen import (
    create_rolvervulling,
    end_rolvervulling,
    end_rolvervullingen_for_verklaring,
    grant_rolvervulling,
)
from registry.ledenadministratie.services.wijzigingen import list_wijzigingen

__all__ = [
    "DIENSTVERLENING_ROLLEN",
    "SORTEERBAAR",
    "Dienstverlenervraag",
    "Sortering",
    "Zoekvraag",
    "all_dienstverleners",
    "all_rolvervullingen",
    "change_deelnemer_status",
    "check_rol",
    "create_deelnemer",
    "create_ondersteuningsrelatie",
    "create_rolvervulling",
    "dienstverlening_taken",
    "end_ondersteuningsrelatie",
    "end_rolvervulling",
    "end_rolvervullingen_for_verklaring",
    "find_deelnemer",
    "get_deelnemer",
    "grant_rolvervulling",
    "list_dienstverleners",
    "list_wijzigingen",
    "rollen_van",
    "search_deelnemers",
    "update_deelnemer",
]
