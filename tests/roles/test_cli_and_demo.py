"""An operator loads and exports catalogue files with `stelsel catalogue`; the demo data loads 1.2.0."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.cli import main
from registry.clock import Clock
from registry.demo import DemoContext
from registry.settings import Settings
from roles import routes, services
from tests.roles.conftest import CATALOGUE_FILE


def _env(settings: Settings) -> dict[str, str]:
    return {
        "STELSEL_DATA_DIR": str(settings.data_dir),
        "STELSEL_DATABASE_URL": settings.database_url,
        "STELSEL_SECRET_KEY": settings.secret_key,
    }


def test_load_is_idempotent_and_export_gives_the_same_file(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["catalogue", "load", str(CATALOGUE_FILE)], env=_env(settings))
    assert first.exit_code == 0, first.output
    assert "release 1.2.0 (definitief): ingelezen" in first.output
    again = runner.invoke(main, ["catalogue", "load", str(CATALOGUE_FILE)], env=_env(settings))
    assert "release 1.2.0 (definitief): ongewijzigd" in again.output

    listed = runner.invoke(main, ["catalogue", "releases"], env=_env(settings))
    assert "1.2.0" in listed.output
    assert "definitief" in listed.output

    exported = runner.invoke(main, ["catalogue", "export"], env=_env(settings))
    assert exported.exit_code == 0
    assert exported.output == CATALOGUE_FILE.read_text(encoding="utf-8")
    target = tmp_path / "1.2.0.toml"
    runner.invoke(main, ["catalogue", "export", "--release", "1.2.0", "-o", str(target)], env=_env(settings))
    assert target.read_text(encoding="utf-8") == CATALOGUE_FILE.read_text(encoding="utf-8")


def test_a_refused_load_ends_with_one_line(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["catalogue", "load", str(CATALOGUE_FILE)], env=_env(settings))
    changed = tmp_path / "1.2.0.toml"
    changed.write_text(
        CATALOGUE_FILE.read_text(encoding="utf-8").replace('naam = "Melder"', 'naam = "Aanmelder"'),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["catalogue", "load", str(changed)], env=_env(settings))
    assert result.exit_code == 1
    assert "Release 1.2.0 is definitief en het bestand heeft andere inhoud" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(main, ["catalogue", "export", "--release", "9.9.9"], env=_env(settings))
    assert missing.exit_code == 1
    assert "Release 9.9.9 van de catalogus bestaat niet." in missing.output


async def test_the_demo_data_loads_release_1_2_0_once(
    db: AsyncSession, settings: Settings, clock: Clock
) -> None:
    context = DemoContext(session=db, settings=settings, clock=clock)
    assert await routes.demo_loader(context) == ["catalogus: release 1.2.0 (definitief) ingelezen"]
    assert await routes.demo_loader(context) == ["catalogus: release 1.2.0 (definitief) ongewijzigd"]
    current = await services.current_release(db)
    assert current is not None
    assert current.versie == "1.2.0"


async def test_before_the_first_release_the_catalogue_page_says_so(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/catalogus")
    assert response.status_code == 200
    assert "Er is nog geen release van de catalogus gepubliceerd." in response.text
    assert (await client.get("/api/v1/rollen")).status_code == 404
