"""``python -m shapecheck.cli``: the same entry point as the ``shapecheck`` console script."""

from shapecheck.cli.main import main

raise SystemExit(main())
