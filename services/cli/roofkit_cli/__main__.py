"""``python -m roofkit_cli`` — the same as the ``roofkit`` command."""

from roofkit_cli.main import main

raise SystemExit(main())
