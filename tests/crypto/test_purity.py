import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_crypto_core_imports_without_django_settings():
    code = (
        "import sys, os; os.environ.pop('DJANGO_SETTINGS_MODULE', None); "
        "import vault.crypto, vault.crypto.aead, vault.crypto.wrap, vault.crypto.record, "
        "vault.crypto.kdf, vault.crypto.keys, vault.crypto.session, vault.crypto.hkdf; "
        "import importlib.util; "
        "[importlib.import_module(m) for m in ['vault.crypto.stream'] if importlib.util.find_spec(m)]; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_no_module_in_the_crypto_core_imports_django():
    for path in (ROOT / "vault" / "crypto").glob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]):
                assert not words[1].startswith("django"), f"{path.name}: {line}"
