"""Print the GraphQL schema (SDL) to ``graphql_api/schema.graphql``.

The file is generated, committed, and checked by ``tests/test_schema_drift.py``. Regenerate it with

    python -m graphql_api.export_schema

(not a management command: nothing outside graphql_api may import it.)

``--check`` writes nothing and exits with 1 when the committed file is out of date.
"""

import argparse
import difflib
import os
import sys
from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.graphql"
REGENERATE_COMMAND = "python -m graphql_api.export_schema"


def schema_sdl() -> str:
    """The schema as graphene prints it, with exactly one trailing newline."""
    from graphql_api.api import schema

    return str(schema).rstrip("\n") + "\n"


def committed_sdl(path: Path = SCHEMA_FILE) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def schema_diff(path: Path = SCHEMA_FILE, *, context: int = 3) -> str:
    """A unified diff from the committed file to the printed schema; empty when they agree."""
    old = committed_sdl(path) or ""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), schema_sdl().splitlines(keepends=True),
            fromfile=f"{path.name} (committed)", tofile=f"{path.name} (printed from graphql_api.api.schema)",
            n=context,
        )
    )


def write_schema(path: Path = SCHEMA_FILE) -> bool:
    """Write the SDL to ``path``; return whether the file changed."""
    sdl = schema_sdl()
    if committed_sdl(path) == sdl:
        return False
    path.write_text(sdl, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs; write nothing")
    parser.add_argument("--output", type=Path, default=SCHEMA_FILE)
    args = parser.parse_args(argv)

    root = Path(__file__).resolve().parents[1]
    for path in (root, root / "platform"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency.site.settings")
    # Printing the schema never connects to the database, but the settings insist on a URL.
    os.environ.setdefault("DATABASE_URL", "postgres://unused@127.0.0.1:5432/unused")
    import django

    django.setup()

    if args.check:
        diff = schema_diff(args.output)
        if diff:
            sys.stdout.write(diff)
            sys.stderr.write(f"{args.output} is out of date; run: {REGENERATE_COMMAND}\n")
            return 1
        return 0
    changed = write_schema(args.output)
    print(f"{args.output}: {'written' if changed else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
