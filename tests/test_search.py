"""`kmgen search`: ranking, facet filters with hierarchy and synonyms, counts,
did-you-mean, query syntax, and hostile queries that must never trace back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import page, run_kmgen
from kmgen import search
from kmgen.hub import load_hub
from kmgen.index import build_index
from kmgen.search import QueryError, facet_filter
from kmgen.taxonomy import Taxonomy, load_taxonomy

pytestmark = pytest.mark.usefixtures("machine_key")


CASE = "country: {c}\nperiod: \"2019-2023\"\nsector: [{s}]\nbuilding_blocks: [{b}]\n"
PAGES = {
    "case-studies/togo.md": page(
        "Birth registration in Togo", "case-study", CASE.format(c="Togo", s="CRVS", b="e-KYC"),
        "## What changed\n\nEvery child now gets a free certificate at the health post.\n"),
    "case-studies/kenya.md": page(
        "Civil registration in Kenya", "case-study", CASE.format(c="KE", s="civil-registration", b="registration"),
        "Births and deaths are recorded by chiefs, then certificates are printed in Nairobi.\n"),
    "guidelines/clinics.md": page(
        "Running rural clinics", "guideline", "sector: [health]\n",
        "Nurses plan vaccination days. Registration of births is mentioned here once, in passing, "
        "among many other duties of the clinic staff.\n"),
    "guidelines/payments.md": page(
        "Paying farmers by phone", "guideline", "sector: [agriculture]\nbuilding_blocks: [payments]\n",
        "Mobile money reaches farmers in remote villages; vouchers pay for seed.\n"),
    "index.md": "---\ntitle: Home\nsummary: The hub.\ntype: page\n---\nWelcome to the hub.\n",
}


@pytest.fixture
def hub_index(make_hub, tmp_path: Path) -> tuple[Path, Path, Taxonomy]:
    root = make_hub(PAGES)
    index_dir = tmp_path / "index"
    build_index(load_hub(root), index_dir)
    return root, index_dir, load_taxonomy(root)[0]


def paths(results: search.SearchResults) -> list[str]:
    return [h.path for h in results.hits]


def filters(tax: Taxonomy, *specs: str) -> list[search.FacetFilter]:
    return [facet_filter(s, tax) for s in specs]


# -- ranking and snippets -----------------------------------------------------------------
def test_a_title_match_outranks_a_body_mention(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    results = search.search(index_dir, "registration")
    assert set(paths(results)[:2]) == {"case-studies/togo.md", "case-studies/kenya.md"}
    assert paths(results)[2:] == ["guidelines/clinics.md"]


def test_birth_registration_ranks_the_civil_registration_case_studies_first(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    results = search.search(index_dir, "birth registration")
    assert paths(results)[:2] == ["case-studies/togo.md", "case-studies/kenya.md"]
    assert results.hits[0].snippet  # the title and snippet come from the index
    assert results.hits[0].title == "Birth registration in Togo" and results.hits[0].type == "case-study"


def test_snippets_mark_the_matched_words(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    hit = search.search(index_dir, "vouchers").hits[0]
    assert hit.path == "guidelines/payments.md"
    assert "**vouchers**" in hit.snippet


def test_phrase_and_prefix_queries(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    assert paths(search.search(index_dir, '"mobile money"')) == ["guidelines/payments.md"]
    assert paths(search.search(index_dir, '"money mobile"')) == []
    assert paths(search.search(index_dir, "vacc*")) == ["guidelines/clinics.md"]
    assert set(paths(search.search(index_dir, "certificate NOT togo"))) == {"case-studies/kenya.md"}


def test_when_no_page_has_every_word_pages_with_any_are_shown(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    results = search.search(index_dir, "vouchers nairobi")
    assert set(paths(results)) == {"guidelines/payments.md", "case-studies/kenya.md"}
    assert results.notes == ["no page has every word; showing pages with any of them"]


def test_a_synonym_from_the_taxonomy_finds_tagged_pages(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    assert set(paths(search.search(index_dir, "CRVS"))) == {"case-studies/togo.md", "case-studies/kenya.md"}


# -- facets ------------------------------------------------------------------------------------
def test_a_broader_concept_matches_pages_tagged_with_narrower_ones(hub_index) -> None:
    _root, index_dir, tax = hub_index
    results = search.search(index_dir, "", filters(tax, "building-block=Digital ID"))
    assert set(paths(results)) == {"case-studies/togo.md", "case-studies/kenya.md"}
    results = search.search(index_dir, "", filters(tax, "geography=africa"))
    assert set(paths(results)) == {"case-studies/togo.md", "case-studies/kenya.md"}


def test_facets_by_front_matter_key_id_or_type_with_any_label(hub_index) -> None:
    _root, index_dir, tax = hub_index
    assert paths(search.search(index_dir, "", filters(tax, "building_blocks=e-KYC"))) == ["case-studies/togo.md"]
    assert paths(search.search(index_dir, "", filters(tax, "country=KEN"))) == ["case-studies/kenya.md"]
    assert set(paths(search.search(index_dir, "", filters(tax, "sector=Birth registration")))) == {
        "case-studies/togo.md", "case-studies/kenya.md"}
    assert set(paths(search.search(index_dir, "certificate", filters(tax, "type=case")))) == {
        "case-studies/togo.md", "case-studies/kenya.md"}
    assert paths(search.search(index_dir, "", filters(tax, "type=page"))) == ["index.md"]
    assert sorted(paths(search.search(index_dir, "", filters(tax, "language=en"), limit=20))) == sorted(PAGES)


def test_values_of_one_facet_are_alternatives_and_facets_combine(hub_index) -> None:
    _root, index_dir, tax = hub_index
    either = search.search(index_dir, "", filters(tax, "sector=health", "sector=agriculture"))
    assert set(paths(either)) == {"guidelines/clinics.md", "guidelines/payments.md"}
    both = search.search(index_dir, "", filters(tax, "sector=CRVS", "building-block=registration"))
    assert paths(both) == ["case-studies/kenya.md"]


def test_unknown_facets_and_values_are_clear_errors(hub_index) -> None:
    _root, _index_dir, tax = hub_index
    with pytest.raises(QueryError, match="^unknown facet 'colour'; expected one of: audience, building-block"):
        facet_filter("colour=red", tax)
    with pytest.raises(QueryError, match=r"^unknown Sector 'helth'; did you mean 'health' \(Health\)\?"):
        facet_filter("sector=helth", tax)
    with pytest.raises(QueryError, match="expected a facet filter as KEY=VALUE"):
        facet_filter("sector", tax)
    with pytest.raises(QueryError, match="nothing to search for"):
        search.search(_index_dir, "")


def test_counts_cover_the_whole_result_set_with_roll_ups(hub_index) -> None:
    _root, index_dir, tax = hub_index
    results = search.search(index_dir, "certificate OR births", limit=1, counts=True, taxonomy=tax)
    assert results.total == 3 and len(results.hits) == 1
    sector = {c.value: (c.label, c.count) for c in results.counts["sector"]}
    assert sector == {"civil-registration": ("Civil registration", 2), "health": ("Health", 1)}
    blocks = {c.value: c.count for c in results.counts["building-block"]}
    assert blocks == {"digital-id-layer": 2, "identity": 1, "registration": 1}
    assert {c.value: c.count for c in results.counts["resource-type"]} == {"case-study": 2, "guideline": 1}


# -- did you mean ------------------------------------------------------------------------------
def test_did_you_mean_replaces_only_the_misspelt_word(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    results = search.search(index_dir, "birth registraton")
    assert results.did_you_mean == "birth registration"
    assert search.search(index_dir, "birth registration").did_you_mean is None
    assert search.search(index_dir, "vacination").did_you_mean == "vaccination"


def test_a_typo_whose_stem_happens_to_be_indexed_is_still_corrected(make_hub, tmp_path: Path) -> None:
    """'registation' stems to 'regist', which 'registered' also stems to: the word is
    still no word of the hub, and 'registration' (one letter away) is what was meant,
    even though 'legislation' (two letters away) is on more pages."""
    law = "Legislation sets the rules; the legislation was amended. "
    pages = {f"guidelines/law-{n}.md": page(f"Legislation note {n}", body=law * 3) for n in range(4)}
    pages["guidelines/births.md"] = page("Recording births", body="Births are registered at the clinic. "
                                         "Birth registration is free.\n")
    root = make_hub(pages)
    build_index(load_hub(root), tmp_path / "index")
    assert search.search(tmp_path / "index", "registation").did_you_mean == "registration"
    assert search.search(tmp_path / "index", "birth registation").did_you_mean == "birth registration"
    # A word of the hub, or another form of one that finds the same pages, is left alone.
    assert search.search(tmp_path / "index", "registered").did_you_mean is None
    assert search.search(tmp_path / "index", "registers").did_you_mean is None


# -- hostile queries ---------------------------------------------------------------------------
@pytest.mark.parametrize("query, expected_note", [
    ("(" * 3000 + "birth" + ")" * 3000, None),  # too long: an error, below
    ("((((((((((((((((((((birth))))))))))))))))))))", "parentheses were ignored"),
    ("(birth", "parentheses were ignored"),
    ("*tion birth", "wildcards need at least 3 letters before them; searched for 'tion' instead"),
    ("?irth", "wildcards need at least 3 letters before them; searched for 'irth' instead"),
    ("birth\x00 registration", "control characters were removed from the query"),
    ('"birth registration', "an unclosed quote was ignored"),
])
def test_hostile_queries_are_degraded_with_a_note(hub_index, query: str, expected_note: str | None) -> None:
    _root, index_dir, _tax = hub_index
    if expected_note is None:
        with pytest.raises(QueryError, match="the limit is 500"):
            search.search(index_dir, query)
        return
    results = search.search(index_dir, query)
    assert expected_note in results.notes


def test_huge_or_lists_and_long_queries_are_refused_clearly(hub_index) -> None:
    _root, index_dir, _tax = hub_index
    with pytest.raises(QueryError, match="^the query has 39 words; the limit is 32$"):
        search.search(index_dir, " OR ".join(f"w{i}" for i in range(20)))
    with pytest.raises(QueryError, match="^the query is 5,000 characters long; the limit is 500$"):
        search.search(index_dir, "x" * 5000)


@pytest.mark.parametrize("query", [
    "(" * 3000, " OR ".join(["birth"] * 2000), "*" * 100, "\x01\x02\x1b[31m", "title:", "[a TO z]", "birth^99999999",
    'AND OR NOT', ":::", "\"\"\"", "a" * 499, "é" * 200, "\udcff", "birth~2", "*:*",
])
def test_hostile_queries_never_trace_back_in_the_cli(hub_index, query: str) -> None:
    _root, index_dir, _tax = hub_index
    proc = run_kmgen("search", query, "--index-dir", str(index_dir))
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 2), proc.stderr
    if proc.returncode == 2:
        assert "Error: " in proc.stderr


# -- the command --------------------------------------------------------------------------------
def test_kmgen_search_prints_ranked_results(hub_index) -> None:
    root, index_dir, _tax = hub_index
    proc = run_kmgen("search", "birth registration", "--index-dir", str(index_dir), "--content", str(root),
                     "--facet", "type=case-study", "--counts", check=True)
    lines = proc.stdout.splitlines()
    assert lines[0] == "2 results for 'birth registration' with type=case-study"
    assert lines[2] == " 1. Birth registration in Togo  [case-study]"
    assert lines[3] == "    case-studies/togo.md"
    assert "  sector: Civil registration (2)" in lines


def test_kmgen_search_json_and_limit(hub_index) -> None:
    root, index_dir, _tax = hub_index
    proc = run_kmgen("search", "registraton", "--index-dir", str(index_dir), "--content", str(root),
                     "--format", "json", "--limit", "1", check=True)
    data = json.loads(proc.stdout)
    assert data["did_you_mean"] == "registration" and data["total"] == 0 and data["hits"] == []
    proc = run_kmgen("search", "registration", "--index-dir", str(index_dir), "--format", "json", "--limit", "1",
                     check=True)
    data = json.loads(proc.stdout)
    assert data["total"] == 3 and len(data["hits"]) == 1
    assert set(data["hits"][0]) == {"path", "title", "type", "score", "snippet", "summary"}


def test_kmgen_search_reports_a_bad_facet_as_a_usage_error(hub_index) -> None:
    root, index_dir, _tax = hub_index
    proc = run_kmgen("search", "birth", "--index-dir", str(index_dir), "--content", str(root),
                     "--facet", "sector=helth")
    assert proc.returncode == 2
    assert "Error: unknown Sector 'helth'; did you mean 'health' (Health)?" in proc.stderr


# -- the sample hub ------------------------------------------------------------------------------
SAMPLE = Path(__file__).resolve().parent.parent / "content"


def test_on_the_sample_hub_birth_registration_finds_the_civil_registration_case_studies_first(
        tmp_path: Path) -> None:
    hub = load_hub(SAMPLE)
    wanted = {d.path for d in hub.resources()
              if d.get("type") == "case-study" and "civil-registration" in hub.tags_of(d.path).get("sector", ())}
    assert wanted, "the sample hub has no civil-registration case study"
    build_index(hub, tmp_path / "index")
    results = search.search(tmp_path / "index", "birth registration", limit=len(wanted))
    assert set(paths(results)) == wanted


# -- pages without a body (issue 10, item 1) -----------------------------------------------
SUMMARY_ONLY = {
    "guidelines/stub.md": page("Vaccination stub", "guideline", "sector: [health]\n", body="",
                               summary="Vaccination days planned by nurses."),
    "guidelines/blank.md": page("Blank lines only", "guideline", "", body="\n\n   \n",
                                summary="Nothing below the front matter."),
    "guidelines/clinics.md": PAGES["guidelines/clinics.md"],
}


@pytest.fixture
def summary_only_index(make_hub, tmp_path: Path) -> tuple[Path, Path]:
    root = make_hub(SUMMARY_ONLY)
    index_dir = tmp_path / "index"
    hub = load_hub(root)
    assert {d.path for d in hub.accepted()} == set(SUMMARY_ONLY)  # kmgen check accepts them
    build_index(hub, index_dir)
    return root, index_dir


def test_a_page_with_an_empty_body_is_found_with_its_summary_as_snippet(summary_only_index) -> None:
    _root, index_dir = summary_only_index
    results = search.search(index_dir, "vaccination")
    assert set(paths(results)) == {"guidelines/stub.md", "guidelines/clinics.md"}
    stub = next(h for h in results.hits if h.path == "guidelines/stub.md")
    assert stub.snippet.startswith("**Vaccination** days planned by nurses")
    blank = search.search(index_dir, "blank").hits[0]
    assert blank.path == "guidelines/blank.md" and blank.snippet == "Nothing below the front matter."


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_kmgen_search_on_a_page_with_an_empty_body_does_not_trace_back(summary_only_index, fmt: str) -> None:
    root, index_dir = summary_only_index
    proc = run_kmgen("search", "vaccination", "--index-dir", str(index_dir), "--content", str(root),
                     "--format", fmt, "--counts")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "guidelines/stub.md" in proc.stdout


@pytest.mark.parametrize("query", ["*:", "?:x", "a*:", "title*:birth"])
def test_a_wildcard_in_a_field_name_does_not_trace_back(hub_index, query: str) -> None:
    """Found by the property test: '*:' made bound_query raise ValueError."""
    _root, index_dir, _tax = hub_index
    try:
        search.search(index_dir, query)
    except QueryError:
        pass
