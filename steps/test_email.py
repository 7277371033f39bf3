"""Email features: confirmation, cancellation, moved, receipt and reminder mails, their faults and time zones."""

from pytest_bdd import scenarios

scenarios("email")
