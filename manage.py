#!/usr/bin/env python
import os
import sys
from pathlib import Path

# platform/ is a plain folder (a package named `platform` would shadow the standard library);
# the Django apps inside it are importable by their own names.
sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency.site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
