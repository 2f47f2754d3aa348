"""The rules of the verklaring process, called by the API, the pages, the demo data and the tests.

- :mod:`.aanmeldingen` — aanmelden (public), toewijzen of a casemanager, the status page
- :mod:`.intakes` — the intake over the role's duty list, the intakeformulier
- :mod:`.besluiten` — the casemanager's proposal, the stelselbeheerder's decision, preparing the verklaring
- :mod:`.afgifte` — both ondertekeningen and the afgifte in one transaction
- :mod:`.levenscyclus` — intrekken, schorsen, herstellen, vernieuwen
- :mod:`.statuslijsten` — the status list index, the list and its signed form
- :mod:`.verificatie` — verifying a token or a PDF in the portal
- :mod:`.queries` — reading everything, the computed status
- :mod:`.verklaringcheck` — the hook the ledenadministratie asks before granting a role
"""
