"""The contribution workflow: GitHub Actions workflows that are safe to run on
contributed content, and templates and a guide a non-developer can follow.

`lint` holds the rules; each rule is proven able to fail on planted bad workflows.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from conftest import REPO, run_kmgen
from kmgen.cli import main

GITHUB = REPO / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))

SHA_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s*(-\s+)?uses:\s*\S+@[0-9a-f]{40}\s+#\s*v\d+\.\d+\.\d+\s*$")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
CONTEXT_REF = re.compile(r"\b(github|env|inputs|steps|needs|matrix|runner|secrets|vars|job|jobs|strategy)"
                         r"((?:\.[\w-]+|\[[^\]]*\])*)")
# Expressions a `run:` script may contain: values the event's sender cannot choose.
# Everything else (github.event.*, github.head_ref, inputs, step outputs …) must
# reach the script through `env:`, where the shell cannot mistake it for code.
SAFE_IN_RUN = {"github.sha", "github.workspace", "github.repository", "github.run_id",
               "github.run_number", "runner.temp", "runner.os"}
FORBIDDEN_TRIGGERS = {"pull_request_target", "workflow_run"}
WRITE_SCOPES_FOR_DEPLOY = {"pages", "id-token"}
KMGEN_CALL = re.compile(r"(?:^|[\s;&|(/])kmgen\s+(.*)$")
HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")

Problem = tuple[str, str]  # (rule, detail)


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name}: not a YAML mapping"
    # PyYAML follows YAML 1.1, where the bare key `on` is the boolean true.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def triggers(doc: dict[str, Any]) -> set[str]:
    on = doc.get("on")
    if isinstance(on, str):
        return {on}
    return set(on or ())


def steps(doc: dict[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(job_id, i, step) for job_id, job in (doc.get("jobs") or {}).items()
            for i, step in enumerate(job.get("steps") or [])]


def lint(path: Path) -> list[Problem]:
    """Every rule broken by one workflow file, as (rule, detail) pairs."""
    text = path.read_text(encoding="utf-8")
    try:
        doc = load(path)
    except (yaml.YAMLError, AssertionError) as exc:
        return [("yaml", str(exc))]
    problems: list[Problem] = []
    if "pull_request_target" in text:
        problems.append(("trigger", "pull_request_target appears in the file"))
    problems += [("trigger", f"runs on {t}") for t in sorted(triggers(doc) & FORBIDDEN_TRIGGERS)]
    if "secrets." in text:
        problems.append(("secrets", "the workflow reads a secret"))
    problems += _permission_problems(doc)
    problems += _pin_problems(doc, text)
    for job_id, i, step in steps(doc):
        script = step.get("run")
        if isinstance(script, str):
            problems += [("expression", f"{job_id}.steps[{i}]: {e}") for e in unsafe_expressions(script)]
            problems += [("kmgen", f"{job_id}.steps[{i}]: {e}") for e in kmgen_problems(script)]
    return problems


def _permission_problems(doc: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    top = doc.get("permissions")
    if not isinstance(top, dict) or any(v not in ("read", "none") for v in top.values()):
        problems.append(("permissions", f"top-level permissions must be read-only, got {top!r}"))
    for job_id, job in (doc.get("jobs") or {}).items():
        perms = job.get("permissions")
        if perms is None:
            continue
        if not isinstance(perms, dict):
            problems.append(("permissions", f"{job_id}: permissions {perms!r}"))
            continue
        writes = {k for k, v in perms.items() if v == "write"}
        deploys = any(str(s.get("uses", "")).startswith("actions/deploy-pages@") for s in job.get("steps") or [])
        if writes - WRITE_SCOPES_FOR_DEPLOY or (writes and not deploys):
            problems.append(("permissions", f"{job_id}: may write {sorted(writes)}"))
    return problems


def _pin_problems(doc: dict[str, Any], text: str) -> list[Problem]:
    problems: list[Problem] = []
    used = [(f"{j}.steps[{i}]", s["uses"]) for j, i, s in steps(doc) if "uses" in s]
    used += [(j, job["uses"]) for j, job in (doc.get("jobs") or {}).items() if "uses" in job]
    for where, ref in used:
        if not SHA_PINNED.match(str(ref)):
            problems.append(("pin", f"{where}: {ref} is not pinned to a commit SHA"))
    for line in text.splitlines():
        if re.match(r"^\s*(-\s+)?uses:", line) and SHA_PINNED.match(line.split("uses:", 1)[1].split()[0]):
            if not VERSION_COMMENT.match(line):
                problems.append(("pin-comment", f"no '# vX.Y.Z' after the SHA: {line.strip()}"))
    return problems


def unsafe_expressions(script: str) -> list[str]:
    found = []
    for expr in EXPRESSION.findall(script):
        refs = {m.group(1) + m.group(2) for m in CONTEXT_REF.finditer(expr)}
        bad = sorted(r for r in refs if r not in SAFE_IN_RUN) or ([] if refs else [expr.strip()])
        found += [f"${{{{ {b} }}}} inside run: pass it through env:" for b in bad]
    return found


def kmgen_calls(script: str) -> list[list[str]]:
    """The argument lists of every `kmgen ...` a shell script runs.

    Comments and here-documents (text fed to another program) are skipped; a
    call the shell could not parse either is returned as its raw text."""
    calls = []
    heredoc_end: str | None = None
    for line in script.replace("\\\n", " ").splitlines():
        if heredoc_end is not None:
            heredoc_end = None if line.strip() == heredoc_end else heredoc_end
            continue
        if line.lstrip().startswith("#"):
            continue
        opened = HEREDOC.search(line)
        heredoc_end = opened.group(1) if opened else None
        match = KMGEN_CALL.search(line)
        if match:
            lexer = shlex.shlex(match.group(1), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            try:
                tokens = list(lexer)
            except ValueError:
                calls.append([match.group(1)])
                continue
            cut = next((i for i, t in enumerate(tokens) if set(t) <= set("();<>|&")), len(tokens))
            calls.append(tokens[:cut])
    return calls


def kmgen_problems(script: str) -> list[str]:
    return [p for args in kmgen_calls(script) for p in check_invocation(args)]


def check_invocation(args: list[str]) -> list[str]:
    """What is wrong with `kmgen ARGS` by kmgen's own Click definitions (shell variables allowed)."""
    cmd: click.Command = main
    ctx = click.Context(main)
    rest = list(args)
    while isinstance(cmd, click.Group):
        if not rest or rest[0].startswith("-"):
            return [f"kmgen {' '.join(args)}: no command given"]
        sub = cmd.get_command(ctx, rest[0])
        if sub is None:
            return [f"kmgen {' '.join(args)}: '{rest[0]}' is not a kmgen command"]
        cmd, rest = sub, rest[1:]
    options = {o: p for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
    takes_arguments = any(isinstance(p, click.Argument) for p in cmd.params)
    problems, i, positional_only = [], 0, False
    while i < len(rest):
        token = rest[i]
        i += 1
        if token == "--" and not positional_only:
            positional_only = True
        elif token.startswith("-") and not positional_only:
            name, _, inline = token.partition("=")
            param = options.get(name)
            if param is None:
                problems.append(f"kmgen {cmd.name}: unknown option {name}")
                continue
            if param.is_flag:
                continue
            value = inline or (rest[i] if i < len(rest) else "")
            i += 0 if inline else 1
            if isinstance(param.type, click.Choice) and "$" not in value and value not in param.type.choices:
                problems.append(f"kmgen {cmd.name}: {name} {value!r} is not one of {list(param.type.choices)}")
        elif not takes_arguments:
            problems.append(f"kmgen {cmd.name}: takes no argument, got {token!r}")
    return problems


def workflow(name: str) -> dict[str, Any]:
    return load(GITHUB / "workflows" / name)


def runs(doc: dict[str, Any], job: str | None = None) -> list[list[str]]:
    return [call for j, _, s in steps(doc) if job in (None, j) for call in kmgen_calls(str(s.get("run", "")))]


# --- the repository's workflows -------------------------------------------------------------

def test_the_three_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "links.yml", "pr.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_the_lint(path: Path) -> None:
    assert lint(path) == []


def test_pull_request_workflow_is_read_only_and_checks_the_changed_pages() -> None:
    doc = workflow("pr.yml")
    assert triggers(doc) == {"pull_request"}
    assert doc["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in doc["jobs"].values())
    calls = runs(doc)
    assert ["check", "--format", "github"] in calls
    assert ["links"] in calls
    assert ["tag", "--format", "json", "--", "$page"] in calls
    text = (GITHUB / "workflows" / "pr.yml").read_text(encoding="utf-8")
    assert "$GITHUB_STEP_SUMMARY" in text, "tag suggestions must go to the job summary"
    diff = next(s for _, _, s in steps(doc) if "git diff" in str(s.get("run", "")))
    assert diff["env"] == {"BASE_SHA": "${{ github.event.pull_request.base.sha }}"}
    assert '"$BASE_SHA"' in diff["run"]
    checkouts = [s for _, _, s in steps(doc) if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_deploy_publishes_only_after_every_check_with_write_scoped_to_one_job() -> None:
    doc = workflow("deploy.yml")
    assert triggers(doc) == {"push", "workflow_dispatch"}
    assert doc["on"]["push"] == {"branches": ["main"]}
    assert doc["permissions"] == {"contents": "read"}
    assert doc["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    jobs = doc["jobs"]
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert sorted(deploy["needs"]) == sorted(j for j in jobs if j != "deploy")
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert [j for j, job in jobs.items() if "permissions" in job] == ["deploy"]
    build = [s.get("run") or s.get("uses", "").split("@")[0] for s in jobs["build"]["steps"]]
    order = [build.index(next(b for b in build if needle in str(b))) for needle in
             ("kmgen check", "kmgen build", "actions/upload-pages-artifact")]
    assert order == sorted(order), "the site is uploaded only after it is checked and built"
    assert ["make", "test"] == jobs["test"]["steps"][-1]["run"].split()


def test_external_links_run_on_a_schedule_with_a_cache() -> None:
    doc = workflow("links.yml")
    assert triggers(doc) == {"schedule", "workflow_dispatch"}
    assert ["links", "--external", "--format", "github"] in runs(doc)
    cached = [s for _, _, s in steps(doc) if str(s.get("uses", "")).startswith("actions/cache/")]
    assert sorted(s["uses"].split("@")[0] for s in cached) == ["actions/cache/restore", "actions/cache/save"]
    assert all(s["with"]["path"] == ".kmgen/links-cache.json" for s in cached)
    assert "$GITHUB_STEP_SUMMARY" in (GITHUB / "workflows" / "links.yml").read_text(encoding="utf-8")


def test_every_workflow_uses_the_same_pin_for_an_action() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for _, _, s in steps(load(path)):
            if "uses" in s:
                repo, sha = s["uses"].split("@")
                pins.setdefault(repo.split("/")[0] + "/" + repo.split("/")[1], set()).add(sha)
    assert {repo: len(shas) for repo, shas in pins.items()} == dict.fromkeys(pins, 1)


# --- the lint catches planted mistakes ------------------------------------------------------

BAD_WORKFLOW = """\
name: bad
on: [pull_request_target]
permissions: write-all
jobs:
  check:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065
      - run: echo "${{ github.event.pull_request.title }}" "${{ secrets.TOKEN }}"
      - run: |
          kmgen lnks
          kmgen check --format sarif --colour
"""


def test_lint_reports_every_planted_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW, encoding="utf-8")
    assert lint(bad) == [
        ("trigger", "pull_request_target appears in the file"),
        ("trigger", "runs on pull_request_target"),
        ("secrets", "the workflow reads a secret"),
        ("permissions", "top-level permissions must be read-only, got 'write-all'"),
        ("permissions", "check: may write ['contents']"),
        ("pin", "check.steps[0]: actions/checkout@v4 is not pinned to a commit SHA"),
        ("pin-comment", "no '# vX.Y.Z' after the SHA: - uses: actions/setup-python@"
                        "a26af69be951a213d495a4c3e4e4022e16d87065"),
        ("expression", "check.steps[2]: ${{ github.event.pull_request.title }} inside run: pass it through env:"),
        ("expression", "check.steps[2]: ${{ secrets.TOKEN }} inside run: pass it through env:"),
        ("kmgen", "check.steps[3]: kmgen lnks: 'lnks' is not a kmgen command"),
        ("kmgen", "check.steps[3]: kmgen check: --format 'sarif' is not one of ['text', 'json', 'github']"),
        ("kmgen", "check.steps[3]: kmgen check: unknown option --colour"),
    ]


# One change at a time to the real pr.yml: each must be caught by exactly its rule.
MUTATIONS = {
    "trigger": ("on:\n  pull_request:\n", "on:\n  pull_request_target:\n"),
    "permissions": ("permissions:\n  contents: read\n", "permissions:\n  contents: write\n"),
    "pin": ("@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "@v4"),
    "pin-comment": ("@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
                    "@11bd71901bbe5b1630ceea73d27597364c9af683"),
    "expression": ('"$BASE_SHA" HEAD', '"${{ github.head_ref }}" HEAD'),
    "kmgen": ("kmgen check --format github", "kmgen check --format gitlab"),
    "secrets": ("BASE_SHA: ${{ github.event.pull_request.base.sha }}", "BASE_SHA: ${{ secrets.DEPLOY_KEY }}"),
}


@pytest.mark.parametrize("rule", sorted(MUTATIONS))
def test_lint_catches_one_mistake_in_the_real_workflow(tmp_path: Path, rule: str) -> None:
    old, new = MUTATIONS[rule]
    text = (GITHUB / "workflows" / "pr.yml").read_text(encoding="utf-8")
    assert old in text
    mutated = tmp_path / "pr.yml"
    mutated.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert {r for r, _ in lint(mutated)} == {rule}


def test_expressions_allowed_in_run_are_only_values_no_one_outside_can_choose() -> None:
    assert unsafe_expressions('echo "${{ runner.temp }}/x" ${{ github.sha }}') == []
    assert unsafe_expressions("echo ${{ steps.changed.outputs.files }}") == [
        "${{ steps.changed.outputs.files }} inside run: pass it through env:"]
    assert unsafe_expressions("echo ${{ toJSON(github.event) }}") == [
        "${{ github.event }} inside run: pass it through env:"]


def test_kmgen_calls_are_read_like_a_shell_would() -> None:
    script = ('# kmgen cannot read this comment\n'
              'kmgen tag --format json -- "$page" > "$out/1.json" 2> /dev/null || rm -f x\n'
              '.venv/bin/kmgen build \\\n  --site-dir "$RUNNER_TEMP/site"\n')
    assert kmgen_calls(script) == [["tag", "--format", "json", "--", "$page"],
                                   ["build", "--site-dir", "$RUNNER_TEMP/site"]]
    assert kmgen_problems(script) == []
    assert check_invocation(["taxonomy", "shw"]) == ["kmgen taxonomy shw: 'shw' is not a kmgen command"]


def test_commands_the_workflows_run_answer_help() -> None:
    names = sorted({" ".join(call[:2] if call[0] == "taxonomy" else call[:1])
                    for path in WORKFLOWS for call in runs(load(path))})
    assert names == ["build", "check", "links", "tag"]
    for name in names:
        proc = run_kmgen(*name.split(), "--help")
        assert proc.returncode == 0 and "Example" in proc.stdout, proc.stderr


# --- templates and the contributor's guide -------------------------------------------------

def test_issue_form_proposes_a_resource_or_reports_an_outdated_page() -> None:
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "new-resource.yml").read_text(encoding="utf-8"))
    assert form["name"] and form["description"]
    kinds = {"markdown", "input", "textarea", "dropdown", "checkboxes"}
    assert all(item["type"] in kinds for item in form["body"])
    fields = {item["id"]: item for item in form["body"] if item["type"] != "markdown"}
    assert len(fields) == len([i for i in form["body"] if i["type"] != "markdown"]), "ids must be unique"
    assert all(item["attributes"]["label"] for item in fields.values())
    assert {"kind", "summary", "licence"} <= {i for i, f in fields.items() if f.get("validations", {}).get("required")}
    options = " ".join(fields["kind"]["attributes"]["options"]).lower()
    assert "new resource" in options and "outdated" in options


def test_issue_chooser_links_point_where_mkdocs_yml_says_the_hub_lives() -> None:
    config = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "config.yml").read_text(encoding="utf-8"))
    site = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8").split("\ntheme:", 1)[0])
    urls = [link["url"] for link in config["contact_links"]]
    assert urls == [f"{site['repo_url']}/blob/main/CONTRIBUTING.md", site["site_url"]]


