"""No module over `MAX_LINES` lines (issue 16): a module holds one concept, and one that
outgrows that is split where its concepts part (text/layout.py became lines.py, typesetter.py
and layout.py)."""

from __future__ import annotations

from pathlib import Path

import placepix

MAX_LINES = 400
PACKAGE = Path(placepix.__file__).parent


def long_modules(root: Path, limit: int) -> list[str]:
    """The modules under `root` longer than `limit` lines, with their lengths."""
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


def test_no_module_is_over_the_limit() -> None:
    found = long_modules(PACKAGE, MAX_LINES)
    assert not found, f"modules over {MAX_LINES} lines:\n" + "\n".join(found)


def test_the_check_finds_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert long_modules(tmp_path, MAX_LINES) == [f"long.py: {MAX_LINES + 1} lines"]
