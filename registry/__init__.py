"""Stelselregister: app assembly, settings, database, accounts, audit trail and the ledenadministratie."""
