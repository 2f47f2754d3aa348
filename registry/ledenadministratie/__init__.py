"""Ledenadministratie: the deelnemers of the afsprakenstelsel and how the register identifies them."""
