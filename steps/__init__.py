"""pytest-bdd step definitions, grouped by domain noun."""
