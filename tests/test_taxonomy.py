"""The taxonomy: loading errors, label resolution, suggestions, hierarchy, required facets."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import MINI_TAXONOMY, page, run_kmgen
from kmgen.taxonomy import fold, load_taxonomy


def _load(tmp_path: Path, text: str):
    (tmp_path / "taxonomy.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_taxonomy(tmp_path)


@pytest.fixture
def tax(tmp_path: Path):
    loaded, diags = _load(tmp_path, MINI_TAXONOMY)
    assert diags == []
    return loaded


# -- loading errors, each with file and line --------------------------------------
BROKEN = """\
facets:
  - id: audience
    key: audience
    label: Audience
    concepts:
      - {id: leaders, label: Leaders}
      - {id: leaders, label: Chiefs}
      - {id: officials, label: Officials, alt_labels: [Leaders]}
      - {id: staff, label: Staff, broader: employees}
      - {id: a, label: A, broader: b}
      - {id: b, label: B, broader: a}
      - {id: c, label: C, altLabels: [see]}
  - id: audience
    key: audience2
    label: Again
    concepts: []
"""


def test_loading_errors_have_file_line_and_hint(tmp_path: Path) -> None:
    _tax, diags = _load(tmp_path, BROKEN)
    assert sorted(d.to_text() for d in diags) == sorted([
        "taxonomy.yml:7: KM304 error: duplicate concept id 'leaders' (first defined on line 6) "
        "(give each concept its own id)",
        "taxonomy.yml:8: KM305 error: label 'leaders' of 'officials' is also a label of 'leaders' in facet "
        "'audience' (a label must name one concept per facet; remove it from one of them)",
        "taxonomy.yml:9: KM306 error: 'staff' has broader 'employees', which does not exist (check the id)",
        "taxonomy.yml:10: KM307 error: 'a' is its own ancestor (broader cycle) (remove one 'broader' link)",
        "taxonomy.yml:11: KM307 error: 'b' is its own ancestor (broader cycle) (remove one 'broader' link)",
        "taxonomy.yml:12: KM302 error: unknown concept key 'altLabels' (did you mean 'alt_labels'?)",
        "taxonomy.yml:13: KM304 error: duplicate facet id 'audience' (first defined on line 2) "
        "(give each facet its own id)",
    ])


def test_a_cycle_never_hangs_the_hierarchy(tmp_path: Path) -> None:
    tax, _ = _load(tmp_path, BROKEN)
    assert tax.ancestors("a") == ["b"]
    assert tax.expand(["a"]) == ["a", "b"]
    assert tax.descendants("a") == ["b"]


@pytest.mark.parametrize(("text", "expected"), [
    ("facets: {}\n", "taxonomy.yml:1: KM302 error: expected a top-level 'facets:' list"),
    ("facets:\n  - id: x\n    key: x\n    label: X\n", "taxonomy.yml:2: KM302 error: facet 'x' needs a 'concepts:' list"),
    ("facets:\n  - id: x\n    key: x\n    label: X\n    concepts:\n      - {id: Bad Id, label: B}\n",
     "taxonomy.yml:6: KM303 error: concept id 'Bad Id' is not kebab-case"),
    ("facets:\n  - id: x\n    key: x\n    label: X\n    concepts:\n      - {id: a, label: A, related: [zz]}\n",
     "taxonomy.yml:6: KM306 error: 'a' is related to 'zz', which does not exist"),
    ("facets:\n  - &f {id: x, key: x, label: X, concepts: []}\n", "taxonomy.yml:2: KM131 error: YAML anchors"),
])
def test_malformed_taxonomies(tmp_path: Path, text: str, expected: str) -> None:
    _tax, diags = _load(tmp_path, text)
    assert any(d.to_text().startswith(expected) for d in diags), [d.to_text() for d in diags]


def test_missing_taxonomy_is_reported(tmp_path: Path) -> None:
    _tax, diags = load_taxonomy(tmp_path)
    assert [d.to_text() for d in diags] == [
        "taxonomy.yml: KM301 error: taxonomy file not found (create taxonomy.yml under the content folder)"]


def test_check_reports_taxonomy_errors(make_hub) -> None:
    root = make_hub({"a.md": page()}, taxonomy=BROKEN)
    proc = run_kmgen("check", str(root))
    assert proc.returncode == 1
    assert "taxonomy.yml:9: KM306 error: 'staff' has broader 'employees'" in proc.stdout


# -- resolution ----------------------------------------------------------------
def test_fold() -> None:
    assert fold("Données  personnelles") == fold("donnees-personnelles") == fold("DONNEES_PERSONNELLES") \
        == "donnees personnelles"


@pytest.mark.parametrize(("term", "concept", "via"), [
    ("civil-servants", "civil-servants", "id"),
    ("Civil servants", "civil-servants", "id"),  # the label folds to the id
    ("CIVIL_SERVANTS", "civil-servants", "id"),
    ("public-servants", "civil-servants", "alt_label"),
    ("Public   Servants", "civil-servants", "alt_label"),
    ("civil servents", "civil-servants", "hidden_label"),
    ("etat civil", "civil-registration", "alt_label"),
    ("ÉTAT-CIVIL", "civil-registration", "alt_label"),
    ("crvs", "civil-registration", "alt_label"),
    ("e_kyc", "identity", "alt_label"),
    ("Leaders and officials", "leaders", "label"),
])
def test_resolve_folds_case_accents_synonyms_and_separators(tax, term: str, concept: str, via: str) -> None:
    (match,) = tax.resolve(term)
    assert (match.concept.id, match.via) == (concept, via)
    assert match.canonical == (term == concept)


def test_resolve_within_a_facet(tax) -> None:
    assert tax.resolve("Kenya", "sector") == []
    assert [m.concept.id for m in tax.resolve("KE", "geography")] == ["kenya"]
    assert tax.resolve(3) == []


# -- suggestions ------------------------------------------------------------------
@pytest.mark.parametrize(("term", "facet", "first"), [
    ("civil servnts", None, "civil-servants"),
    ("helth", None, "health"),
    ("paymnets", "building-block", "payments"),
    ("Kenia", "geography", "kenya"),
    ("custmer experiance", None, "customer-experience"),
    ("customer service", "audience", "customer-experience"),  # word overlap, no close spelling
    ("digital identity", None, "identity"),  # a label wholly inside the term ranks first
    ("registraton", None, "registration"),
    ("online courses", None, "e-learning"),
])
def test_did_you_mean(tax, term: str, facet: str | None, first: str) -> None:
    found = tax.suggest(term, facet)
    assert found and found[0].id == first, [c.id for c in found]
    assert len(found) <= 3


def test_no_suggestion_for_nonsense_or_stop_words(tax) -> None:
    assert tax.suggest("quantum blockchain") == []
    assert tax.suggest("terms and conditions") == []
    assert tax.suggest("") == []


def test_unknown_term_error_names_the_suggestions(make_hub) -> None:
    root = make_hub({"a.md": page(extra="audience: [customer service]\nsector: [helth]\n")})
    out = run_kmgen("check", str(root)).stdout
    assert ("a.md:7: KM310 error: unknown term 'customer service' in facet 'Audience' "
            "(did you mean 'customer-experience' (Customer experience)?)") in out
    assert "a.md:8: KM310 error: unknown term 'helth' in facet 'Sector' (did you mean 'health' (Health)?)" in out


# -- hierarchy ----------------------------------------------------------------------
def test_hierarchy_expansion(tax) -> None:
    assert tax.ancestors("identity") == ["digital-id-layer"]
    assert tax.expand(["identity", "payments"]) == ["identity", "digital-id-layer", "payments", "payments-layer"]
    assert tax.narrower("digital-id-layer") == ["identity", "registration"]
    assert tax.descendants("africa") == ["kenya", "togo"]
    assert tax.descendants("kenya") == []
    assert tax.top_concepts("geography") == ["africa", "norway"]


# -- required facets per type ---------------------------------------------------------
@pytest.mark.parametrize(("type_", "extra", "expected"), [
    ("playbook", "", "KM202 error: required field 'audience' is missing for a playbook"),
    ("playbook", "audience: [citizens of mars]\n", "KM310 error: unknown term 'citizens of mars' in facet 'Audience'"),
    ("case-study", 'period: "2020"\n', "KM202 error: required field 'country' is missing for a case-study"),
    ("case-study", 'country: Atlantis\nperiod: "2020"\n', "KM310 error: unknown term 'Atlantis' in facet 'Geography'"),
    ("training-material", "", "KM202 error: required field 'delivery' is missing for a training-material"),
])
def test_required_facets_per_type(make_hub, type_: str, extra: str, expected: str) -> None:
    root = make_hub({"p.md": page(type_=type_, extra=extra)})
    proc = run_kmgen("check", str(root))
    assert proc.returncode == 1
    assert expected in proc.stdout


def test_hub_pages_and_types_are_not_double_reported(make_hub) -> None:
    home = "---\ntitle: Home\nsummary: The hub.\ntype: page\n---\nWelcome.\n"
    root = make_hub({"index.md": home, "bad.md": page(type_="playbok")})
    diags = json.loads(run_kmgen("check", str(root), "--format", "json").stdout)
    assert [(d["path"], d["code"]) for d in diags] == [("bad.md", "KM226")]
