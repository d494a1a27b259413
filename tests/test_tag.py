"""`kmgen tag`: suggestions with confidence and evidence, and `--apply` through the guarded edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import page, run_kmgen
from kmgen import suggest_evidence as ev
from kmgen.hub import load_hub
from kmgen.suggest import DEFAULT_MIN_CONFIDENCE, PRIOR_WEIGHT, Suggester

PAGES = {
    "playbooks/id-rollout.md": page(
        "Rolling out digital identity", "playbook",
        "audience: [civil-servants]\nbuilding_blocks: [identity]\nsector: [civil-registration]\n",
        "## Identity for every resident\n\nCivil servants enrol residents and check identity with e-KYC.\n"
        "Registration offices link identity to civil registration records.\n",
        "How civil servants roll out a national identity system."),
    "playbooks/pay-farmers.md": page(
        "Paying farmers through the payments layer", "playbook",
        "audience: [leaders]\nbuilding_blocks: [payments]\nsector: [agriculture]\n",
        "## Payments to farmers\n\nAgriculture ministries pay farmers subsidies with digital payments.\n"
        "Farmers receive payments on their phones; agriculture extension officers help.\n",
        "Leaders plan subsidy payments to farmers."),
    "case-studies/togo.md": page(
        "Birth registration at health facilities in Togo", "case-study",
        "country: Togo\nperiod: \"2019-2023\"\nsector: [civil-registration, health]\n",
        "## Births notified from maternity wards\n\nHealth workers notify births; civil registration "
        "offices register them. No fees, no travel.\n",
        "How notifying births from maternity wards raised registration rates."),
    "guidelines/farm-payments.md": page(
        "Digital payments for farmers", "guideline", "",
        "## Why farmers need payments\n\nFarmers in agriculture cooperatives want payments on time.\n"
        "No, no and no again: short words are not country codes.\n",
        "Guidance on agriculture payments for ministries."),
}


@pytest.fixture
def hub_root(make_hub) -> Path:
    return make_hub(PAGES)


def _suggestions(root: Path, *args: str) -> dict[str, list[dict]]:
    proc = run_kmgen("tag", *args, "--content", str(root), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return {entry["path"]: entry["suggestions"] for entry in json.loads(proc.stdout)}


def test_suggests_from_words_and_neighbours_with_evidence(hub_root: Path) -> None:
    found = _suggestions(hub_root, str(hub_root / "guidelines" / "farm-payments.md"), "--min-confidence", "0.3")
    by_id = {s["concept"]: s for s in found["guidelines/farm-payments.md"]}
    payments = by_id["payments"]
    assert payments["key"] == "building_blocks" and payments["facet"] == "building-block"
    assert payments["confidence"] >= DEFAULT_MIN_CONFIDENCE
    assert "title: payments" in payments["evidence"]["words"]
    assert payments["evidence"]["neighbours"] == ["playbooks/pay-farmers.md"]
    assert by_id["agriculture"]["confidence"] >= DEFAULT_MIN_CONFIDENCE
    assert "summary: agriculture" in by_id["agriculture"]["evidence"]["words"]
    assert "norway" not in by_id  # 'no' is not the ISO code NO
    assert "payments-layer" not in by_id  # implied by the better suggestion 'payments'
    confidences = [s["confidence"] for s in found["guidelines/farm-payments.md"]]
    assert confidences == sorted(confidences, reverse=True) and all(0 <= c <= 1 for c in confidences)


def test_skips_what_a_page_already_carries_and_its_broader_concepts(hub_root: Path) -> None:
    found = _suggestions(hub_root, "--min-confidence", "0")
    assert set(found) == set(PAGES)
    ids = {s["concept"] for s in found["playbooks/id-rollout.md"]}
    assert not ids & {"identity", "digital-id-layer", "civil-servants", "civil-registration", "playbook"}
    assert all(s["facet"] != "resource-type" for entries in found.values() for s in entries)


@pytest.mark.parametrize(("extra", "expected", "evidence"), [
    ("", "original", "front matter: no based_on"),
    ('based_on: ["p0.md"]\n', "adapted", "front matter: based_on"),
    ('translation_of: "p0.md"\n', "translated", "front matter: translation_of"),
])
def test_one_reuse_value_following_the_page_lineage(make_hub, extra: str, expected: str, evidence: str) -> None:
    # The weights are learnt from the hub, so its pages follow DESIGN.md §4: `adapted`
    # goes with `based_on`. Most neighbours are adapted; the page's own lineage decides.
    pages = {f"p{i}.md": page(f"Page {i}", extra="reuse: adapted\nbased_on: [\"p0.md\"]\n",
                              body="Adapted and translated.\n") for i in (1, 2)}
    pages["p0.md"] = page("Page 0", extra="reuse: original\n", body="Adapted and translated.\n")
    pages["new.md"] = page("New", extra=extra, body="Some words.\n")
    hub = load_hub(make_hub(pages))
    found = Suggester(hub.taxonomy, hub.documents, hub.tags).suggest("new.md")
    reuse = [s for s in found if s.facet == "reuse"]
    assert len(reuse) == 1 and reuse[0].concept == expected
    assert reuse[0].words[0] == evidence


def test_text_output(hub_root: Path) -> None:
    proc = run_kmgen("tag", str(hub_root / "guidelines"), "--content", str(hub_root))
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "guidelines/farm-payments.md"
    assert any(line.strip().split("  ")[1] == "building_blocks: payments (Payments)" for line in lines[1:-1])
    assert lines[-1].startswith("1 page, ")


def test_apply_writes_accepted_suggestions_with_the_guarded_edit(hub_root: Path) -> None:
    target = hub_root / "guidelines" / "farm-payments.md"
    before = target.read_bytes()
    proc = run_kmgen("tag", str(target), "--content", str(hub_root), "--apply", "--min-confidence", "0.5",
                     "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)
    assert set(entry["applied"]) >= {"payments", "agriculture"}
    after = target.read_bytes()
    head, body = before.split(b"---\n", 2)[1:], after.split(b"---\n", 2)[1:]
    assert head[1] == body[1]  # body bytes unchanged
    assert after.startswith(before.split(b"---\n", 2)[1].join([b"---\n", b""]))  # old lines kept, in order
    hub = load_hub(hub_root)
    tags = hub.tags_of("guidelines/farm-payments.md")
    assert {cid for ids in tags.values() for cid in ids} >= {"payments", "agriculture", "guideline"}
    check = run_kmgen("check", str(hub_root))
    assert check.returncode == 0, check.stdout
    again = run_kmgen("tag", str(target), "--content", str(hub_root), "--apply", "--min-confidence", "0.5",
                      "--format", "json")
    assert set(json.loads(again.stdout)[0]["applied"]).isdisjoint(entry["applied"])


def test_apply_extends_an_existing_list_in_its_own_style(make_hub) -> None:
    pages = dict(PAGES)
    pages["guidelines/farm-payments.md"] = page(
        "Digital payments for farmers", "guideline", "sector:\n  - health   # keep me\n",
        "Farmers want payments. Agriculture payments.\n", "Agriculture payments.")
    root = make_hub(pages)
    run_kmgen("tag", str(root / "guidelines"), "--content", str(root), "--apply", check=True)
    text = (root / "guidelines" / "farm-payments.md").read_text()
    assert "sector:\n  - health   # keep me\n  - agriculture\n" in text


def test_paths_outside_the_hub_are_refused(hub_root: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.md"
    stray.write_text(page())
    proc = run_kmgen("tag", str(stray), "--content", str(hub_root))
    assert proc.returncode == 2 and "outside the content folder" in proc.stderr


@pytest.mark.parametrize(("word", "folded"), [
    ("registries", "registry"), ("trainers", "trainer"), ("approaches", "approach"), ("payments", "payment"),
    ("access", "access"), ("status", "status"), ("basis", "basis"), ("ids", "ids"),
])
def test_plural_folding(word: str, folded: str) -> None:
    assert ev.stem(word) == folded


def test_a_singular_in_the_body_finds_a_plural_label(make_hub) -> None:
    pages = {"team.md": page("Building the service", body="Each developer reviews the code of another.\n"),
             "other.md": page("Unrelated", extra="sector: [health]\n", body="Clinics and nurses.\n")}
    hub = load_hub(make_hub(pages))
    found = {s.concept: s for s in Suggester(hub.taxonomy, hub.documents, hub.tags).suggest("team.md")}
    assert "body: developer" in found["developers"].words  # the label is 'Developers'


def _similar_pages() -> dict[str, str]:
    """A page sharing many words with near.md (tagged health) and a few with far.md
    (tagged agriculture); none of them names a sector in its text."""
    return {
        "target.md": page("Clinic queues", body="Clinic queues, nurse rosters and waiting rooms in districts.\n"),
        "near.md": page("Clinic rosters", extra="sector: [health]\n",
                        body="Clinic queues, nurse rosters and waiting rooms in rural districts.\n"),
        "far.md": page("Rural rosters", extra="sector: [agriculture]\n",
                       body="Extension officer rosters in rural districts.\n"),
        "away.md": page("Something else", extra="sector: [civil-registration]\n", body="Quite unrelated text.\n"),
    }


def test_neighbours_vote_with_their_similarity(make_hub) -> None:
    hub = load_hub(make_hub(_similar_pages()))
    suggester = Suggester(hub.taxonomy, hub.documents, hub.tags)
    near = suggester.neighbours("target.md", set())
    sims = dict(near)
    assert sims["near.md"] > sims["far.md"] > 0 and "target.md" not in sims
    votes = suggester._votes("target.md", near)
    total = sum(sims.values()) + PRIOR_WEIGHT
    base = 1 / 3  # each sector is carried by one of the three other tagged pages
    assert votes["health"] == (pytest.approx((sims["near.md"] + PRIOR_WEIGHT * base) / total), ("near.md",))
    assert votes["agriculture"] == (pytest.approx((sims["far.md"] + PRIOR_WEIGHT * base) / total), ("far.md",))
    found = {s.concept: s for s in suggester.suggest("target.md")}
    assert found["health"].confidence > found["agriculture"].confidence
    assert found["health"].neighbours == ("near.md",) and not found["health"].words


def test_a_page_never_votes_for_its_own_tags(make_hub) -> None:
    """What the leave-one-out bench relies on: hiding a page's tags (`known`) hides them
    from the neighbours' votes and from the base rates as well."""
    pages = _similar_pages()
    pages["target.md"] = page("Clinic queues", extra="sector: [agriculture]\n",
                              body="Clinic queues, nurse rosters and waiting rooms in districts.\n")
    hub = load_hub(make_hub(pages))
    suggester = Suggester(hub.taxonomy, hub.documents, hub.tags)
    hidden = {"resource-type": ("guideline",)}
    found = {s.concept: s for s in suggester.suggest("target.md", known=hidden)}
    assert all("target.md" not in s.neighbours for s in found.values())
    assert suggester._votes("target.md", [])["agriculture"][0] == pytest.approx(1 / 3)  # far.md only, of 3


def test_the_model_learns_from_the_hub_and_stays_near_its_defaults_when_small() -> None:
    assert ev.fit([]) == pytest.approx(ev.DEFAULT_WEIGHTS)
    # Label evidence always right, definition overlap never: the weights move accordingly.
    rows = [((1.0, 0.0, 1.0, 0.0), True), ((1.0, 0.0, 0.0, 1.0), False)] * 40
    weights = ev.fit(rows)
    assert weights[2] > ev.DEFAULT_WEIGHTS[2] and weights[3] < ev.DEFAULT_WEIGHTS[3]
    assert ev.confidence(weights, (1.0, 0.0, 1.0, 0.0)) > 0.8 > 0.2 > ev.confidence(weights, (1.0, 0.0, 0.0, 1.0))
