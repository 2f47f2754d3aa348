"""The audit screens are tested as a logged-in auditor, with the accounts tests' quick sign-in."""

from tests.accounts.conftest import sign_in

__all__ = ["sign_in"]
