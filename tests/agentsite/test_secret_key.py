"""Each installation makes its own secret key on first start and keeps it in its state directory; every process of
the installation reads the same key; there is no fixed key to fall back on (agency.site.secret_key)."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from agency.site.secret_key import FILENAME, installation_secret_key

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_PROBE = ("import sys; sys.path[:0] = ['.', 'platform']; from django.conf import settings; "
                  "print(settings.SECRET_KEY); print(settings.CABINET_LINK_SECRET)")
# many processes racing for the first key, released together
RACE = """
import sys, time
sys.path[:0] = ['platform']
from pathlib import Path
from agency.site.secret_key import installation_secret_key
start = float(sys.argv[2])
while time.time() < start:
    pass
print(installation_secret_key(Path(sys.argv[1])))
"""


def _settings_keys(state_dir: Path, **extra) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "CABINET_LINK_SECRET"}}
    env.update(DJANGO_SETTINGS_MODULE="agency.site.settings", APP_ENV="development", APP_STATE_DIR=str(state_dir),
               **extra)
    done = subprocess.run([sys.executable, "-c", SETTINGS_PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_two_state_directories_get_different_random_keys(tmp_path):
    first = installation_secret_key(tmp_path / "one")
    second = installation_secret_key(tmp_path / "two")
    assert first != second
    assert len(first) >= 50 and len(second) >= 50


def test_the_key_is_kept_private_in_the_state_directory(tmp_path):
    key = installation_secret_key(tmp_path)
    path = tmp_path / FILENAME
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert installation_secret_key(tmp_path) == key
    assert [p.name for p in tmp_path.iterdir()] == [FILENAME]  # no temporary file left behind


def test_processes_starting_together_agree_on_one_key(tmp_path):
    import time

    start = f"{time.time() + 1.5:.3f}"
    racers = [subprocess.Popen([sys.executable, "-c", RACE, str(tmp_path / "state"), start], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True) for _ in range(8)]
    keys = {racer.communicate(timeout=60)[0].strip() for racer in racers}
    assert all(racer.returncode == 0 for racer in racers)
    assert keys == {(tmp_path / "state" / FILENAME).read_text().strip()}


def test_settings_of_an_installation_use_its_key_in_every_process(tmp_path):
    web = _settings_keys(tmp_path / "a")
    worker = _settings_keys(tmp_path / "a")
    other_installation = _settings_keys(tmp_path / "b")
    assert web == worker
    assert web[0] == (tmp_path / "a" / FILENAME).read_text().strip()
    assert other_installation[0] != web[0]
    # the key of the link codes printed on the ЕПД follows the installation's key
    assert web[0] in web[1] and other_installation[1] != web[1]


def test_the_environment_key_wins_and_writes_nothing(tmp_path):
    keys = _settings_keys(tmp_path, DJANGO_SECRET_KEY="k" * 60)
    assert keys[0] == "k" * 60
    assert not (tmp_path / FILENAME).exists()


def test_no_usable_key_refuses_to_start_rather_than_fall_back(tmp_path):
    (tmp_path / FILENAME).write_text("short\n")
    with pytest.raises(ImproperlyConfigured, match="no usable secret key"):
        installation_secret_key(tmp_path)
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        with pytest.raises(ImproperlyConfigured, match="APP_STATE_DIR"):
            installation_secret_key(read_only)


def test_no_fixed_secret_key_in_the_repository():
    tracked = subprocess.run(["git", "ls-files", "*.py", "*.sh", "*.yaml", "*.toml", "*.env*"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    assignment = re.compile(r"""^\s*(DJANGO_)?SECRET_KEY\s*[:=]\s*["'][^"'$]""", re.MULTILINE)
    offenders = [name for name in tracked if (ROOT / name).is_file()
                 and (assignment.search((ROOT / name).read_text(errors="replace"))
                      or "dev-only-insecure" in (ROOT / name).read_text(errors="replace"))
                 and not name.startswith("tests/")]
    assert offenders == []
    assert not any(Path(name).name == FILENAME for name in tracked)
