"""Review dates and translations: `kmgen check` diagnostics and `kmgen report freshness`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from conftest import REVIEWED, page, run_kmgen
from kmgen.checks import CheckOptions, freshness, run
from kmgen.diagnostics import Diagnostic
from kmgen.hub import load_hub

TODAY = dt.date(2026, 6, 1)
SOURCE = page("Running a sprint", "playbook", extra="audience: [leaders]\n")


def reviewed(day: str, extra: str = "", type_: str = "guideline", title: str = "A page") -> str:
    return page(title, type_, extra=extra).replace(f"last_reviewed: {REVIEWED}", f"last_reviewed: {day}")


def short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fresh(root: Path, strict: bool = False) -> list[Diagnostic]:
    return freshness.check(load_hub(root), CheckOptions(today=TODAY, strict_freshness=strict))


def test_overdue_page_is_a_warning_and_an_error_when_strict(make_hub) -> None:
    # 2025-01-01 + 6 months (183 days) = 2025-07-03; 333 days before 2026-06-01.
    root = make_hub({"old.md": reviewed("2025-01-01", 'review_every: "6 months"\n')})
    hint = "review it and update last_reviewed, or hand it to a new owner"
    expected = Diagnostic("old.md", 6, "KM601", "warning", "past its review date: due 2025-07-03, 333 days overdue",
                          hint, "last_reviewed")
    assert fresh(root) == [expected]
    assert fresh(root, strict=True) == [Diagnostic("old.md", 6, "KM601", "error",
                                                   "past its review date: due 2025-07-03, 333 days overdue",
                                                   hint, "last_reviewed")]


def test_due_soon_is_a_note_and_later_is_silent(make_hub) -> None:
    root = make_hub({"soon.md": reviewed("2025-06-15"), "today.md": reviewed("2025-06-01"),
                     "later.md": reviewed("2025-07-15"), "page.md": reviewed("2020-01-01", type_="page")})
    assert fresh(root) == [
        Diagnostic("soon.md", 6, "KM602", "note", "review is due in 14 days (2026-06-15)",
                   "review it by then and update last_reviewed", "last_reviewed"),
        Diagnostic("today.md", 6, "KM602", "note", "review is due today (2026-06-01)",
                   "review it by then and update last_reviewed", "last_reviewed"),
    ]


def test_drafts_are_not_held_to_review_dates(make_hub) -> None:
    root = make_hub({"draft.md": reviewed("2020-01-01", "status: draft\n")})
    assert fresh(root) == []


def test_problems_the_schema_reports_are_not_reported_again(make_hub) -> None:
    root = make_hub({
        "no-date.md": page().replace(f"last_reviewed: {REVIEWED}\n", ""),
        "bad-date.md": reviewed("2025-02-30"),
        "bad-period.md": reviewed("2020-01-01", "review_every: sometimes\n"),
        "src.md": SOURCE,
        "bad-hash-type.md": page(extra="translation_of: src.md\nsource_hash: 123456789012\n"),
        "placeholder.md": page(extra="translation_of: FILL IN the source\n"),
    })
    options = CheckOptions(today=TODAY)
    codes = sorted((d.path, d.code) for d in run(load_hub(root), options) if d.code != "KM312")
    assert codes == [("bad-date.md", "KM221"), ("bad-hash-type.md", "KM220"), ("bad-period.md", "KM222"),
                     ("no-date.md", "KM202"), ("placeholder.md", "KM230")]


def test_translation_without_source_hash_names_the_hash_to_record(make_hub) -> None:
    root = make_hub({"src.md": SOURCE, "fr.md": page(extra="language: fr\ntranslation_of: src.md\n")})
    assert fresh(root) == [Diagnostic(
        "fr.md", 8, "KM612", "warning",
        "translation of src.md records no source_hash, so kmgen cannot tell when the source changes",
        f'if it matches src.md as it is now, add source_hash: "{short(SOURCE)}"', "source_hash")]


def test_translation_of_a_changed_source_is_stale(make_hub) -> None:
    old = short(SOURCE)
    root = make_hub({"src.md": SOURCE,
                     "fr.md": page(extra=f'translation_of: ./src.md\nsource_hash: "{old}"\n')})
    assert fresh(root) == []
    changed = SOURCE + "A new section.\n"
    (root / "src.md").write_text(changed, encoding="utf-8")
    assert fresh(root) == [Diagnostic(
        "fr.md", 8, "KM613", "warning",
        f"the source changed after it was translated: src.md is now {short(changed)}, translated from {old}",
        f'update the translation from src.md, then set source_hash: "{short(changed)}"', "source_hash")]


def test_missing_source_and_other_broken_translations(make_hub) -> None:
    root = make_hub({
        "playbooks/sprint.md": SOURCE,
        "missing.md": page(extra="translation_of: playbooks/sprnt.md\n"),
        "web.md": page(extra="translation_of: https://example.org/guide\n"),
        "self.md": page(extra="translation_of: self.md\n"),
        "bad.md": page(extra='translation_of: playbooks/sprint.md\nsource_hash: "not a hash"\n'),
        "orphan.md": page(extra='source_hash: "abcdefabcdef"\n'),
    })
    assert fresh(root) == [
        Diagnostic("bad.md", 8, "KM614", "warning",
                   "'source_hash' must be the first 12 characters of the source's hash, got 'not a hash'",
                   f"the source's hash now is \"{short(SOURCE)}\"", "source_hash"),
        Diagnostic("missing.md", 7, "KM610", "error",
                   "'translation_of' names playbooks/sprnt.md, which does not exist in the hub",
                   "did you mean 'playbooks/sprint.md'?", "translation_of"),
        Diagnostic("orphan.md", 7, "KM615", "warning", "'source_hash' only means something on a translation",
                   "add translation_of: <path of the source page>, or remove source_hash", "source_hash"),
        Diagnostic("self.md", 7, "KM611", "error", "'translation_of' names this page itself",
                   "name the page this one translates", "translation_of"),
        Diagnostic("web.md", 7, "KM611", "error",
                   "'translation_of' must be a hub page, got the web address 'https://example.org/guide'",
                   "for material outside the hub use based_on", "translation_of"),
    ]


def test_check_cli_strict_freshness_fails_on_an_overdue_page(make_hub) -> None:
    root = make_hub({"old.md": reviewed("2000-01-01")})
    due = dt.date(2000, 12, 31)  # 2000-01-01 + 365 days, in a leap year
    days = (dt.date.today() - due).days
    line = f"old.md:6: KM601 {{}}: past its review date: due 2000-12-31, {days} days overdue"
    normal = run_kmgen("check", str(root))
    assert normal.returncode == 0 and line.format("warning") in normal.stdout
    strict = run_kmgen("check", "--strict-freshness", str(root))
    assert strict.returncode == 1 and line.format("error") in strict.stdout


def freshness_hub(make_hub) -> Path:
    return make_hub({
        "src.md": SOURCE,
        "older.md": reviewed("2024-01-01", title="Older"),
        "old.md": reviewed("2025-01-01", title="Old"),
        "soon.md": reviewed("2025-06-20", title="Soon"),
        "later.md": reviewed("2025-07-20", title="Later"),
        "fine.md": reviewed("2026-05-01", title="Fine"),
        "undated.md": page("Undated").replace(f"last_reviewed: {REVIEWED}\n", ""),
        "fr.md": page("Traduction", extra="translation_of: src.md\n"),
        "draft.md": reviewed("2020-01-01", "status: draft\n", title="Draft"),
    })


def test_report_freshness_text(make_hub) -> None:
    root = freshness_hub(make_hub)
    proc = run_kmgen("report", "freshness", "--content", str(root), "--today", "2026-06-01")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "Freshness as of 2026-06-01 (due soon: within 30 days)",
        "",
        "Overdue (2):",
        "  2024-12-31  517 days overdue  older.md  'Older'  owner: Test CoP",
        "  2026-01-01  151 days overdue  old.md  'Old'  owner: Test CoP",
        "",
        "Due soon (1):",
        "  2026-06-20  in 19 days  soon.md  'Soon'  owner: Test CoP",
        "",
        "Missing review dates (1):",
        "  undated.md  no last_reviewed  owner: Test CoP",
        "",
        "Stale translations (1):",
        f'  fr.md: no source_hash; if it matches src.md now, record source_hash: "{short(SOURCE)}"',
        "",
        "2 overdue, 1 due soon, 1 missing a review date, 1 stale translations",
    ]


def test_report_freshness_json_and_window(make_hub) -> None:
    root = freshness_hub(make_hub)
    proc = run_kmgen("report", "freshness", "--content", str(root), "--today", "2026-06-01",
                     "--within", "60", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"] == {"overdue": 2, "due_soon": 2, "missing_review_date": 1, "stale_translations": 1}
    assert data["overdue"][0] == {"path": "older.md", "title": "Older", "owner": "Test CoP",
                                  "last_reviewed": "2024-01-01", "due": "2024-12-31", "days_overdue": 517}
    assert [(d["path"], d["days_left"]) for d in data["due_soon"]] == [("soon.md", 19), ("later.md", 49)]
    assert data["missing_review_date"] == [{"path": "undated.md", "title": "Undated", "owner": "Test CoP",
                                            "reason": "no last_reviewed"}]
    assert data["stale_translations"] == [{"path": "fr.md", "title": "Traduction", "source": "src.md",
                                           "status": "no-hash", "recorded": "", "current": short(SOURCE)}]


def test_report_freshness_rejects_a_bad_date(make_hub) -> None:
    proc = run_kmgen("report", "freshness", "--content", str(make_hub({})), "--today", "yesterday")
    assert proc.returncode == 2 and "'yesterday' does not match the format '%Y-%m-%d'" in proc.stderr


def test_review_page_shows_the_reports_due_dates_by_owner(tmp_path: Path) -> None:
    """The published review page and `kmgen report freshness` agree page by page:
    same due dates, same days, same window (one rule, `freshness.review_state`)."""
    import html5lib

    from conftest import MINI_TAXONOMY, build_site

    today = dt.date.today()
    offsets = {"long-overdue": -120, "overdue": -3, "today": 0, "soon": 12, "edge": 30, "later": 31, "far": 200}
    files = {"taxonomy.yml": MINI_TAXONOMY}
    for name, days_left in offsets.items():
        owner = "Beta & Co" if days_left < 0 else "Alpha CoP"
        files[f"guidelines/{name}.md"] = page(name.title(), extra="review_every: 100 days\n").replace(
            f"last_reviewed: {REVIEWED}", f"last_reviewed: {today + dt.timedelta(days=days_left - 100)}").replace(
            'owner: "Test CoP"', f'owner: "{owner}"')
    site = build_site(tmp_path, files)
    proc = run_kmgen("report", "freshness", "--content", str(tmp_path / "content"), "--format", "json")
    report = json.loads(proc.stdout)
    expected = {e["path"]: (e["due"], e["days_overdue"], "overdue") for e in report["overdue"]}
    expected |= {e["path"]: (e["due"], e["days_left"], "due-soon") for e in report["due_soon"]}
    assert set(expected) == {f"guidelines/{n}.md" for n in ("long-overdue", "overdue", "today", "soon", "edge")}

    ns = {"h": "http://www.w3.org/1999/xhtml"}
    root = html5lib.parse((site / "review.html").read_text(encoding="utf-8"))
    rows = {tr.get("data-path"): tr for tr in root.iter(f"{{{ns['h']}}}tr") if tr.get("data-path")}
    assert sorted(rows) == sorted(f"guidelines/{n}.md" for n in offsets)  # every page, not only due ones
    for path, tr in rows.items():
        due = "".join(tr.find("h:td[@class='kmgen-due']", ns).itertext())
        days = int(tr.find("h:td[@class='kmgen-days']", ns).get("data-days"))
        if path in expected:
            assert (due, days, tr.get("data-state")) == expected[path], path
        else:
            assert tr.get("data-state") == "on-time" and days > report["within"], path
    cells = {p: " ".join("".join(tr.find("h:td[@class='kmgen-days']", ns).itertext()).split()) for p, tr in rows.items()}
    assert cells["guidelines/long-overdue.md"] == "120 days overdue"
    assert cells["guidelines/today.md"] == "due today"
    assert cells["guidelines/soon.md"] == "due in 12 days"
    # grouped by owner, owners with overdue pages first (then by name)
    heads = [" ".join("".join(h.itertext()).split()) for h in root.iter(f"{{{ns['h']}}}h3")]
    assert heads == ["Beta & Co (2 overdue)", "Alpha CoP"]
    text = (site / "review.html").read_text(encoding="utf-8")
    assert "Beta &amp; Co" in text and "Beta & Co" not in text
    assert "2 pages overdue · 3 due soon" in " ".join(text.split())