def test_pull_request_template_has_the_checklist() -> None:
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    boxes = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    for needle in ("kmgen check", "front matter", "owner", "CC BY 4.0", "copied"):
        assert any(needle in box for box in boxes), f"no checklist item about {needle!r}"


def github_slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_contributing_links_to_readme_sections_that_exist() -> None:
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    anchors = {github_slug(h) for h in re.findall(r"^#{1,6} (.+)$", readme, re.M)}
    linked = re.findall(r"\]\(README\.md#([\w-]+)\)", guide)
    assert {"fields", "taxonomy-fields"} <= set(linked)
    assert set(linked) <= anchors
    for needle in ("based_on", "CC-BY-4.0", "Apache-2.0", "kmgen new", "kmgen check", "make test", "owner",
                   "last_reviewed", "review_every"):
        assert needle in guide, f"CONTRIBUTING.md does not explain {needle}"


def test_the_problem_report_in_contributing_is_what_kmgen_prints(make_hub) -> None:
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    front_matter = re.search(r"```yaml\n(---\n.*?---\n)```", guide, re.S).group(1)  # type: ignore[union-attr]
    example = re.search(r"```text\n(.*?)\n```", guide, re.S).group(1)  # type: ignore[union-attr]
    summary = re.search(r"for example `(\d+ files?, [^`]*)`", guide).group(1)  # type: ignore[union-attr]
    root = make_hub({"case-studies/togo.md": front_matter.replace("health]", "helth]") + "Text.\n"})
    proc = run_kmgen("check", str(root))
    assert proc.returncode == 1
    assert example in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == summary


def test_readme_points_contributors_to_the_guide_before_the_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.index("\n## Contributing\n") < readme.index("\n## Commands\n")
    section = readme.split("\n## Contributing\n", 1)[1].split("\n## ", 1)[0]
    assert "(CONTRIBUTING.md)" in section
