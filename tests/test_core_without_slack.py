"""The core (bot/) does not import Slack: no slack_sdk, slack_bolt or handlers, except in the
entry points that start processes and wire the Slack app in (the composition root)."""
from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
FORBIDDEN = ("slack_sdk", "slack_bolt", "handlers")
# file → the functions in it that may import Slack (None: anywhere in the file)
ALLOWED: dict[str, set[str] | None] = {
    "cli.py": None,                          # `deskbot`: builds the senders, lists handlers.cli
    "cli_core.py": {"cmd_run", "cmd_serve"},  # `deskbot run` starts Socket Mode / HTTP / the console
}


def _forbidden(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in FORBIDDEN


def slack_imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, enclosing top-level function) for every Slack import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node: ast.AST, func: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            f = func
            if func is None and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                f = child.name
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name, f) for a in child.names if _forbidden(a.name))
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and _forbidden(child.module):
                found.append((child.lineno, child.module, f))
            elif isinstance(child, ast.Call) and getattr(child.func, "attr", getattr(child.func, "id", "")) \
                    in ("import_module", "__import__") and child.args and \
                    isinstance(child.args[0], ast.Constant) and isinstance(child.args[0].value, str) and \
                    _forbidden(child.args[0].value):
                found.append((child.lineno, child.args[0].value, f))
            visit(child, f)

    visit(tree, None)
    return found


def test_nothing_under_bot_imports_slack_outside_the_entry_points():
    bad = []
    for path in sorted(BOT.rglob("*.py")):
        rel = path.relative_to(BOT).as_posix()
        for line, module, func in slack_imports(path):
            allowed = ALLOWED.get(rel, set())
            if allowed is None or func in allowed:
                continue
            bad.append(f"bot/{rel}:{line} imports {module}" + (f" (in {func})" if func else ""))
    assert not bad, "the core imports Slack:\n" + "\n".join(bad)


def test_the_check_sees_imports(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("import slack_sdk\nfrom handlers.senders import SlackSenders\n"
                 "def f():\n    from slack_bolt import App\n    import importlib\n"
                 "    importlib.import_module('handlers.app')\nfrom bot.db import quick\n")
    assert [(m, f) for _, m, f in slack_imports(p)] == [
        ("slack_sdk", None), ("handlers.senders", None), ("slack_bolt", "f"), ("handlers.app", "f")]
