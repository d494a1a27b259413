"""Multilingual pages: a page's language runs the whole document, kmgen's chrome comes
from gettext catalogues, concept labels from the taxonomy's `labels`, and translations
are shown as language versions of one page (with a notice when they fall behind)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import MINI_TAXONOMY, REPO, page, site_config
from kmgen import i18n
from kmgen.hub import load_hub
from kmgen.publish.build import publish
from kmgen.taxonomy import load_taxonomy

TEMPLATES = REPO / "kmgen" / "theme"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}

# The mini taxonomy with reader wording and French/Spanish labels on a few concepts.
TAXONOMY = (MINI_TAXONOMY
            .replace("      - {id: health, label: Health, definition: Health services.}",
                     "      - {id: health, label: Health, definition: Health services., labels: {fr: Santé, es: Salud}}")
            .replace("    key: sector\n    label: Sector\n",
                     "    key: sector\n    label: Sector\n    reader_label: Field of work\n"
                     "    labels: {fr: Domaine, es: Ámbito}\n"))


def template_messages() -> list[object]:
    found = extract_from_dir(str(TEMPLATES), method_map=[("**.html", "jinja2")], keywords=KEYWORDS)
    return list(dict.fromkeys(message for _f, _l, message, _c, _x in found))


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
def test_every_template_message_is_translated_with_its_placeholders(language: str) -> None:
    po = REPO / "kmgen" / "locales" / language / "LC_MESSAGES" / "kmgen.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    wanted = template_messages()
    assert len(wanted) > 20
    for message in wanted:
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        assert entry is not None, f"{language}: no translation of {message!r}"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings) and not entry.fuzzy, f"{language}: {message!r} is untranslated"
        placeholders = set(re.findall(r"%\(\w+\)[sd]", key))
        assert all(set(re.findall(r"%\(\w+\)[sd]", s)) == placeholders for s in strings), message
    unused = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} - \
        {m if isinstance(m, str) else m[0] for m in wanted}
    assert unused == set(), f"{language}: messages no template uses"
    assert i18n.catalogue_languages() == ["es", "fr", "pt"]


def test_catalogues_compile_and_fall_back_to_english() -> None:
    assert i18n.translations("fr").gettext("Owner") == "Responsable"
    assert i18n.translations("pt-BR").gettext("Owner") == "Responsável"  # a region uses its language
    assert i18n.translations("sw").gettext("Owner") == "Owner"
    assert i18n.translations("es").ngettext("%(num)d more topic", "%(num)d more topics", 3) == "%(num)d temas más"


def test_taxonomy_labels_in_other_languages(tmp_path: Path) -> None:
    (tmp_path / "taxonomy.yml").write_text(TAXONOMY, encoding="utf-8")
    tax, diags = load_taxonomy(tmp_path)
    assert diags == []
    assert tax.concepts["health"].label_in("fr") == "Santé"
    assert tax.concepts["health"].label_in("es-MX") == "Salud"
    assert tax.concepts["health"].label_in("pt") == "Health"
    assert tax.facets["sector"].reader_label_in("en") == "Field of work"
    assert tax.facets["sector"].reader_label_in("fr") == "Domaine"
    assert tax.facets["audience"].reader_label_in("fr") == "Audience"
    bad = TAXONOMY.replace("labels: {fr: Santé, es: Salud}", "labels: [Santé]")
    (tmp_path / "taxonomy.yml").write_text(bad, encoding="utf-8")
    _tax, diags = load_taxonomy(tmp_path)
    assert [(d.code, d.message) for d in diags] == [("KM302", "'labels' must map language codes to labels")]
    assert diags[0].line == TAXONOMY.splitlines().index(
        "      - {id: health, label: Health, definition: Health services., labels: {fr: Santé, es: Salud}}") + 1


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("i18n")
    content = base / "content"
    files = {
        "taxonomy.yml": TAXONOMY,
        "guidelines/health.md": page("Health guideline", extra="sector: [health]\n", body="## Steps\n\nDo it.\n"),
        "guidelines/sante.md": page("Guide santé", extra="sector: [health]\nlanguage: fr\n"
                                    "translation_of: guidelines/health.md\nsource_hash: \"{hash}\"\n"),
        "guidelines/salud.md": page("Guía de salud", extra="sector: [health]\nlanguage: es\n"
                                    "translation_of: guidelines/health.md\nsource_hash: \"000000000000\"\n"),
    }
    for rel, text in files.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    source_hash = load_hub(content).documents["guidelines/health.md"].content_hash[:12]
    french = content / "guidelines/sante.md"
    french.write_text(french.read_text(encoding="utf-8").replace("{hash}", source_hash), encoding="utf-8")
    (base / "index").mkdir()
    publish(content, base / "site", site_config(base), base / "index")
    return base / "site"


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_a_french_page_is_french_from_html_lang_to_chrome(site: Path) -> None:
    french = read(site, "guidelines/sante.html")
    assert re.search(r'<html lang="fr"', french)
    for words in ("Responsable", "Dernière revue", "Prochaine revue", "Traduction de", "Autres langues",
                  "À propos de cette page"):
        assert words in french, words
    assert 'placeholder="Chercher"' in french  # the header's Find box follows the page too
    assert "Domaine</span> Santé" in french  # reader label and concept label in French
    assert "Owner" not in french and "Adapted from" not in french and "Adapté de" not in french
    assert "Cette traduction n’est peut-être plus à jour" not in french  # its hash is current


def test_the_source_lists_its_translations_and_a_stale_one_says_so(site: Path) -> None:
    english = read(site, "guidelines/health.html")
    assert '<html lang="en"' in english
    switcher = re.search(r'class="kmgen-languages">Also in: (.*?)</span>', english)
    assert switcher is not None
    assert re.findall(r'hreflang="(\w+)"[^>]*>([^<]+)</a>', switcher.group(1)) == [("es", "Español"),
                                                                                  ("fr", "Français")]
    assert "Field of work</span> Health" in english
    assert "Adapted by" not in english
    spanish = read(site, "guidelines/salud.html")
    assert '<html lang="es"' in spanish
    assert "Esta traducción puede estar desactualizada" in spanish
    assert "Traducción de" in spanish and "Health guideline" in spanish
    assert re.findall(r'class="kmgen-languages">También en: (.*?)</span>', spanish)
    # generated pages and the 404 page stay in the site's language
    assert '<html lang="en"' in read(site, "browse.html") and '<html lang="en"' in read(site, "404.html")


def test_the_toc_lists_generated_sections_in_the_page_language(site: Path) -> None:
    # the three pages share a concept, so the index relates them: each has the section
    english = read(site, "guidelines/health.html")
    assert 'href="#steps"' in english
    assert re.search(r'<a href="#kmgen-related" class="md-nav__link">\s*<span class="md-ellipsis">\s*Related pages',
                     english)
    french = read(site, "guidelines/sante.html")
    assert re.search(r'<a href="#kmgen-related" class="md-nav__link">\s*<span class="md-ellipsis">\s*Pages liées',
                     french)
    assert '<h2 id="kmgen-related">Pages liées</h2>' in french
