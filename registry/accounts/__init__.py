"""Accounts: users, sessions, API clients and the one authorisation mechanism every route uses."""
