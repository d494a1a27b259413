"""kmgen's own words on published pages, in the language of each page.

Template chrome ("Owner", "Last reviewed", "Related pages" ...) is marked with
`_()` / `ngettext()` in kmgen's Jinja templates and translated by gettext
catalogues (`kmgen/locales/<lang>/LC_MESSAGES/kmgen.po`), the format every
translation tool reads. Babel (already required by MkDocs' own i18n) compiles
a catalogue in memory when a build first needs it, so no compiled `.mo` file is
kept in the repository and a catalogue edit takes effect on the next build.
Material's chrome (search box, "Back to top" ...) follows `theme.language`,
which the plugin sets per page to the page's language.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "kmgen"
SOURCE_LANGUAGE = "en"  # the language of the msgids in the templates

# Native names a language switcher shows; other codes are shown as written.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português", "ar": "العربية",
                  "sw": "Kiswahili", "de": "Deutsch", "ru": "Русский", "zh": "中文", "hi": "हिन्दी"}


def base(language: str) -> str:
    """`pt-BR` -> `pt`: catalogues and most labels are per language, not per region."""
    return language.strip().replace("_", "-").split("-")[0].casefold()


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(base(language), language)


def catalogue_languages() -> list[str]:
    """The languages kmgen's chrome is translated into (besides the source)."""
    return sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@lru_cache(maxsize=32)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue for a language; English (or an unknown one) is the identity."""
    po = LOCALES / base(language) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=base(language), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: an unchecked guess shows English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def template_functions(language: str) -> dict[str, Callable[..., str]]:
    """What kmgen's templates call: `_("Owner")`, `ngettext("%(num)d page", "%(num)d pages", n)`."""
    found = translations(language)
    return {"_": found.gettext, "gettext": found.gettext, "ngettext": found.ngettext}


def theme_language(language: str, default: str) -> str:
    """The Material language for a page: its own when Material ships it, else the site's."""
    languages = files("material") / "templates" / "partials" / "languages"
    for candidate in (language.strip(), base(language)):
        if candidate and (languages / f"{candidate}.html").is_file():
            return candidate
    return default


def page_language(meta_language: Any, default: str) -> str:
    """A page's `language` field, or the site's language when it has none."""
    return meta_language.strip() if isinstance(meta_language, str) and meta_language.strip() else default
