"""`callscope staffing` on a Typer app of its own (the textbook case: 100 calls / 30 min, AHT 180 s)."""

from __future__ import annotations

import json
import re

import pytest
import typer
from typer.testing import CliRunner

from api.cli_staffing import register

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # in case the environment forces colour
CLASSIC = ["staffing", "--volume", "100", "--aht", "180", "--interval", "30", "--target", "80/20"]


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """A group, so that `staffing` is a subcommand as on the real app."""

    register(app)
    return app


def test_prints_the_textbook_answer() -> None:
    result = runner.invoke(make_app(), CLASSIC)
    assert result.exit_code == 0, result.output
    out = ANSI.sub("", result.stdout)
    assert re.search(r"traffic\s+10\.00 Erlangs", out)
    assert re.search(r"agents needed\s+14\b", out)
    assert re.search(r"service level\s+88\.8%", out)
    assert re.search(r"ASA\s+7\.8 s", out)
    assert re.search(r"occupancy\s+71\.4%", out)
    # The context table: 13 agents miss at 79.6%, 14 meet at 88.8%, rows 11 … 17.
    assert re.search(r"│\s+13 │\s+79\.6% │\s+17\.1 s │\s+76\.9% │", out)
    assert re.search(r"│\s+14 │\s+88\.8% │\s+7\.8 s │\s+71\.4% │", out)
    assert re.search(r"│\s+11 │", out) and re.search(r"│\s+17 │", out)
    assert not re.search(r"│\s+10 │", out) and not re.search(r"│\s+18 │", out)
    assert "with " not in out


def test_given_agents() -> None:
    result = runner.invoke(make_app(), [*CLASSIC, "--agents", "13"])
    assert result.exit_code == 0, result.output
    out = ANSI.sub("", result.stdout)
    assert "with 13 agents (misses 80/20)" in out
    given = out.split("with 13 agents")[1]
    assert re.search(r"service level\s+79\.6%", given)
    assert re.search(r"ASA\s+17\.1 s", given)  # 0.2853 × 180 / 3


def test_json() -> None:
    result = runner.invoke(make_app(), [*CLASSIC, "--agents", "10", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    needed = out["needed"]
    assert needed["agents"] == 14 and needed["meets_target"] is True and needed["target"] == "80/20"
    assert needed["traffic"] == pytest.approx(10.0)
    assert needed["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert needed["asa_s"] == pytest.approx(7.84, abs=0.01)
    assert needed["occupancy"] == pytest.approx(10 / 14)
    # 10 agents for 10 Erlangs: the queue never drains; infinite ASA is null in JSON.
    assert out["given"]["agents"] == 10 and out["given"]["asa_s"] is None
    assert out["given"]["service_level"] == 0.0 and out["given"]["occupancy"] == 1.0
    assert [r["agents"] for r in out["table"]] == [11, 12, 13, 14, 15, 16, 17]
    assert json.loads(runner.invoke(make_app(), [*CLASSIC, "--json"]).stdout)["given"] is None


def test_occupancy_cap() -> None:
    result = runner.invoke(make_app(), [*CLASSIC, "--max-occupancy", "0.65", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["needed"]["agents"] == 16  # 10/15 = 66.7% > 65%


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "80"], "PERCENT/SECONDS"),
        (["--target", "120/20"], "120% is out of range"),
        (["--volume", "-5"], "volume"),
        (["--aht", "0"], "AHT"),
        (["--interval", "0"], "interval"),
        (["--max-occupancy", "1.2"], "max occupancy"),
        (["--agents", "-1"], "agents"),
    ],
)
def test_bad_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(make_app(), [*CLASSIC, *args])
    assert result.exit_code == 2
    stderr = ANSI.sub("", result.stderr)
    assert "invalid input" in stderr and message in stderr


def test_missing_volume_is_a_usage_error() -> None:
    result = runner.invoke(make_app(), ["staffing", "--aht", "180"])
    assert result.exit_code == 2
    assert "--volume" in ANSI.sub("", result.stderr)
