"""A custom import-linter contract: some modules may not import given sub-modules of an external package.

import-linter's own ``forbidden`` contract can forbid only whole external packages (``django``), because the
import graph keeps an external package as one node. The billing engine may use Django's translation and
``ValidationError`` but never its models, database or HTTP layers, so this contract reads the import lines
the graph records for each import of the external package and checks the imported module's full name.
"""

from __future__ import annotations

import re

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output

_IMPORTED = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))")


def _imported_name(line: str) -> str | None:
    match = _IMPORTED.match(line)
    return (match.group(1) or match.group(2)) if match else None


class ForbiddenSubmodulesContract(Contract):
    """Source modules (and their descendants) may not import the named sub-modules of external packages.

    Options: ``source_modules``: the packages checked; ``forbidden_modules``: dotted names such as
    ``django.db``; an import of that module or of anything under it breaks the contract.
    """

    type_name = "forbidden_submodules"
    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        forbidden = [str(name) for name in self.forbidden_modules]  # type: ignore[attr-defined]
        externals = {name.split(".")[0] for name in forbidden}
        violations = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            importers = {source.name} | graph.find_descendants(source.name)
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if imported.split(".")[0] not in externals:
                        continue
                    for detail in graph.get_import_details(importer=importer, imported=imported):
                        name = _imported_name(detail["line_contents"]) or imported
                        if any(name == f or name.startswith(f + ".") for f in forbidden):
                            violations.append((importer, detail["line_number"], detail["line_contents"].strip()))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, line, contents in check.metadata["violations"]:
            output.print_error(f"{importer}:{line}: {contents}")
            output.new_line()
