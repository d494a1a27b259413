"""`kmgen taxonomy export`: valid SKOS as JSON-LD and Turtle, and a CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pyld import jsonld
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from conftest import MINI_TAXONOMY, run_kmgen
from kmgen import skos
from kmgen.taxonomy import load_taxonomy

# rdflib 7.6's own JSON-LD and N-Quads parsers call its deprecated graph classes.
pytestmark = [pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")]

SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
BASE = "https://example.org/kmgen/taxonomy/"
# Related concepts, and labels that need escaping in every format.
EXTRA = """\
  - id: safeguards
    key: safeguards
    label: Safeguards
    definition: 'Protections for people: "privacy", inclusion \\ more.'
    concepts:
      - {id: privacy, label: Privacy and data protection, alt_labels: ["Données personnelles"], related: [inclusion],
         definition: "Line one\\nline two, with a \\"quote\\" and a backslash \\\\."}
      - {id: inclusion, label: Inclusion, related: [privacy], notation: "S-2"}
"""


@pytest.fixture
def tax(tmp_path: Path):
    (tmp_path / "taxonomy.yml").write_text(MINI_TAXONOMY + EXTRA, encoding="utf-8")
    loaded, diags = load_taxonomy(tmp_path)
    assert diags == []
    return loaded


def _iri(facet: str, concept: str | None = None) -> URIRef:
    return URIRef(BASE + facet + (f"/{concept}" if concept else ""))


def _graph_from_jsonld(tax) -> Graph:
    return Graph().parse(data=json.dumps(skos.to_jsonld(tax)), format="json-ld")


def test_jsonld_parses_and_holds_the_skos_triples(tax) -> None:
    g = _graph_from_jsonld(tax)
    kenya, africa, geo = _iri("geography", "kenya"), _iri("geography", "africa"), _iri("geography")
    expected = [
        (geo, RDF.type, SKOS.ConceptScheme),
        (geo, SKOS.prefLabel, Literal("Geography", lang="en")),
        (geo, SKOS.hasTopConcept, africa),
        (kenya, RDF.type, SKOS.Concept),
        (kenya, SKOS.prefLabel, Literal("Kenya", lang="en")),
        (kenya, SKOS.altLabel, Literal("KEN", lang="en")),
        (kenya, SKOS.notation, Literal("KE")),
        (kenya, SKOS.definition, Literal("A country.", lang="en")),
        (kenya, SKOS.broader, africa),
        (kenya, SKOS.inScheme, geo),
        (africa, SKOS.narrower, kenya),
        (africa, SKOS.topConceptOf, geo),
        (_iri("audience", "civil-servants"), SKOS.hiddenLabel, Literal("civil servents", lang="en")),
        (_iri("safeguards", "privacy"), SKOS.related, _iri("safeguards", "inclusion")),
        (_iri("safeguards", "privacy"), SKOS.altLabel, Literal("Données personnelles", lang="en")),
    ]
    missing = [t for t in expected if t not in g]
    assert not missing
    assert (kenya, SKOS.topConceptOf, geo) not in g
    assert len(set(g.subjects(RDF.type, SKOS.Concept))) == len(tax.concepts)
    assert len(set(g.subjects(RDF.type, SKOS.ConceptScheme))) == len(tax.facets)


def test_every_concept_has_one_english_preferred_label_and_a_scheme(tax) -> None:
    g = _graph_from_jsonld(tax)
    for concept in g.subjects(RDF.type, SKOS.Concept):
        labels = list(g.objects(concept, SKOS.prefLabel))
        assert len(labels) == 1 and labels[0].language == "en"
        assert len(list(g.objects(concept, SKOS.inScheme))) == 1


def test_a_json_ld_processor_reads_the_same_graph(tax) -> None:
    nquads = jsonld.to_rdf(skos.to_jsonld(tax), {"format": "application/n-quads"})
    assert isomorphic(Graph().parse(data=nquads, format="nquads"), _graph_from_jsonld(tax))


def test_turtle_parses_to_the_same_graph(tax) -> None:
    text = skos.to_turtle(tax)
    g = Graph().parse(data=text, format="turtle")
    assert isomorphic(g, _graph_from_jsonld(tax))
    definition = g.value(_iri("safeguards", "privacy"), SKOS.definition)
    assert str(definition) == 'Line one\nline two, with a "quote" and a backslash \\.'


def test_csv_has_a_header_and_a_row_per_concept(tax) -> None:
    rows = list(csv.DictReader(io.StringIO(skos.to_csv(tax))))
    assert list(rows[0]) == list(skos.CSV_COLUMNS)
    assert sorted(r["id"] for r in rows) == sorted(tax.concepts)
    kenya = next(r for r in rows if r["id"] == "kenya")
    assert kenya == {"facet": "geography", "id": "kenya", "label": "Kenya", "alt_labels": "KE | KEN",
                     "hidden_labels": "", "definition": "A country.", "broader": "africa", "narrower": "",
                     "related": "", "notation": "KE", "iri": BASE + "geography/kenya"}
    assert next(r for r in rows if r["id"] == "africa")["narrower"] == "kenya | togo"


def test_iris_are_stable_and_follow_the_base(tax) -> None:
    assert skos.to_jsonld(tax) == skos.to_jsonld(tax, "")
    other = skos.to_jsonld(tax, "https://hub.example.org/vocab")
    ids = {node["@id"] for node in other["@graph"]}
    assert "https://hub.example.org/vocab/geography/kenya" in ids
    with pytest.raises(ValueError, match="http"):
        skos.to_jsonld(tax, "file:///etc/")


def test_export_command(make_hub, tmp_path: Path) -> None:
    root = make_hub({})
    out = tmp_path / "taxonomy.ttl"
    proc = run_kmgen("taxonomy", "export", "--content", str(root), "--format", "turtle", "-o", str(out),
                     "--base", "https://hub.example.org/taxonomy/")
    assert proc.returncode == 0, proc.stderr
    g = Graph().parse(out, format="turtle")
    assert (URIRef("https://hub.example.org/taxonomy/geography/togo"), SKOS.broader,
            URIRef("https://hub.example.org/taxonomy/geography/africa")) in g
    data = json.loads(run_kmgen("taxonomy", "export", "--content", str(root)).stdout)
    assert len(Graph().parse(data=json.dumps(data), format="json-ld")) > 0
    rows = run_kmgen("taxonomy", "export", "--content", str(root), "--format", "csv").stdout.splitlines()
    assert rows[0].startswith("facet,id,label,") and len(rows) == 1 + 29
    bad = run_kmgen("taxonomy", "export", "--content", str(root), "--base", "ftp://x/")
    assert bad.returncode == 2 and "--base" in bad.stderr
