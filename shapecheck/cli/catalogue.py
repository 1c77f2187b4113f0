"""The rule catalogue as the command line sees it: the registry in ``shapecheck.rules``."""

from __future__ import annotations

from shapecheck.rules import CODE_RE, CatalogueError, Example, Rule, catalogue_dir, load_catalogue, rule

__all__ = ["CODE_RE", "CatalogueError", "Example", "Rule", "catalogue_dir", "load_catalogue", "rule"]
