"""The methods handbook (docs/methods.md): its indicator section is the catalogue's, regenerated
without a diff; every link into it lands on a heading; the commands point to it."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import sammen_command

from core.settings import REPO_ROOT
from publishing.catalogue import load_catalogue
from publishing.methods import (
    BEGIN,
    END,
    METHODS_PATH,
    indicator_section,
    refreshed,
    write_indicator_section,
)

HANDBOOK = REPO_ROOT / "docs" / "methods.md"
REGENERATE = "run `sammen methods` in the checkout and commit docs/methods.md"
# Where readers are sent to the handbook: the README, the docs, the dbt docs, the catalogue, code.
LINKING = ["README.md", "docs/*.md", "dbt_project/models/**/*.yml", "dbt_project/models/*.md",
           "publishing/catalogue.yaml", "*/*.py"]


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors (lower case, punctuation dropped, spaces to dashes) and explicit ids."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.M)
    slugs = {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}
    return slugs | set(re.findall(r'<a id="([^"]+)"></a>', markdown))


def test_the_committed_handbook_is_what_the_catalogue_generates():
    # GIVEN the committed handbook WHEN its indicator section is generated from the catalogue anew
    text = HANDBOOK.read_text(encoding="utf-8")
    # THEN nothing changes
    assert refreshed(text, load_catalogue()) == text, REGENERATE


def test_the_handbook_lists_exactly_the_catalogues_indicators_with_their_titles():
    # GIVEN the handbook's indicator entries, read as a reader sees them
    entries = re.findall(r"^### `([a-z0-9_]+)`: (.+) / (.+)$", HANDBOOK.read_text(encoding="utf-8"), re.M)
    # THEN they are the catalogue's ids and Danish/English titles, in its order
    assert entries == [(spec.id, spec.title_da, spec.title_en) for spec in load_catalogue().indicators]


def test_a_changed_catalogue_changes_the_generated_section(tmp_path):
    # GIVEN a handbook copy and a catalogue with a renamed first indicator and the second removed
    catalogue = load_catalogue()
    first, dropped = catalogue.indicators[0], catalogue.indicators[1]
    changed = catalogue.model_copy(update={
        "indicators": (first.model_copy(update={"title_en": "Renamed by the test"}), *catalogue.indicators[2:]),
    })
    # WHEN the section is generated from it
    section = indicator_section(changed)
    # THEN the new title is there and the removed indicator is not: the committed one would differ
    assert "Renamed by the test" in section and f"`{dropped.id}`" not in section
    assert refreshed(HANDBOOK.read_text(encoding="utf-8"), changed) != HANDBOOK.read_text(encoding="utf-8")


def test_writing_the_section_rewrites_a_stale_handbook_once(tmp_path):
    # GIVEN a handbook whose indicator section is stale, with hand-written text around it
    handbook = tmp_path / "methods.md"
    handbook.write_text(f"# Handbook\n\nBefore.\n\n{BEGIN}\nold list\n{END}\n\nAfter.\n", encoding="utf-8")
    # WHEN the section is written twice THEN the first rewrites it, the second finds it current
    assert write_indicator_section(handbook) is True
    assert write_indicator_section(handbook) is False
    text = handbook.read_text(encoding="utf-8")
    assert "old list" not in text and text.startswith("# Handbook\n\nBefore.") and text.endswith("After.\n")
    assert all(f'<a id="{spec.id}"></a>' in text for spec in load_catalogue().indicators)


def test_a_handbook_without_markers_is_refused():
    with pytest.raises(ValueError, match="no indicator section"):
        refreshed("# Handbook without markers\n", load_catalogue())


def test_the_packaged_handbook_is_the_committed_one():
    # publishing/methods.md (package data: what `sammen publish` copies) is docs/methods.md
    assert METHODS_PATH.read_bytes() == HANDBOOK.read_bytes()


def test_every_link_into_the_handbook_lands_on_a_heading():
    # GIVEN every `methods.md#anchor` written in the repository's docs, dbt docs, catalogue and code
    anchors = _anchors(HANDBOOK.read_text(encoding="utf-8"))
    links = {
        (str(path.relative_to(REPO_ROOT)), anchor)
        for pattern in LINKING for path in REPO_ROOT.glob(pattern)
        for anchor in re.findall(r"methods\.md#([\w-]+)", path.read_text(encoding="utf-8"))
    }
    # THEN there are such links (the README's, the dbt docs') and each names a heading or an id
    assert {"README.md", "dbt_project/models/marts/_marts__models.yml"} <= {path for path, _ in links}
    assert [(path, anchor) for path, anchor in sorted(links) if anchor not in anchors] == []


@pytest.mark.parametrize("command", [[], ["query"], ["publish"], ["run"], ["transform"]])
def test_the_help_points_to_the_handbook(command):
    # GIVEN `sammen [COMMAND] --help` WHEN printed THEN it names the methods handbook
    result = subprocess.run([*sammen_command(), *command, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "docs/methods.md" in result.stdout
