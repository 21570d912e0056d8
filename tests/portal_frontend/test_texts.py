"""The front end's texts come from the i18n catalogue: no Russian literal is left in the code, and the Russian
catalogue's plurals carry every Russian form (one, few, many)."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "portal_frontend" / "src"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
LINE_COMMENT = re.compile(r"(^|[\s;{}(),])//.*$", re.MULTILINE)
PLURAL = re.compile(r"^(?P<base>.+)_(?P<form>zero|one|two|few|many|other)$")


def _code_files():
    for path in sorted(ROOT.rglob("*.ts*")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in ("gql", "locales") or path.suffix not in (".ts", ".tsx"):
            continue
        yield path


def _without_comments(text: str) -> str:
    # keep the line numbers: a block comment becomes as many newlines as it spanned
    text = BLOCK_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return LINE_COMMENT.sub(lambda m: m.group(1), text)


def test_no_russian_literal_outside_the_catalogue():
    found = []
    for path in _code_files():
        for number, line in enumerate(_without_comments(path.read_text(encoding="utf-8")).splitlines(), 1):
            if CYRILLIC.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert list(_code_files()), "no front-end sources found"
    assert not found, "Russian text in code instead of src/locales/ru/*.json:\n" + "\n".join(found)


def _leaves(tree: dict, prefix: str = ""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def test_catalogue_plurals_have_every_russian_form():
    catalogues = sorted((ROOT / "locales" / "ru").glob("*.json"))
    assert {p.stem for p in catalogues} >= {"shared", "portal", "cabinet", "office"}
    missing = []
    for path in catalogues:
        leaves = dict(_leaves(json.loads(path.read_text(encoding="utf-8"))))
        assert all(isinstance(v, str) and v.strip() for v in leaves.values()), f"{path.name}: an empty text"
        bases = {m.group("base") for key in leaves if (m := PLURAL.match(key))}
        for base in bases:
            for form in ("one", "few", "many"):
                if f"{base}_{form}" not in leaves:
                    missing.append(f"{path.name}: {base}_{form}")
    assert not missing, "plural forms missing: " + ", ".join(missing)


def test_the_checks_see_a_literal_and_skip_comments():
    sample = ('const a = "x"; // пояснение\n/* блок\nкомментария */\nconst b = <p>Текст</p>;\n'
              'const c = "http://x"; // ещё\n')
    lines = _without_comments(sample).splitlines()
    assert [n for n, line in enumerate(lines, 1) if CYRILLIC.search(line)] == [4]


def _label_map(path: Path, name: str) -> dict[str, str]:
    """A ``export const NAME: Record<string, Key> = { value: "key", … }`` map of a labels file, as written."""
    block = re.search(rf"export const {name}\b[^=]*=\s*\{{(?P<body>.*?)\}};", path.read_text(), re.DOTALL)
    assert block, f"{name} not found in {path}"
    return dict(re.findall(r'(\w+):\s*"([\w.]+)"', block.group("body")))


def _catalogue_text(namespace: str, key: str) -> str | None:
    node = json.loads((ROOT / "locales" / "ru" / f"{namespace}.json").read_text())
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def test_every_volume_method_of_a_charge_has_a_russian_label_in_the_portal_and_the_cabinet():
    # a charge line's method comes from tenants.billing.models.VolumeMethod; a value without a label was shown raw
    # (the drainage lines' "sum" on the cabinet's ЕПД page)
    from tenants.billing.models import VolumeMethod

    cabinet = _label_map(ROOT / "cabinet" / "common.tsx", "METHODS")
    portal = _label_map(ROOT / "portal" / "labels.ts", "VOLUME_METHOD")
    for method in VolumeMethod.values:
        cabinet_key, portal_key = cabinet.get(method), portal.get(method.upper())
        assert cabinet_key and CYRILLIC.search(_catalogue_text("cabinet", cabinet_key) or ""), method
        assert portal_key and CYRILLIC.search(_catalogue_text("portal", portal_key) or ""), method
